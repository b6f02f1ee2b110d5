"""Saved queries on a real on-disk store holding both sample reports.

Counts the issue pins (63 findings, 186 measures, 32 document titles, five dates) are pinned;
everything else is checked for consistency with the graph and the text, so that better entity,
policy and quantity reading changes the numbers without breaking the tests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from rdflib.plugins.sparql import prepareQuery

from graph.store import QueryError, Term
from ontology import iris
from queries import catalog
from queries.catalog import ParamError
from tests.conftest import ROOT

ISSUE_QUERIES = {
    "findings": ["report", "finding", "number", "title", "category", "group", "measures"],
    "measures": ["report", "finding", "number", "ordinal", "text"],
    "departments": ["report", "finding", "number", "title", "department", "role"],
    "shared-responsibility": ["dept_a", "dept_b", "findings", "finding_numbers"],
    "documents": ["title", "type", "action", "findings"],
    "claims": ["report", "claim", "claimed", "counted"],
    "policies": ["report", "finding", "number", "policy", "action", "document"],
    "quantities": ["report", "finding", "number", "value", "unit", "counted", "approximate"],
    "timeline": ["date", "event", "report"],  # report added by issue 19: several reports mix
}
QINGPU_DATES = ["2025-04-15", "2025-06-30", "2025-09-08", "2025-12-07", "2026-02-13"]
XSD = "http://www.w3.org/2001/XMLSchema#"
# Queries over what other parts of the loader are still learning to read: empty until they do.
NEEDS = {
    "policies": "?x a rk:PolicyAction",
    "quantities": "?x a rk:Quantity",
    "shared-responsibility": "?x rk:role rk:partner",
    "documents-across-reports": "?a rk:document ?d ; rk:measure/rk:finding/rk:report ?r1 . "
    "?b rk:document ?d ; rk:measure/rk:finding/rk:report ?r2 . FILTER(?r1 != ?r2)",
}


def run(store, name, **params):
    return catalog.get(name).run(store, params)


def values(result, column):
    return [row[column].value if column in row else None for row in result.rows]


def _select(store, query):
    return store.select(iris.sparql_prefixes() + query).rows


# ---- the catalog as a whole ---------------------------------------------------------------


def test_issue_queries_exist_with_their_public_columns():
    queries = catalog.saved_queries()
    for name, columns in ISSUE_QUERIES.items():
        assert list(queries[name].columns) == columns, name
    assert {"department-profile", "finding-trace"} <= set(queries)


@pytest.mark.parametrize("name", sorted(catalog.saved_queries()))
def test_every_query_has_a_header_parses_and_projects_its_columns_and_params(name):
    q = catalog.get(name)
    assert q.summary and q.description and q.columns
    projected = [str(v) for v in prepareQuery(q.text).algebra["PV"]]  # rdflib: an independent SPARQL 1.1 parser
    params = [p.name for p in q.params]
    # Oxigraph binds a parameter only when the query projects it; run() keeps the columns.
    assert set(projected) == set(q.columns) | set(params)
    assert [v for v in projected if v in q.columns] == list(q.columns)
    for p in q.params:
        assert p.type in {"string", "iri", "integer", "decimal", "date"} and p.description
        assert p.enumerate is None or p.enumerate in catalog.ENUMERATIONS


@pytest.mark.parametrize("name", sorted(catalog.saved_queries()))
def test_every_query_runs_on_the_store_and_answers_its_columns(sample_store, name):
    q = catalog.get(name)
    required = {p.name: _a_choice(sample_store, p) for p in q.params if p.required}
    result = q.run(sample_store, required)
    assert result.variables == list(q.columns)
    needs = NEEDS.get(name)
    if needs and not _select(sample_store, f"SELECT * WHERE {{ {needs} }} LIMIT 1"):
        assert result.rows == []  # nothing of the kind read yet: nothing invented either
    else:
        assert result.rows, f"{name} answered nothing on the sample reports"


def _a_choice(store, param):
    choices = catalog.choices(store, param.enumerate)
    assert choices, f"no choices for {param.name}"
    return choices[0][0]


@pytest.mark.parametrize(
    ("name", "param"),
    sorted((q.name, p.name) for q in catalog.saved_queries().values() for p in q.params if p.enumerate),
)
def test_every_enumerated_parameter_narrows_the_answer(sample_store, name, param):
    q = catalog.get(name)
    p = next(p for p in q.params if p.name == param)
    base = {o.name: _a_choice(sample_store, o) for o in q.params if o.required and o.name != param}
    everything = None if p.required else q.run(sample_store, base).rows
    if everything is not None and param == "report" and "report_a" in q.columns:
        everything += [_turned(row) for row in everything]  # a pair, the report's finding first
    for value, _label in catalog.choices(sample_store, p.enumerate)[:3]:
        narrowed = q.run(sample_store, {**base, param: value}).rows
        assert everything is None or all(row in everything for row in narrowed), (name, param, value)
        if param == "report" and "report" in q.columns:
            assert {r["report"].value for r in narrowed} <= {value}
        if param == "report" and "report_a" in q.columns:
            assert {r["report_a"].value for r in narrowed} <= {value}
        if param == "role":
            assert {r["role"].value for r in narrowed} <= {value}


def _turned(row: dict) -> dict:
    """A row of pairs (`recurring-problems`) the other way round: each `_a` column swapped with its `_b`."""
    swap = {"_a": "_b", "_b": "_a"}
    return {(key[:-2] + swap[key[-2:]] if key[-2:] in swap else key): value for key, value in row.items()}


def test_parameters_are_bound_as_terms_never_pasted(sample_store):
    before = sample_store.triple_count()
    hostile = '" } } ; DROP ALL ; SELECT * { "'
    assert run(sample_store, "shared-responsibility", department=hostile).rows == []
    assert run(sample_store, "department-profile", department=hostile).rows == []
    assert sample_store.triple_count() == before
    with pytest.raises(ParamError):
        run(sample_store, "findings", report="not an iri> } DROP ALL {")
    with pytest.raises(ParamError):
        run(sample_store, "finding-trace")


def test_a_bad_header_names_its_file():
    with pytest.raises(QueryError, match=r"queries/broken\.rq"):
        catalog.parse("broken", "#+ summary: one: two\nSELECT * WHERE { ?s ?p ?o }")


def test_no_query_tests_a_parameter_with_bound():
    """Oxigraph's BOUND() does not see a substituted parameter; COALESCE does (and is portable)."""
    for q in catalog.saved_queries().values():
        for p in q.params:
            assert f"BOUND(?{p.name})" not in q.text.replace(" ", ""), (q.name, p.name)


def test_readme_documents_every_saved_query():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Saved queries", 1)[1].split("\n## ", 1)[0]
    for q in catalog.saved_queries().values():
        row = re.search(rf"^\| `{re.escape(q.name)}` \|([^|]*)\|", section, flags=re.M)
        assert row, f"README has no table row for {q.name}"
        assert [c.strip() for c in row.group(1).split(",")] == list(q.columns), q.name
        assert re.search(rf"^\*\*`{re.escape(q.name)}`\*\*", section, flags=re.M), f"no paragraph for {q.name}"


# ---- documents -----------------------------------------------------------------------------

TITLE = re.compile(r"《([^《》]+)》")


def _measure_spans(store, report_iri):
    query = """
    SELECT ?report ?number ?start ?end WHERE {
      ?m rk:finding ?f ; rk:evidence ?ev . ?f rk:report ?report ; rk:number ?number .
      ?ev oa:start ?start ; oa:end ?end .
    }"""
    rows = store.select(iris.sparql_prefixes() + query, {"report": _iri(report_iri)}).rows
    return [(r["number"].value, int(r["start"].value), int(r["end"].value)) for r in rows]


def _iri(value):
    return Term("iri", value)


def test_documents_lists_every_title_of_the_report_once_with_all_citing_findings(sample_store, qingpu):
    """Expected from the text itself: each 《…》 inside a measure is cited by that measure's finding."""
    text = qingpu.report.text
    spans = _measure_spans(sample_store, qingpu.report_iri)
    expected: dict[str, set[str]] = defaultdict(set)
    for m in TITLE.finditer(text):
        title = m.group(1).strip()
        expected[title] |= {n for n, start, end in spans if start <= m.start() < end}
    assert len(expected) == 32

    result = run(sample_store, "documents", report=qingpu.report_iri)
    titles = values(result, "title")
    assert len(titles) == len(set(titles)) == 32
    got = {r["title"].value: set(r["findings"].value.split()) for r in result.rows}
    assert got == expected
    preamble_only = [t for t, numbers in got.items() if not numbers]
    assert len(preamble_only) == 1
    assert {a for row in values(result, "action") for a in row.split()} <= {
        "created",
        "revised",
        "issued",
        "studied",
        "applied",
        "mentioned",
    }


def test_documents_lists_citing_findings_in_document_order(sample_store, qingpu):
    for row in run(sample_store, "documents", report=qingpu.report_iri).rows:
        numbers = [int(n) for n in row["findings"].value.split()]
        assert numbers == sorted(numbers)


# ---- claims --------------------------------------------------------------------------------


def test_claims_set_what_qingpu_states_beside_what_the_graph_counts(sample_store, qingpu):
    rows = run(sample_store, "claims", report=qingpu.report_iri).rows
    got = {r["claim"].value: (r["claimed"].value, r.get("counted") and r["counted"].value) for r in rows}
    assert got["findings"] == ("63", "63")
    assert got["findings-rectified"] == ("63", "63")
    assert got["measures"] == ("186", "186")
    assert "rules-new" in got and "rules-revised" in got
    assert got["cases-opened"][1] is None  # the graph does not count cases


def test_rule_counts_follow_the_documented_definition(sample_store, qingpu, fengjiang):
    """rules-new: documents created ∪ policies established (as their formalising document, if any)."""
    for loaded in (qingpu, fengjiang):
        r = loaded.report
        rules: dict[str, set] = {"rules-new": set(), "rules-revised": set()}
        for m in r.measures:
            for c in m.citations:
                kind = {"created": "rules-new", "revised": "rules-revised"}.get(c.action)
                if kind:
                    rules[kind].add(("document", c.title))
            for use in m.policies:
                kind = {"established": "rules-new", "improved": "rules-revised"}.get(use.action)
                if kind:
                    rules[kind].add(("document", use.document) if use.document else ("policy", use.name))
        rules["rules-established-or-improved"] = rules["rules-new"] | rules["rules-revised"]
        counted = {
            row["claim"].value: row["counted"].value
            for row in run(sample_store, "claims", report=loaded.report_iri).rows
            if "counted" in row
        }
        for kind, found in rules.items():
            if kind in counted:
                assert int(counted[kind]) == len(found), (loaded.source, kind)


def test_claim_counts_agree_with_the_other_queries(sample_store, qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        findings = run(sample_store, "findings", report=loaded.report_iri).rows
        statuses = sample_store.select(
            iris.sparql_prefixes() + "SELECT ?report ?status WHERE { ?f rk:report ?report ; rk:status ?status }",
            {"report": _iri(loaded.report_iri)},
        ).rows
        expected = {
            "findings": len(findings),
            "measures": sum(int(r["measures"].value) for r in findings),
            "findings-rectified": sum(r["status"].value == "completed" for r in statuses),
            "findings-in-progress": sum(r["status"].value == "in-progress" for r in statuses),
        }
        for row in run(sample_store, "claims", report=loaded.report_iri).rows:
            if row["claim"].value in expected:
                assert int(row["counted"].value) == expected[row["claim"].value], row


# ---- policies and quantities: structure and consistency with the graph ---------------------


def test_policies_answer_every_policy_action_of_the_graph(sample_store, qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        rows = run(sample_store, "policies", report=loaded.report_iri).rows
        expected = sorted(
            (f.number, use.name, use.action, use.document or "")
            for f in loaded.report.findings
            for m in f.measures
            for use in m.policies
        )
        got = sorted(
            (r["number"].value, r["policy"].value, r["action"].value, r["document"].value if "document" in r else "")
            for r in rows
        )
        assert got == expected
        assert {r["action"].value for r in rows} <= {"established", "improved", "applied"}
        assert all(r["finding"].value.startswith(loaded.report_iri + "/finding/") for r in rows)


def test_quantities_answer_every_quantity_of_the_graph(sample_store, qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        rows = run(sample_store, "quantities", report=loaded.report_iri).rows
        expected = sorted(
            (f.number, Decimal(q.value), q.unit, q.counted or "", q.approximate)
            for f in loaded.report.findings
            for m in f.measures
            for q in m.quantities
        )
        got = sorted(
            (
                r["number"].value,
                Decimal(r["value"].value),
                r["unit"].value,
                r["counted"].value if "counted" in r else "",
                r["approximate"].value == "true",
            )
            for r in rows
        )
        assert got == expected
        assert all(r["value"].datatype == XSD + "decimal" for r in rows)
        assert all(r["approximate"].datatype == XSD + "boolean" for r in rows)


# ---- timeline ------------------------------------------------------------------------------


def test_timeline_holds_qingpus_five_dates_in_order(sample_store, qingpu):
    result = run(sample_store, "timeline", report=qingpu.report_iri)
    dates = values(result, "date")
    assert dates == sorted(dates)
    assert all(row["date"].datatype == XSD + "date" for row in result.rows)
    report_dates = [r["date"].value for r in result.rows if not r["event"].value.startswith("(")]
    assert report_dates == QINGPU_DATES
    assert set(QINGPU_DATES) <= set(dates)


def test_timeline_of_all_reports_is_the_union_of_each(sample_store, qingpu, fengjiang):
    everything = sorted(values(run(sample_store, "timeline"), "date"))
    each = sorted(
        values(run(sample_store, "timeline", report=qingpu.report_iri), "date")
        + values(run(sample_store, "timeline", report=fengjiang.report_iri), "date")
    )
    assert everything == each


# ---- department-profile and finding-trace --------------------------------------------------


def _issuer_label(store, report_iri):
    rows = store.select(
        iris.sparql_prefixes() + "SELECT ?report ?label ?alias WHERE { ?report rk:issuer ?o . ?o skos:prefLabel ?label "
        "OPTIONAL { ?o skos:altLabel ?alias } }",
        {"report": _iri(report_iri)},
    ).rows
    return rows[0]["label"].value, [r["alias"].value for r in rows if "alias" in r]


def test_department_profile_agrees_with_departments_and_documents(sample_store, qingpu):
    label, aliases = _issuer_label(sample_store, qingpu.report_iri)
    profile = run(sample_store, "department-profile", department=label).rows
    assert {r["report"].value for r in profile} == {qingpu.report_iri}

    departments = run(sample_store, "departments", report=qingpu.report_iri).rows
    roles, sharing = defaultdict(set), defaultdict(set)
    for r in departments:
        if r["department"].value == label:
            roles[r["finding"].value].add(r["role"].value)
        elif r["role"].value in ("lead", "partner"):
            sharing[r["finding"].value].add(r["department"].value)
    assert {r["finding"].value for r in profile} == set(roles)
    assert len(profile) == 63  # the issuing body leads every measure

    left_out = (
        "SELECT ?label WHERE { ?o skos:prefLabel ?label { ?o rk:generic true } UNION { ?o rk:internalUnit true } }"
    )
    generic = {r["label"].value for r in _select(sample_store, left_out)}
    cited = defaultdict(set)
    for doc in run(sample_store, "documents", report=qingpu.report_iri).rows:
        for number in doc["findings"].value.split():
            cited[number].add(doc["title"].value)
    for r in profile:
        finding = r["finding"].value
        assert set(r["role"].value.split()) == roles[finding]
        partners = set(r["partners"].value.split("、")) - {""}
        assert partners == sharing[finding] - generic
        documents = set(r["documents"].value[1:-1].split("》 《")) if r["documents"].value else set()
        assert documents == cited[r["number"].value]

    for alias in aliases:  # an alias may also name another body (局机关 in every report): a superset
        by_alias = run(sample_store, "department-profile", department=alias).rows
        assert all(row in by_alias for row in profile), alias


def test_finding_trace_shows_every_edge_of_every_finding_with_its_evidence(sample_store, qingpu, fengjiang):
    text = qingpu.report.text
    departments = run(sample_store, "departments", report=qingpu.report_iri).rows
    policies = run(sample_store, "policies", report=qingpu.report_iri).rows
    quantities = run(sample_store, "quantities", report=qingpu.report_iri).rows
    cited = defaultdict(set)
    for doc in run(sample_store, "documents", report=qingpu.report_iri).rows:
        for number in doc["findings"].value.split():
            cited[number].add(doc["title"].value)

    for f in qingpu.report.findings:
        finding = iris.finding(qingpu.report_iri, f.order)
        result = run(sample_store, "finding-trace", finding=finding)
        rows, kinds = result.rows, values(result, "kind")

        def items(kind, rows=rows):
            return [(r["item"].value, r["detail"].value) for r in rows if r["kind"].value == kind]

        assert kinds[0] == "finding" and kinds.count("finding") == 1
        assert rows[0]["item"].value == f.title
        measures = run(sample_store, "measures", finding=finding).rows
        assert [(r["measure"].value, r["item"].value) for r in rows if r["kind"].value == "measure"] == [
            (r["ordinal"].value, r["text"].value) for r in measures
        ]
        assert set(items("department")) == {
            (r["department"].value, r["role"].value) for r in departments if r["finding"].value == finding
        }
        assert {title for title, _action in items("document")} == cited[f.number]
        assert sorted(p for p, _action in items("policy")) == sorted(
            r["policy"].value for r in policies if r["finding"].value == finding
        )
        assert len(items("quantity")) == sum(r["finding"].value == finding for r in quantities)
        for r in rows:
            start, end = int(r["start"].value), int(r["end"].value)
            assert text[start:end] == r["quote"].value
            assert r["quote"].value in r["sentence"].value
        measure_numbers = [int(v) for v in values(result, "measure") if v is not None]
        assert measure_numbers == sorted(measure_numbers)

    finding = iris.finding(qingpu.report_iri, 40)
    rows = run(sample_store, "finding-trace", finding=finding).rows
    assert run(sample_store, "finding-trace", finding=finding, report=qingpu.report_iri).rows == rows
    assert run(sample_store, "finding-trace", finding=finding, report=fengjiang.report_iri).rows == []


def test_shared_responsibility_with_a_department_keeps_only_its_pairs(sample_store):
    pairs = run(sample_store, "shared-responsibility").rows
    if not pairs:
        pytest.skip("no department shares responsibility in the samples yet")
    department = pairs[0]["dept_a"].value
    narrowed = run(sample_store, "shared-responsibility", department=department).rows
    assert narrowed and all(department in (r["dept_a"].value, r["dept_b"].value) for r in narrowed)
    assert len(narrowed) < len(pairs) or all(department in (r["dept_a"].value, r["dept_b"].value) for r in pairs)


def test_acceptance_on_a_store_holding_only_the_sample_report(store, qingpu):
    """As the issue runs it: ingest the sample, then the saved queries without parameters."""
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    titles = values(run(store, "documents"), "title")
    assert len(titles) == len(set(titles)) == 32
    claims = {
        r["claim"].value: (r["claimed"].value, r["counted"].value) for r in run(store, "claims").rows if "counted" in r
    }
    assert claims["findings"] == ("63", "63") and claims["measures"] == ("186", "186")
    dates = values(run(store, "timeline"), "date")
    assert set(QINGPU_DATES) <= set(dates)


VARIANTS = sorted((name, sorted(params)) for name, q in catalog.saved_queries().items() for params, _ in q.variants)


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_a_variant_answers_as_its_base_text_row_for_row(sample_store, name, params):
    """A variant (`NAME+PARAM.rq`) is only a faster plan: same rows, same order, for every choice."""
    q = catalog.get(name)
    # A parameter with nothing to choose from takes its default (`min_score`: it always has a value).
    chosen = [p for p in q.params if p.name in params and not (p.default and not p.enumerate)]
    options = {p.name: [v for v, _ in catalog.choices(sample_store, p.enumerate)] for p in chosen}
    assert all(options.values()), "nothing to choose from on the sample store"
    answered = 0
    for picked in zip(*options.values(), strict=False):
        bindings = q.bindings(dict(zip(options, picked, strict=True)))
        assert q.text_for(bindings) != q.text
        base, variant = (sample_store.select(text, bindings).rows for text in (q.text, q.text_for(bindings)))
        keep = [{k: v for k, v in row.items() if k in q.columns} for row in base]
        assert [{k: v for k, v in row.items() if k in q.columns} for row in variant] == keep, picked
        answered += bool(keep)
    assert answered, "no choice gave rows: the comparison proves nothing"


def test_a_variant_must_name_parameters_its_base_has():
    base = catalog.get("shared-responsibility")
    with pytest.raises(catalog.QueryError, match="no parameter report"):
        catalog.with_variant(base, "shared-responsibility+report.rq", "SELECT * WHERE { ?s ?p ?o }")


def test_a_variant_runs_with_the_parameters_it_also_takes():
    """`#+ also_with:` names parameters a variant may have bound besides its file name's: it is the
    text for each such set (each compared with the base above), and it must name real parameters."""
    sets = {params for params, _text in catalog.get("departments").variants}
    assert sets == {frozenset({"report"}), frozenset({"report", "role"})}
    base = catalog.get("departments")
    with pytest.raises(catalog.QueryError, match="no parameter colour"):
        catalog.with_variant(base, "departments+report.rq", "#+ also_with: [colour]\nSELECT * WHERE { ?s ?p ?o }")
