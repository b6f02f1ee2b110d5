"""Each named document's citations are kept per document graph (graph/citations.py), written with the
document in the same request. Kept that way, the explorer's summary and edges of a document must
be what it reads live over the whole store, after adds, replacements and removals and after a
rebuild; a store without them is told apart, so that the explorer reads the citations live."""

from __future__ import annotations

from collections import Counter

import pytest

from graph import aggregates, citations
from graph.results import strings
from graph.store import OxigraphStore, ntriples_bytes
from loaders.pipeline import load_bytes
from ontology import iris
from ontology.iris import RK
from webapp import around, create_app, db

CITED = "SELECT ?d ?c ?g WHERE { GRAPH ?g { ?c rk:document ?d } }"


@pytest.fixture(scope="module")
def reports(qingpu) -> list[tuple[str, bytes]]:
    """Reports of other places citing the same documents, as across the bench corpus, and a sample
    whose report cites documents itself (a citation with a report and no measure)."""
    from bench.corpus import Generator

    loaded = [load_bytes(doc.text.encode("utf-8"), doc.name) for doc in Generator(7).corpus(4)] + [qingpu]
    return [(x.graph_iri, ntriples_bytes(x.triples)) for x in loaded]


def cited(store: OxigraphStore) -> Counter[str]:
    """Every named document with its number of citations, read live."""
    return Counter(row["d"] for row in strings(store.select(iris.sparql_prefixes() + CITED)))


def graphs_citing(store: OxigraphStore, document: str) -> set[str]:
    return {row["g"] for row in strings(store.select(iris.sparql_prefixes() + CITED)) if row["d"] == document}


def assert_kept_equal_live(store: OxigraphStore) -> int:
    """The explorer's summary and edges of every cited document, from the kept citations and live."""
    documents = cited(store)
    for document in documents:
        kept = around.kept_edges(store, document, "document")
        assert around.summary_of(store, document, "document", kept) == around.summary_of(
            store, document, "document", None
        ), document
        from_kept = around.hub_links_of(store, document, "document", kept)
        live = around.hub_links_of(store, document, "document", None)
        assert len(from_kept) == len(set(from_kept))
        assert sorted(from_kept, key=repr) == sorted(live, key=repr), document
    return len(documents)


def test_the_citations_each_write_keeps_give_the_explorers_live_answers(store, reports):
    for graph_iri, data in reports:
        store.replace_graph_ntriples(graph_iri, data)
    assert citations.complete(store)
    top, count = cited(store).most_common(1)[0]
    assert count > 3 and len(graphs_citing(store, top)) > 1, "no document cited across reports: nothing merged"
    summary = around.summary_of(store, top, "document", around.kept_edges(store, top, "document"))
    assert summary.counts["measure"] > 1 and summary.categories
    assert any(c.report for c in citations.of(store, qingpu_graph_cites(store, reports)))  # a report's own citation
    assert assert_kept_equal_live(store) > 10

    first = min(graphs_citing(store, top))
    store.replace_graph_ntriples(first, drop_one_citation_of(top, dict(reports)[first]))
    assert assert_kept_equal_live(store)
    assert cited(store)[top] == count - 1 == len({c.citation for c in citations.of(store, top)})

    store.update(aggregates.rebuild(store))
    assert citations.complete(store) and assert_kept_equal_live(store)

    store.remove_graph(first)
    assert assert_kept_equal_live(store) and citations.complete(store)
    left = f"ASK {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.citationsGraph}> <{first}> }} }}"
    assert not store.select(left).boolean


def test_the_kept_answers_come_from_the_kept_literals(store, reports):
    """Not read live under another name: with the citation nodes gone, the kept edges are none."""
    for graph_iri, data in reports[:2]:
        store.replace_graph_ntriples(graph_iri, data)
    top = cited(store).most_common(1)[0][0]
    assert around.kept_edges(store, top, "document").links
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.citationsDocument}> ?d ; ?p ?o }} }}")
    kept = around.kept_edges(store, top, "document")
    assert not kept.links and not kept.categories
    assert around.summary_of(store, top, "document", kept) != around.summary_of(store, top, "document", None)


def test_a_store_written_before_citations_were_kept_is_told_apart(store, reports):
    store.replace_graph_ntriples(*reports[0])
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.citationsGraph}> ?g ; ?p ?o }} }}")
    assert not citations.complete(store)
    store.replace_graph_ntriples(*reports[1])  # one report written since: still incomplete
    assert not citations.complete(store)
    store.update(aggregates.rebuild(store))
    assert citations.complete(store) and assert_kept_equal_live(store)


def test_the_explorer_reads_the_kept_citations_when_every_report_has_them(tmp_path, reports):
    """Through the app: the node a page draws for the most cited document, from the kept citations
    while every report has them and live once they are gone, is the same."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    for graph_iri, data in reports:
        store.replace_graph_ntriples(graph_iri, data)
    top = cited(store).most_common(1)[0][0]
    store.close()
    kept, kept_read = drawn(path, top)
    assert kept_read is not None and kept_read.links

    store = OxigraphStore(path)
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.citationsGraph}> ?g ; ?p ?o }} }}")
    store.close()
    live, live_read = drawn(path, top)
    assert live_read is None
    assert kept == live and kept["nodes"][0]["counts"]


def drawn(path, document: str) -> tuple[dict, around.Kept | None]:
    """The explorer's node for the document, and what it read from the kept citations (None: live)."""
    app = create_app({"TESTING": True, "STORE": str(path)})
    try:
        answer = app.test_client().get("/graph/api/node", query_string={"iri": document}).get_json()
        with app.app_context():
            return answer, db.run(lambda store: around._kept(store, document, "document"))
    finally:
        db.close(app)


def qingpu_graph_cites(store: OxigraphStore, reports: list[tuple[str, bytes]]) -> str:
    """A document the sample report cites from the report itself (no measure)."""
    query = f"SELECT ?d WHERE {{ GRAPH <{reports[-1][0]}> {{ ?c rk:document ?d ; rk:report ?r }} }}"
    return min(row["d"] for row in strings(store.select(iris.sparql_prefixes() + query)))


def drop_one_citation_of(document: str, data: bytes) -> bytes:
    """The report's N-Triples without the lines of one citation of `document`."""
    lines = data.split(b"\n")
    citation = min(line.split(b" ", 1)[0] for line in lines if f"> <{RK.document}> <{document}> ".encode() in line)
    kept = [line for line in lines if not line.startswith(citation + b" ") and b" " + citation + b" " not in line]
    return b"\n".join(kept)
