"""The embedded on-disk store: ingest, idempotent re-ingest, atomic failure, removal."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from graph.store import OxigraphStore, StoreError
from queries import catalog


def test_findings_query_lists_63_findings_and_186_measures(store, qingpu):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    rows = catalog.get("findings").run(store).rows
    assert len(rows) == 63
    assert sum(int(r["measures"].value) for r in rows) == 186
    assert [r["number"].value for r in rows] == [str(n) for n in range(1, 64)]


def test_reingest_is_idempotent(store, qingpu):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    first = store.triple_count()
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert store.triple_count() == first == len(qingpu.graph)


def test_failed_write_leaves_store_unchanged(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    before = store.export("nquads")
    broken = fengjiang.graph
    # A literal the N-Triples writer emits but no SPARQL parser accepts: the write must fail whole.
    bad = (
        URIRef("https://w3id.org/rectkg/id/x"),
        URIRef("https://w3id.org/rectkg/ns#p"),
        Literal("x", datatype=URIRef("not an iri")),
    )
    broken.add(bad)
    try:
        with pytest.raises(StoreError):
            store.replace_graph(qingpu.graph_iri, broken)
    finally:
        broken.remove(bad)
    assert store.export("nquads") == before


def test_store_survives_reopen(tmp_path, qingpu):
    s = OxigraphStore(tmp_path / "s")
    s.replace_graph(qingpu.graph_iri, qingpu.graph)
    s.close()
    del s
    again = OxigraphStore(tmp_path / "s")
    assert again.graphs() == [qingpu.graph_iri]


def test_remove_drops_the_document(store, qingpu):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert store.remove_graph(qingpu.graph_iri)
    assert store.triple_count() == 0
    assert not store.remove_graph(qingpu.graph_iri)
