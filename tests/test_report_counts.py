"""compare-reports and documents-across-reports read what every write keeps in the aggregate graph
(graph/report_counts.py, graph/citations.py) instead of counting the corpus; kept that way, their
answers must equal the same questions asked of the documents (queries/live/) after adds,
replacements and removals, after a rebuild, and on every page of the answer."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph import aggregates, cited_titles, report_counts
from graph.store import OxigraphStore
from ontology import iris
from ontology.iris import RK
from queries import catalog

LIVE = Path(__file__).resolve().parents[1] / "queries" / "live"
KEPT = ("compare-reports", "documents-across-reports")


def answers(store: OxigraphStore, name: str, **params: str) -> tuple[list[tuple], list[tuple]]:
    """The saved query's rows and the live query's, as comparable tuples, in the order they came."""
    live = catalog.parse(f"{name}-live", (LIVE / f"{name}.rq").read_text(encoding="utf-8"))
    return [_cells(r) for r in catalog.get(name).run(store, params).rows], [
        _cells(r) for r in live.run(store, params).rows
    ]


def _cells(row: dict) -> tuple:
    """A row's cells; the citing reports' titles as a set (SPARQL's GROUP_CONCAT has no order, and
    the two queries gather them in different ones)."""
    return tuple(
        sorted(
            (
                name,
                " | ".join(sorted(term.value.split(" | "))) if name == "report_titles" else term.value,
                term.datatype or "",
                term.lang or "",
            )
            for name, term in row.items()
        )
    )


def assert_equal_to_live(store: OxigraphStore) -> None:
    for name in KEPT:
        for params in ({}, {"min_reports": "1"}) if name == "documents-across-reports" else ({},):
            kept, live = answers(store, name, **params)
            assert kept == live, (name, params)


def without_a_cited_measure(loaded) -> Graph:
    """The report with one measure that cites a named document taken out (and its citations):
    its counts change, and so may the findings citing that document."""
    cited = min(loaded.graph.objects(None, RK.measure))
    copy = Graph()
    for s, p, o in loaded.graph:
        if cited not in (s, o) and (s, RK.measure, cited) not in loaded.graph:
            copy.add((s, p, o))
    return copy


def test_the_kept_answers_are_the_live_answers_through_writes(store, qingpu, fengjiang, twin):
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    assert_equal_to_live(store)
    kept, _live = answers(store, "compare-reports")
    assert len(kept) == 3
    shared, _live = answers(store, "documents-across-reports")
    assert shared, "the twin cites what Fengjiang cites: some document is cited by two reports"
    store.replace_graph(fengjiang.graph_iri, without_a_cited_measure(fengjiang))
    assert_equal_to_live(store)
    assert answers(store, "compare-reports")[0] != kept  # a measure fewer is counted
    store.remove_graph(twin.graph_iri)
    assert_equal_to_live(store)
    assert len(answers(store, "compare-reports")[0]) == 2
    store.update(aggregates.rebuild(store))
    assert_equal_to_live(store)


def test_each_report_in_a_graph_is_counted_on_its_own(store, qingpu, fengjiang):
    """Two reports in one graph (an RDF file a user loads): a node each, neither report's counts
    mixed with the other's."""
    both = Graph()
    for loaded in (qingpu, fengjiang):
        both += loaded.graph
    store.replace_graph("https://example.org/both", both)
    assert_equal_to_live(store)
    nodes = store.select(f"SELECT ?n WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n a <{RK.ReportCounts}> }} }}").rows
    assert len(nodes) == len(set(both.subjects(RDF.type, RK.Report))) == 2
    assert URIRef(str(qingpu.report_iri)) in set(both.subjects(RDF.type, RK.Report))


def test_a_store_written_before_the_counts_were_kept_answers_from_its_documents(tmp_path, qingpu, fengjiang, twin):
    """An older rectkg's store (no rk:ReportCounts, no citing reports or cited titles stated, here not even the
    pair nodes), opened afresh, gets the live answers, not short ones, until `rectkg rebuild`."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    full = {name: answers(store, name)[0] for name in (*KEPT, "shared-responsibility")}
    for kind in (RK.ReportCounts, RK.DepartmentPair):
        store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n a <{kind}> ; ?p ?o }} }}")
    for stated in (RK.citingReport, RK.citingFinding, RK.citingReportTitle, RK.citedTitle, RK.citedDocumentType):
        store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{stated}> ?r }} }}")
    store.close()
    older = OxigraphStore(path)
    try:
        assert_equal_to_live(older)
        for name, answer in full.items():
            assert answer and answers(older, name)[0] == answer, name
        older.update(aggregates.rebuild(older))
        assert {name: answers(older, name)[0] for name in full} == full
        assert report_counts.complete(older)
    finally:
        older.close()


def test_an_untitled_report_beside_a_titled_one_is_not_counted_under_its_title(store, qingpu, fengjiang, twin):
    """Two reports in one graph citing the same documents, one without a title: the documents'
    query counts only titled reports (their titles are its column), so the untitled one's report
    and findings must not count under the other's title, which a node stating its reports, titles
    and findings apart would do were the untitled report stated at all."""
    untitled = URIRef(str(twin.report_iri))
    both = Graph()
    for triple in (*fengjiang.graph, *twin.graph):
        if triple[:2] != (untitled, DCTERMS.title):
            both.add(triple)
    assert (untitled, RDF.type, RK.Report) in both and (untitled, DCTERMS.title, None) not in both
    store.replace_graph("https://example.org/both", both)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert_equal_to_live(store)
    assert answers(store, "documents-across-reports", min_reports="1")[0]


def test_a_report_stated_in_two_graphs_counts_once_until_both_are_gone(store, qingpu, fengjiang):
    """The cited titles' totals (graph/cited_titles.py) count each citing report, finding and title
    once however many graphs state it, as the grouping they replace does: taking one copy out
    must leave the other counted."""
    copy = "https://example.org/qingpu-again"
    for graph_iri, graph in (
        (qingpu.graph_iri, qingpu.graph),
        (copy, qingpu.graph),
        (fengjiang.graph_iri, fengjiang.graph),
    ):
        store.replace_graph(graph_iri, graph)
    assert kept_whole(store), "written by this release: the kept texts are the ones asked"
    assert_equal_to_live(store)
    counted = answers(store, "documents-across-reports", min_reports="1")[0]
    store.remove_graph(copy)
    assert_equal_to_live(store)
    assert answers(store, "documents-across-reports", min_reports="1")[0] == counted
    store.remove_graph(qingpu.graph_iri)
    assert_equal_to_live(store)
    assert answers(store, "documents-across-reports", min_reports="1")[0] != counted


def kept_whole(store: OxigraphStore) -> bool:
    """Whether both saved queries read what is kept (not the documents)."""
    return cited_titles.whole(store) and report_counts.fielded(store)


def as_kept_before(store: OxigraphStore) -> None:
    """Make the store's aggregate what the previous release kept: every citation and counts node,
    no cited title's total, no report's fields beside its counts, no format stated."""
    aggregate = f"GRAPH <{iris.AGGREGATES}>"
    store.update(f"DELETE WHERE {{ {aggregate} {{ ?n a <{RK.CitedTitleTotal}> ; ?p ?o }} }}")
    newer = (RK.keptFormat, RK.titleTally, RK.countsTitle, RK.countsPlace, RK.countsPublished, RK.findingsClaimed)
    for stated in newer:
        store.update(f"DELETE WHERE {{ {aggregate} {{ ?n <{stated}> ?o }} }}")


def test_a_store_kept_by_the_release_before_asks_the_documents_until_each_report_is_kept_again(
    store, qingpu, fengjiang, twin
):
    """Both saved queries ask the documents (full answers, not short ones) while any report is
    kept as the previous release kept it; ingesting each report again, in any order, or a
    rebuild, brings the kept answers, and they are the live ones (an old document's share was
    never in the totals, so a replacement takes nothing of it out)."""
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    full = {name: answers(store, name)[0] for name in KEPT}
    as_kept_before(store)
    store.replace_graph(twin.graph_iri, twin.graph)
    assert not kept_whole(store)
    assert_equal_to_live(store)
    assert all(answers(store, name)[0] for name in KEPT)
    store.remove_graph(twin.graph_iri)
    store.remove_graph(fengjiang.graph_iri)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert kept_whole(store)
    assert_equal_to_live(store)
    assert {name: answers(store, name)[0] for name in KEPT} == full
    as_kept_before(store)
    store.update(aggregates.rebuild(store))
    assert kept_whole(store)
    assert {name: answers(store, name)[0] for name in KEPT} == full


def test_the_only_report_kept_before_and_written_again_is_counted_once(store, qingpu):
    for _ in range(2):
        store.replace_graph(qingpu.graph_iri, qingpu.graph)
        as_kept_before(store)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert kept_whole(store)
    assert_equal_to_live(store)
    assert answers(store, "documents-across-reports", min_reports="1")[0]


def test_claims_and_places_as_blank_nodes_are_kept_too(store, fengjiang, qingpu):
    """RDF a user ingests may write a report's claims and place as blank nodes: what the report
    comparison shows of them is kept as the live query reads it."""
    blank = {
        node: BNode()
        for node in {*fengjiang.graph.objects(None, RK.claim), *fengjiang.graph.objects(None, RK.jurisdiction)}
    }
    assert blank
    graph = Graph()
    for s, p, o in fengjiang.graph:
        graph.add((blank.get(s, s), p, blank.get(o, o)))
    store.replace_graph(fengjiang.graph_iri, graph)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    kept, live = answers(store, "compare-reports")
    assert kept == live
    shown = {name for row in kept for name, value, _datatype, _lang in row if value}
    assert {"place", "findings_claimed"} <= shown


def test_a_documents_type_is_kept_as_stated(store, qingpu, twin):
    """RDF a user ingests may tag a document's type with a language: the kept totals show it as
    the documents state it, not as a plain string. (A document typed differently by two graphs
    is grouped per graph, as the kept citations were before: the loader always writes it alike.)"""
    tagged = Graph()
    for s, p, o in twin.graph:
        tagged.add((s, p, Literal(str(o), lang="zh") if p == RK.documentType else o))
    assert any(o.language == "zh" for o in tagged.objects(None, RK.documentType))
    store.replace_graph(twin.graph_iri, tagged)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert_equal_to_live(store)
    kept = answers(store, "documents-across-reports", min_reports="1")[0]
    assert any(lang == "zh" for row in kept for name, _value, _datatype, lang in row if name == "type")


def test_a_replacement_takes_out_the_share_it_added_not_what_it_reads_back(store, qingpu, fengjiang, twin):
    """A server may spell a kept value otherwise than it was written (Oxigraph lowercases language
    tags, renames blank nodes): a replacement takes out the tally its document's marker states,
    the share it added, so the totals come out right whatever the citation nodes read back say."""
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    aggregate = f"GRAPH <{iris.AGGREGATES}>"
    respelled = "CONCAT(?title, ' (as read back)')"
    store.update(
        f"DELETE {{ {aggregate} {{ ?n <{RK.citingReportTitle}> ?title }} }}"
        f" INSERT {{ {aggregate} {{ ?n <{RK.citingReportTitle}> ?other }} }}"
        f" WHERE {{ {aggregate} {{ ?n <{RK.citingReportTitle}> ?title BIND({respelled} AS ?other) }} }}"
    )
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    store.remove_graph(twin.graph_iri)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert_equal_to_live(store)
