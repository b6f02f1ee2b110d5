"""Corpus queries over several reports: the samples, plus the Fengjiang report as if another county
had published it (every 枫江 renamed), which shares laws and problems but no departments with it."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest

from graph.store import OxigraphStore
from loaders.pipeline import load_bytes
from ontology import iris
from queries import catalog
from tests.conftest import FENGJIANG, QINGPU


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, qingpu, fengjiang):
    store = OxigraphStore(tmp_path_factory.mktemp("corpus") / "store")
    twin = load_bytes(FENGJIANG.read_text(encoding="utf-8").replace("枫江", "松溪").encode(), "songxi.txt")
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    yield store
    store.close()


def rows(store, query, **params):
    return [{k: v.value for k, v in r.items()} for r in catalog.get(query).run(store, params).rows]


def test_compare_reports_lists_each_report_with_claims_beside_counts(corpus):
    got = {
        (r["place"], r["findings_claimed"], r["findings_counted"], r["measures_claimed"], r["measures_counted"])
        for r in rows(corpus, "compare-reports")
    }
    assert got == {
        ("上海市青浦区", "63", "63", "186", "186"),
        ("枫江县", "22", "22", "67", "67"),
        ("松溪县", "22", "22", "67", "67"),
    }


def test_same_name_in_two_places_is_two_bodies(corpus):
    civil = {
        r["department"]: r["department_place"]
        for r in rows(corpus, "departments-across-reports")
        if r["department"].endswith("民政局") and "lead" in r["roles"]
    }
    assert civil == {"青浦区民政局": "上海市青浦区", "枫江县民政局": "枫江县", "松溪县民政局": "松溪县"}
    finance = rows(corpus, "departments-across-reports", name="县财政局")
    assert {r["department"] for r in finance} == {"枫江县财政局", "松溪县财政局"}


def test_documents_cited_by_several_reports(corpus):
    shared = {r["title"]: r for r in rows(corpus, "documents-across-reports")}
    assert "中华人民共和国政府采购法" in shared
    assert shared["中华人民共和国政府采购法"]["reports"] == "2"
    assert not any("枫江县" in title or "松溪县" in title for title in shared)


def test_recurring_problems_pair_the_same_problem_in_two_counties(corpus):
    pairs = rows(corpus, "recurring-problems", min_score="0.99")
    assert len(pairs) == 22  # every Fengjiang finding has its Songxi twin, and nothing else is that alike
    assert all(p["title_a"] == p["title_b"] for p in pairs)
    looser = rows(corpus, "recurring-problems")
    assert len(looser) > len(pairs)
    assert all(float(p["score"]) >= 0.2 for p in looser)


def _turned(pair: dict[str, str]) -> dict[str, str]:
    return {k[:-1] + {"a": "b", "b": "a"}[k[-1]] if k[-2:] in ("_a", "_b") else k: v for k, v in pair.items()}


def _in_query_order(pair: dict[str, str]) -> tuple:
    """recurring-problems' ORDER BY: DESC(?score) ?title_a ?title_b ?report_a ?report_b ?finding_a ?finding_b."""
    keys = ("title_a", "title_b", "report_a", "report_b", "finding_a", "finding_b")
    return (-Decimal(pair["score"]), *(pair[k] for k in keys))


@pytest.mark.parametrize("min_score", ["0", "0.05", "0.2", "0.5", "0.99"])
def test_recurring_problems_of_a_report_are_the_whole_answers_pairs_with_it_first(corpus, min_score):
    """`report` keeps the pairs of the whole-corpus answer that have a finding in that report, turned
    to put that finding first, in the same order; by its own text (recurring-problems+min_score+report.rq),
    which starts from the report's findings and leaves out early the pairs that cannot reach min_score."""
    query = catalog.get("recurring-problems")
    whole = rows(corpus, "recurring-problems", min_score=min_score)
    reports = sorted(r["report"] for r in rows(corpus, "compare-reports"))
    assert len(reports) == 3 and whole
    for report in reports:
        assert query.text_for(query.bindings({"report": report, "min_score": min_score})) != query.text
        expected = sorted(
            (p if p["report_a"] == report else _turned(p) for p in whole if report in (p["report_a"], p["report_b"])),
            key=_in_query_order,
        )
        got = rows(corpus, "recurring-problems", report=report, min_score=min_score)
        assert got == expected, (report, min_score)


def test_documents_lists_a_document_once_per_citing_report(corpus):
    """A document is in the graph of every report citing it; the union of those graphs must not
    repeat its rows (it did, once per pair of citing reports' copies of its title and type)."""
    titles = [r["title"] for r in rows(corpus, "documents")]
    shared = {r["title"]: int(r["reports"]) for r in rows(corpus, "documents-across-reports")}
    assert titles.count("中华人民共和国政府采购法") == shared["中华人民共和国政府采购法"] == 2
    assert all(titles.count(title) == reports for title, reports in shared.items())


@pytest.fixture(scope="module")
def alone_and_with_sibling(tmp_path_factory, qingpu):
    """The Qingpu report alone, and beside a sibling report: the same text under another title,
    so its places, bodies and documents are in two graphs and the union default graph holds each
    of their triples twice."""
    sibling = load_bytes(
        QINGPU.read_text(encoding="utf-8").replace("整改进展情况的通报", "整改进展情况的再次通报", 1).encode(),
        "sibling.txt",
    )
    assert sibling.graph_iri != qingpu.graph_iri
    stores = {name: OxigraphStore(tmp_path_factory.mktemp(name) / "store") for name in ("alone", "both")}
    for name, store in stores.items():
        for loaded in (qingpu, sibling) if name == "both" else (qingpu,):
            store.replace_graph(loaded.graph_iri, loaded.graph)
    yield stores["alone"], stores["both"]
    for store in stores.values():
        store.close()


def sorted_rows(store, query, **params):
    return sorted(tuple(sorted(r.items())) for r in rows(store, query, **params))


# recurring-problems for a report is about the other reports (its pairs with them): tested below.
@pytest.mark.parametrize(
    "query",
    sorted(
        n
        for n, q in catalog.saved_queries().items()
        if "report" in {p.name for p in q.params} and n != "recurring-problems"
    ),
)
def test_a_reports_answers_do_not_change_when_another_report_names_the_same_things(
    alone_and_with_sibling, qingpu, query
):
    alone, both = alone_and_with_sibling
    params = {"report": qingpu.report_iri}
    if query == "finding-trace":
        params["finding"] = rows(alone, "findings", report=qingpu.report_iri)[0]["finding"]
    assert sorted_rows(both, query, **params) == sorted_rows(alone, query, **params)


def test_compare_reports_has_one_row_per_report(alone_and_with_sibling):
    _alone, both = alone_and_with_sibling
    reports = [r["report"] for r in rows(both, "compare-reports")]
    assert len(reports) == len(set(reports)) == 2


def test_department_profile_answers_as_with_filter_not_exists(corpus):
    """department-profile takes generic bodies and internal units out of `partners` with MINUS
    (fewer lookups on disk); the FILTER NOT EXISTS text it replaced gives the same rows in the same
    order for every name a report gives a department, and the exclusions do remove partners here."""
    query = catalog.get("department-profile")
    assert query.text.count("MINUS {") == 2
    before = dataclasses.replace(query, text=query.text.replace("MINUS {", "FILTER NOT EXISTS {"))
    unfiltered = dataclasses.replace(query, text=re.sub(r"MINUS \{[^}]*\}", "", query.text))
    names = corpus.select(iris.sparql_prefixes() + "SELECT DISTINCT ?n WHERE { ?o rk:name ?n } ORDER BY ?n").rows
    answered = excluded = 0
    for name in (row["n"].value for row in names):
        bound = query.bindings({"department": name})
        rows = query._select(corpus, bound).rows
        assert rows == before._select(corpus, bound).rows, name
        answered += bool(rows)
        excluded += rows != unfiltered._select(corpus, bound).rows
    assert answered > 10 and excluded > 0
