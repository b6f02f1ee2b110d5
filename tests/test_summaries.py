"""The dashboard's rows are kept per document (graph/summaries.py), written with the document in
the same request. Kept that way, they must equal what the queries over the whole store give, after
adds, replacements and removals, and after a rebuild; a store without them is still listed. The
dashboard's most shared pairs are the first rows of the saved query, without running it whole."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph import aggregates, summaries
from graph.store import OxigraphStore
from ontology import iris
from ontology.iris import RK
from queries import catalog
from webapp import dashboard


def live(store: OxigraphStore) -> list[dict]:
    """The rows worked out from the documents, as the dashboard did on every first visit."""
    return summaries.ordered(row for rows in summaries.by_graph(store).values() for row in rows)


def retitled(loaded, title: str) -> Graph:
    """The report under another title, with one finding fewer: its row and its counts change."""
    report, dropped = URIRef(str(loaded.report_iri)), min(loaded.graph.subjects(RDF.type, RK.Finding))
    copy = Graph()
    for s, p, o in loaded.graph:
        if s != dropped:
            copy.add((s, p, Literal(title, lang="zh") if (s, p) == (report, DCTERMS.title) else o))
    return copy


def test_the_rows_each_write_keeps_are_the_rows_of_the_whole_store(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)  # new: bulk load
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    rows = summaries.stored(store)
    assert rows == live(store) and len(rows) == 2
    assert {r["findings"] for r in rows} == {str(len(qingpu.report.findings)), str(len(fengjiang.report.findings))}
    assert any(r["claims"] for r in rows)
    store.replace_graph(qingpu.graph_iri, retitled(qingpu, "另一个标题"))  # replaced: one transaction
    assert summaries.stored(store) == live(store)
    fewer = str(len(qingpu.report.findings) - 1)
    assert any(r["title"] == "另一个标题" and r["findings"] == fewer for r in live(store))
    store.update(aggregates.rebuild(store))
    assert summaries.stored(store) == live(store)
    pairs = [(r["dept_a"].value, r["dept_b"].value, r["findings"].value) for r in dashboard._top_pairs(store)]
    saved = catalog.get("shared-responsibility").run(store).rows[: dashboard.TOP_PAIRS]
    assert pairs and pairs == [(r["dept_a"].value, r["dept_b"].value, r["findings"].value) for r in saved]
    store.remove_graph(fengjiang.graph_iri)
    assert summaries.stored(store) == live(store) and len(live(store)) == 1


def test_a_store_written_before_summaries_is_worked_out_from_its_documents(store, qingpu):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n a <{RK.ReportSummary}> ; ?p ?o }} }}")
    assert summaries.stored(store) is None
