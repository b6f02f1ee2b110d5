"""Responsibility analytics on real reports in a real on-disk store: pairs, centrality,
communities, chains, GraphML/GEXF export and the `rectkg analyze` command.

Two stores: the sample reports exactly as the loader reads them (whatever departments its entity
reader finds), and the Fengjiang report read by the same loader with its involvements replaced by
the gold annotation's: the issuing bureau leads, the gold partners partner on the measures whose
text names them, and the gold's generic and subordinate non-partners are added where named, which
must not count. The second store's answers are known from the gold file alone.
"""

from __future__ import annotations

import gc
import io
import itertools
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from graph import analytics, roles
from graph.store import OxigraphStore
from loaders.model import Involvement, Organisation, Report, Span
from loaders.normalise import to_half_width
from loaders.pipeline import load_file
from loaders.to_rdf import to_graph
from ontology import iris
from ontology.iris import RK
from queries import catalog
from tests.conftest import FENGJIANG
from webapp import network


def _add(report, finding, canonical: str, surface: str, **flags) -> int:
    """Involve an organisation in every measure of the finding whose text names it; how many."""
    org = report.orgs.setdefault(canonical, Organisation(canonical, "government-department", report.place, **flags))
    org.aliases.add(surface)
    added = 0
    for measure in finding.measures:
        at = measure.text.find(surface)
        if at >= 0:
            span = Span(measure.span.start + at, measure.span.start + at + len(surface))
            measure.involvements.append(Involvement(canonical, "partner", surface, "gold", span))
            added += 1
    return added


@dataclass
class Annotated:
    store: OxigraphStore  # read-only, so that `rectkg` commands under test can open it too
    report: Report
    partners: dict[int, set[str]]  # finding order → gold partners named in its measures


@pytest.fixture(scope="module")
def annotated(tmp_path_factory, fengjiang_gold):
    """Fengjiang with its gold partners, and its generic and subordinate non-partners."""
    loaded = load_file(FENGJIANG)
    report = loaded.report
    for measure in report.measures:
        measure.involvements = [i for i in measure.involvements if i.org == report.issuer and i.role == "lead"]
    partners: dict[int, set[str]] = {}
    for gold, finding in zip(fengjiang_gold["findings"], report.findings, strict=True):
        partners[finding.order] = set()
        for partner in gold["partners"]:
            canonical = to_half_width(partner["canonical"])
            if sum(_add(report, finding, canonical, to_half_width(s)) for s in partner["surface_forms"]):
                partners[finding.order].add(canonical)
        for other in gold.get("non_partner_mentions") or []:
            flag = "generic" if "generic" in other["reason"] else "internal" if "subordinate" in other["reason"] else ""
            if flag:
                surface = to_half_width(other["surface"])
                _add(report, finding, surface, surface, **{flag: True})
    path = tmp_path_factory.mktemp("annotated") / "store"
    writer = OxigraphStore(path)
    writer.replace_graph(loaded.graph_iri, to_graph(report, loaded.key))
    writer.close()
    del writer
    gc.collect()
    return Annotated(OxigraphStore(path, read_only=True), report, partners)


@pytest.fixture(scope="module")
def analysis(annotated):
    return analytics.analyse(annotated.store)


def _saved_pairs(store) -> Counter:
    rows = catalog.get("shared-responsibility").run(store).rows
    return Counter({frozenset((r["dept_a"].value, r["dept_b"].value)): int(r["findings"].value) for r in rows})


def _analysed_pairs(result: analytics.Analysis) -> Counter:
    return Counter({frozenset((p.label_a, p.label_b)): p.findings for p in result.pairs()})


def test_pairs_equal_the_saved_query_on_the_samples(sample_store):
    expected = _saved_pairs(sample_store)
    assert expected, "the sample reports name partner departments"
    assert _analysed_pairs(analytics.analyse(sample_store)) == expected


def test_pairs_equal_the_saved_query_with_gold_partners(annotated, analysis):
    expected = _saved_pairs(annotated.store)
    assert len(expected) > 20
    assert _analysed_pairs(analysis) == expected
    assert sum(p.findings for p in analysis.pairs()) == expected.total()


def test_pairs_follow_the_gold_annotation(annotated, analysis):
    """Independently of SPARQL: per finding, the issuing bureau (leads every measure) plus its partners."""
    report, partners = annotated.report, annotated.partners
    expected: Counter = Counter()
    for members in partners.values():
        everyone = {*members, report.issuer}
        expected.update(frozenset(pair) for pair in itertools.combinations(sorted(everyone), 2))
    assert _analysed_pairs(analysis) == expected


def test_generic_and_internal_bodies_share_nothing(annotated, analysis):
    report = annotated.report
    excluded = {o.canonical for o in report.orgs.values() if o.generic or o.internal}
    assert {"有关部门", "县社会福利中心"} <= excluded
    labels = {d["label"] for _n, d in analysis.bipartite.nodes(data=True)}
    assert not labels & excluded


def test_shared_measures_count_the_measures_both_are_on(annotated, analysis):
    """The bureau is on every measure, so with a partner it shares exactly the partner's measures."""
    report = annotated.report
    on_measures = Counter(i.org for m in report.measures for i in m.involvements if i.org != report.issuer)
    with_bureau = {
        (p.label_b if p.label_a == report.issuer else p.label_a): p.measures
        for p in analysis.pairs()
        if report.issuer in (p.label_a, p.label_b)
    }
    excluded = {o.canonical for o in report.orgs.values() if o.generic or o.internal}
    assert with_bureau == {org: n for org, n in on_measures.items() if org not in excluded}
    assert all(p.measures <= sum(1 for m in report.measures) for p in analysis.pairs())


def test_the_bureau_is_the_hub(annotated, analysis):
    report = annotated.report
    top = analysis.centrality()[0]
    assert top.label == report.issuer
    assert top.partners == analysis.projection.number_of_nodes() - 1
    assert top.betweenness == max(c.betweenness for c in analysis.centrality()) > 0
    strength = dict(analysis.projection.degree(weight="findings"))
    assert {c.department: c.weighted_degree for c in analysis.centrality()} == strength


def test_communities_partition_the_sharing_departments_and_are_seeded(annotated, analysis):
    members = [n for c in analysis.communities for n in c]
    assert sorted(members) == sorted(c.department for c in analysis.centrality())
    assert len(members) == len(set(members))
    again = analytics.analyse(annotated.store)
    assert again.communities == analysis.communities
    assert [c.community for c in again.centrality()] == [c.community for c in analysis.centrality()]


def test_chain_runs_through_shared_findings(analysis):
    projection = analysis.projection
    a, b = next((a, b) for a, b in itertools.combinations(sorted(projection), 2) if not projection.has_edge(a, b))
    chain = analysis.chain(a, b)
    assert chain[0] == a and chain[-1] == b
    assert len(chain) == 2 * nx.shortest_path_length(projection, a, b) + 1
    kinds = [analysis.bipartite.nodes[n]["type"] for n in chain]
    assert kinds == [analytics.DEPARTMENT, analytics.FINDING] * (len(chain) // 2) + [analytics.DEPARTMENT]
    assert all(analysis.bipartite.has_edge(x, y) for x, y in itertools.pairwise(chain))


def test_departments_are_found_by_label_or_alias(annotated, analysis):
    report = annotated.report
    bureau = analysis.find_department(report.issuer)
    assert analysis.find_department(report.issuer_name) == bureau
    assert report.issuer_name in analysis.bipartite.nodes[bureau]["aliases"]
    with pytest.raises(analytics.AnalyticsError, match="no department"):
        analysis.find_department("有关部门")


def _export(analysis, fmt: str) -> nx.Graph:
    data = analytics.serialise(analytics.export_graph(analysis), fmt)
    return (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(data))


@pytest.mark.parametrize("fmt", analytics.EXPORT_FORMATS)
def test_export_loads_back_with_the_same_nodes_and_weights(analysis, fmt):
    back = _export(analysis, fmt)
    assert set(back) == set(analysis.bipartite)
    shares = {frozenset((a, b)): e["findings"] for a, b, e in analysis.projection.edges(data=True)}
    responsible = {frozenset((a, b)): len(e["measures"]) for a, b, e in analysis.bipartite.edges(data=True)}
    got = Counter()
    for a, b, e in back.edges(data=True):
        got[(e["kind"], frozenset((a, b)))] = float(e["weight"])
    assert got == Counter(
        {("shares", k): float(v) for k, v in shares.items()}
        | {("responsible", k): float(v) for k, v in responsible.items()}
    )
    for node, data in analysis.bipartite.nodes(data=True):
        assert back.nodes[node]["type"] == data["type"]
        assert back.nodes[node]["label_zh"] == data["label_zh"]


def test_sample_export_labels_findings_as_the_findings_query_does(sample_store):
    back = nx.read_graphml(io.BytesIO(analytics.export(sample_store, "graphml")))
    exported = {n: (d["number"], d["label_zh"]) for n, d in back.nodes(data=True) if d["type"] == analytics.FINDING}
    listed = {
        r["finding"].value: (r["number"].value, r["title"].value)
        for r in catalog.get("findings").run(sample_store).rows
    }
    assert exported
    assert exported == {n: listed[n] for n in exported}


def rectkg(store: OxigraphStore, *args: str) -> subprocess.CompletedProcess:
    """The installed command in its own process, as a user runs it; wide, so names never wrap."""
    command = [str(Path(sys.executable).with_name("rectkg")), "--store", str(store.path), *args]
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_analyze_command_prints_the_saved_query_pairs(annotated):
    store = annotated.store
    result = rectkg(store, "analyze", "--top", "1000")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for row in catalog.get("shared-responsibility").run(store).rows:
        a, b, n = row["dept_a"].value, row["dept_b"].value, row["findings"].value
        assert any(a in line and b in line and f"│ {n} " in line for line in lines), (a, b, n)
    assert "Centrality" in result.stdout and "Communities" in result.stdout


def test_analyze_path_by_alias(annotated, analysis):
    store, report = annotated.store, annotated.report
    partner = next(n for n in analysis.projection if n != analysis.find_department(report.issuer))
    label = analysis.label(partner)
    result = rectkg(store, "analyze", "--path", report.issuer_name, label)
    assert result.returncode == 0, result.stderr
    assert f"Chain: {report.issuer_name} → {label}" in result.stdout
    finding = analysis.bipartite.nodes[analysis.chain(analysis.find_department(report.issuer), partner)[1]]
    assert finding["label"] in result.stdout


def test_analyze_unknown_department_is_a_usage_error(annotated):
    result = rectkg(annotated.store, "analyze", "--path", "不存在局", "有关部门")
    assert result.returncode == 2
    assert "不存在局" in result.stderr


@pytest.mark.parametrize("fmt", analytics.EXPORT_FORMATS)
def test_export_command_writes_graph_formats(annotated, analysis, tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    result = rectkg(annotated.store, "export", "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    back = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(out)
    assert set(back) == set(analysis.bipartite)


def test_english_labels_travel_with_the_chinese_ones(store, qingpu):
    """Where the graph has an @en label (a vocabulary or a later translation), exports carry both."""
    graph = Graph() + qingpu.graph
    bureau = URIRef(iris.organisation(qingpu.report.issuer))
    graph.add((bureau, SKOS.prefLabel, Literal("Qingpu District Civil Affairs Bureau", lang="en")))
    store.replace_graph(qingpu.graph_iri, graph)
    for fmt in analytics.EXPORT_FORMATS:
        back = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(analytics.export(store, fmt)))
        node = back.nodes[str(bureau)]
        assert (node["label"], node["label_zh"]) == (qingpu.report.issuer,) * 2
        assert node["label_en"] == "Qingpu District Civil Affairs Bureau"
        assert all("label_en" not in d for n, d in back.nodes(data=True) if n != str(bureau))


def test_the_roles_kept_per_document_give_what_the_involvements_give(store, qingpu, fengjiang):
    """Where every report's roles are kept (graph/roles.py), the graph and the shared network's
    filters are read from them (seconds at a thousand reports, against minutes); they must be
    what the involvements give, which a store written before the roles is read from."""
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    assert roles.complete(store)
    kept = analytics.read_responsibility(store)
    kept_where = network.build(store).where
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.rolesGraph}> ?g ; ?p ?o }} }}")
    assert not roles.complete(store)
    live = analytics.read_responsibility(store)
    assert kept.number_of_edges() > 20
    assert sorted(kept.edges(data=True)) == sorted(live.edges(data=True))
    assert dict(kept.nodes(data=True)) == dict(live.nodes(data=True))
    findings = {n for n, d in live.nodes(data=True) if d["type"] == analytics.FINDING}
    live_where = network._where(store)
    assert kept_where.report == {f: r for f, r in live_where.report.items() if f in findings}
    assert kept_where.place == {f: p for f, p in live_where.place.items() if f in findings} and kept_where.place
    assert kept_where.roles == {k: v for k, v in live_where.roles.items() if k[1] in findings}
    described = analytics.describe(store, sorted(findings))
    assert described == {f: {k: v for k, v in live.nodes[f].items() if k != "type"} for f in findings}
