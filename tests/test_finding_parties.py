"""department-profile reads each finding's parties and cited documents from what every write keeps
in the aggregate graph (graph/finding_parties.py); kept that way, its answer for every name a
report gives a department must equal the same question asked of the documents
(queries/live/department-profile.rq) after adds, replacements and removals, after a rebuild, and on
a store an older rectkg kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.namespace import RDF

from graph import aggregates, finding_parties, kept_format, report_counts
from graph.store import OxigraphStore
from ontology import iris
from ontology.iris import OA, RK
from queries import catalog
from tests.test_report_counts import without_a_cited_measure

LIVE = Path(__file__).resolve().parents[1] / "queries" / "live" / "department-profile.rq"
SAVED = catalog.get("department-profile")
# Each text on its own, whatever the store holds (catalog's choice between them is tested apart).
KEPT_TEXT = dataclasses.replace(SAVED, live="")
LIVE_TEXT = dataclasses.replace(SAVED, text=catalog.parse("live", LIVE.read_text(encoding="utf-8")).text, live="")
# One name per body (its aliases find the same rows: tests/test_queries.py).
NAMES = f"SELECT (MIN(?name) AS ?n) WHERE {{ ?o <{RK.name}> ?name }} GROUP BY ?o ORDER BY ?n"


def profiles(store: OxigraphStore, query: catalog.SavedQuery) -> dict[str, list[tuple]]:
    """Every department name → the query's rows for it, as comparable tuples in the order they came."""
    out = {}
    for name in (row["n"].value for row in store.select(NAMES).rows):
        rows = query._select(store, query.bindings({"department": name})).rows
        out[name] = [tuple((k, v.value, v.datatype or "", v.lang or "") for k, v in sorted(r.items())) for r in rows]
    return out


def assert_kept_is_live(store: OxigraphStore) -> dict[str, list[tuple]]:
    kept = profiles(store, KEPT_TEXT)
    assert kept == profiles(store, LIVE_TEXT)
    return kept


def cells(answer: dict[str, list[tuple]], column: str) -> list[str]:
    return [value for rows in answer.values() for row in rows for name, value, _dt, _lang in row if name == column]


def test_the_kept_profiles_are_the_live_ones_through_writes(store, qingpu, fengjiang, twin):
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    first = assert_kept_is_live(store)
    assert len(first) > 20 and any(cells(first, "partners")) and any(cells(first, "documents"))
    store.replace_graph(fengjiang.graph_iri, without_a_cited_measure(fengjiang))
    assert assert_kept_is_live(store) != first  # a cited measure fewer: a document or a partner goes
    store.remove_graph(twin.graph_iri)
    assert not any("松溪" in name for name in assert_kept_is_live(store))
    store.update(aggregates.rebuild(store))
    assert_kept_is_live(store)


def test_partners_come_in_the_order_of_their_labels(sample_store):
    """Sorted in both texts: a GROUP_CONCAT alone gives each text's own engine order."""
    partners = [value.split("、") for value in cells(profiles(sample_store, SAVED), "partners") if value]
    assert any(len(names) > 2 for names in partners)
    assert all(names == sorted(set(names)) for names in partners)


def test_a_report_in_two_graphs_is_one_row_per_finding(store, qingpu, fengjiang):
    """The same report written into a second graph: each finding's parties are kept per graph, and
    the profile gathers them as the live text does, without repeating a partner or a document."""
    copy = "https://example.org/copy"
    for graph_iri, graph in ((qingpu.graph_iri, qingpu.graph), (copy, qingpu.graph)):
        store.replace_graph(graph_iri, graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    both = assert_kept_is_live(store)
    store.remove_graph(copy)
    assert assert_kept_is_live(store) == both


def test_a_finding_in_two_graphs_citing_otherwise_lists_its_documents_as_live(store, qingpu):
    """A copy of a report loaded into a second graph without the first citation of a finding that
    cites several documents: the kept citations of both graphs are ordered together by where each
    document is first cited, as the live text orders every citation, each title once."""
    graph = qingpu.graph
    firsts = {}
    for citation in graph.subjects(RDF.type, RK.Citation):
        finding = graph.value(graph.value(citation, RK.measure), RK.finding)
        start = int(graph.value(graph.value(citation, RK.evidence), OA.start))
        firsts.setdefault(finding, []).append((start, str(graph.value(citation, RK.document)), citation))
    several = sorted(sorted(cited) for cited in firsts.values() if len({doc for _s, doc, _c in cited}) > 2)
    dropped = several[0][0][2]
    copy = Graph()
    for s, p, o in graph:
        if dropped not in (s, o):
            copy.add((s, p, o))
    store.replace_graph(qingpu.graph_iri, graph)
    store.replace_graph("https://example.org/copy", copy)
    assert finding_parties.whole(store)
    answer = assert_kept_is_live(store)
    assert any(len(documents.split(" ")) > 2 for documents in cells(answer, "documents"))


def with_blank_findings(graph: Graph) -> Graph:
    """A copy of `graph` with every finding a blank node, as RDF a user loads may write them."""
    blank = {f: BNode() for f in graph.subjects(RDF.type, RK.Finding)}
    copy = Graph()
    for s, p, o in graph:
        copy.add((blank.get(s, s), p, blank.get(o, o)))
    return copy


def test_findings_without_a_typed_report_are_asked_of_the_documents(store, qingpu, fengjiang):
    """RDF a user loads may hold findings whose report is not typed rk:Report: no counts node says
    how that graph was kept (here its findings are blank nodes too, so none is kept), and the
    profile asks the documents."""
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    untyped = with_blank_findings(fengjiang.graph)
    untyped.remove((None, RDF.type, RK.Report))
    store.replace_graph(fengjiang.graph_iri, untyped)
    assert not finding_parties.whole(store)
    answer = profiles(store, SAVED)
    assert answer == profiles(store, LIVE_TEXT) != profiles(store, KEPT_TEXT)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert finding_parties.whole(store)


def kept_by_the_release_before(store: OxigraphStore) -> None:
    """What the previous release kept: every counts node in format 1, no finding's parties."""
    aggregate = f"GRAPH <{iris.AGGREGATES}>"
    store.update(f"DELETE WHERE {{ {aggregate} {{ ?n a <{RK.FindingParties}> ; ?p ?o }} }}")
    store.update(f"DELETE WHERE {{ {aggregate} {{ ?n <{RK.keptFormat}> ?o }} }}")
    counts = f"{aggregate} {{ ?n a <{RK.ReportCounts}> }}"
    store.update(f"INSERT {{ {aggregate} {{ ?n <{RK.keptFormat}> 1 }} }} WHERE {{ {counts} }}")


def test_a_store_kept_by_the_release_before_asks_the_documents_until_each_report_is_kept_again(
    tmp_path, qingpu, fengjiang
):
    """Opened by this release, a store the release before kept gets the live answers, not short
    ones, until every report is written again (in any order) or rebuilt."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    full = profiles(store, SAVED)
    kept_by_the_release_before(store)
    store.close()
    store = OxigraphStore(path)
    try:
        assert report_counts.fielded(store) and not finding_parties.whole(store)
        assert profiles(store, SAVED) == full  # from the documents: nothing kept, nothing short
        assert profiles(store, KEPT_TEXT) != full  # what the kept text alone would say there
        store.replace_graph(qingpu.graph_iri, qingpu.graph)
        assert not finding_parties.whole(store)
        assert profiles(store, SAVED) == full
        store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
        assert finding_parties.whole(store)
        assert profiles(store, SAVED) == full
        kept_by_the_release_before(store)
        store.update(aggregates.rebuild(store))
        assert finding_parties.whole(store) and profiles(store, KEPT_TEXT) == full
    finally:
        store.close()


def test_each_finding_with_parties_or_documents_has_one_node(store, fengjiang):
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    nodes = store.select(f"SELECT ?f WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.partiesFinding}> ?f }} }}").rows
    found = [row["f"].value for row in nodes]
    findings = {str(f) for f in fengjiang.graph.subjects(RDF.type, RK.Finding)}
    assert len(found) == len(set(found)) and set(found) <= findings
    assert len(found) > 10
    stamps = store.select(f"SELECT ?v WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.keptFormat}> ?v }} }}").rows
    assert {row["v"].value for row in stamps} == {str(kept_format.FORMAT)}


def test_a_report_with_blank_node_findings_is_asked_of_the_documents(store, fengjiang, qingpu):
    """RDF a user ingests may write findings as blank nodes, which the aggregate graph cannot name
    again: their parties are not kept, the report is kept in the format before, and the profile
    asks the documents (the same full answer) until that report is gone or written otherwise."""
    graph = with_blank_findings(fengjiang.graph)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, graph)
    assert not finding_parties.whole(store)
    answer = profiles(store, SAVED)
    assert answer == profiles(store, LIVE_TEXT) != profiles(store, KEPT_TEXT)
    assert any(name.startswith("枫江县") and any(cells({name: rows}, "partners")) for name, rows in answer.items())
    store.update(aggregates.rebuild(store))
    assert not finding_parties.whole(store)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert finding_parties.whole(store)
