"""The embedded on-disk store: ingest, idempotent re-ingest, atomic failure, removal."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph.embedded import _marks
from graph.store import OxigraphStore, StoreError, ntriples_bytes
from graph.terms import rdflib_to_ox
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


@pytest.mark.parametrize("target", ["replaced", "new"])  # a transaction; the bulk loader and its marker
def test_failed_write_leaves_store_unchanged(store, qingpu, fengjiang, target):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    before = everything(store)
    graph_iri = qingpu.graph_iri if target == "replaced" else fengjiang.graph_iri
    # Thousands of good lines, then one no parser accepts: nothing of them may stay.
    broken = ntriples_bytes(fengjiang.graph) + b'<https://w3id.org/rectkg/id/x> <http://x/p> "unterminated .\n'
    with pytest.raises(StoreError, match="store unchanged"):
        store.replace_graph_ntriples(graph_iri, broken)
    assert everything(store) == before


def everything(store: OxigraphStore) -> set[ox.Quad]:
    """Every quad, the aggregate graph's (pairs, version stamp, write markers) included."""
    return set(store._store)


def test_a_write_cut_short_is_undone_by_the_next_writer(tmp_path, qingpu, fengjiang):
    """The state a killed `rectkg ingest` leaves inside a new document's bulk load (marker written,
    document loaded, aggregate not yet): reopening for writing restores the store as it was."""
    s = OxigraphStore(tmp_path / "s")
    s.replace_graph(qingpu.graph_iri, qingpu.graph)
    before = everything(s)
    node = ox.NamedNode(fengjiang.graph_iri)
    s._store.update(_marks("INSERT", [node]))
    s._store.bulk_load(ntriples_bytes(fengjiang.graph), format=ox.RdfFormat.N_TRIPLES, to_graph=node)
    s.close()
    reader = OxigraphStore(tmp_path / "s", read_only=True)
    assert fengjiang.graph_iri not in reader.graphs()  # not listed, though readers alone change nothing
    assert len(set(reader._store)) > len(before)
    reader.close()
    again = OxigraphStore(tmp_path / "s")
    assert everything(again) == before
    again.replace_graph(fengjiang.graph_iri, fengjiang.graph)  # and the write can be made again
    assert again.graphs() == sorted([qingpu.graph_iri, fengjiang.graph_iri])


def test_files_a_killed_bulk_load_left_are_removed_by_the_next_writer(tmp_path, qingpu, caplog):
    """A kill while pyoxigraph's bulk loader writes its files leaves them in the store's folder
    (named as below, megabytes each), where RocksDB never looks: the next writer deletes them, and
    nothing else (a reader changes nothing)."""
    s = OxigraphStore(tmp_path / "s")
    s.replace_graph(qingpu.graph_iri, qingpu.graph)
    s.close()
    leftover = tmp_path / "s" / "bulk-263164039834939433545767673215008784861.sst"
    leftover.write_bytes(b"\0" * 4096)
    unrelated = tmp_path / "s" / "bulk-notes.sst"  # not a name the bulk loader gives
    unrelated.write_bytes(b"")
    OxigraphStore(tmp_path / "s", read_only=True).close()
    assert leftover.exists()
    again = OxigraphStore(tmp_path / "s")
    assert not leftover.exists() and "interrupted bulk load" in caplog.text
    assert unrelated.exists() and again.graphs() == [qingpu.graph_iri]


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


def test_ntriples_bytes_writes_what_oxigraphs_serialiser_writes():
    """ntriples_bytes joins the lines itself: every escape must still be the serialiser's."""
    hostile = ['a"b', "back\\slash", "nl\nx\rtab\t", "\x00\x01\x08\x0b\x0c\x1f\x7f", "\u2028\ufeff", "中文。😀", ""]
    s, p = URIRef("https://w3id.org/rectkg/id/org/%E4%B8%AD()（）·-_.~"), URIRef("http://x/p")
    triples = [
        (s, p, Literal(text, **how)) for text in hostile for how in ({}, {"lang": "zh"}, {"datatype": XSD.string})
    ]
    triples += [
        (s, p, Literal(True)),
        (BNode("b1"), p, BNode("b2")),
        (URIRef("http://x/é"), p, URIRef("http://x/q?a#f")),
    ]
    written = ox.serialize([ox.Triple(*map(rdflib_to_ox, t)) for t in triples], format=ox.RdfFormat.N_TRIPLES)
    assert ntriples_bytes(triples) == written
    assert ntriples_bytes([]) == b""


def test_a_replacement_ends_a_marker_a_failed_undo_left(tmp_path, qingpu):
    """If undoing a failed bulk load fails too, the document stays marked; writing it again (as
    `rectkg ingest` does, file by file) must not leave the marker for the next open to act on."""
    s = OxigraphStore(tmp_path / "s")
    node = ox.NamedNode(qingpu.graph_iri)
    s._store.update(_marks("INSERT", [node]))
    s._store.bulk_load(
        ntriples_bytes(qingpu.graph)[:100_000].rsplit(b"\n", 1)[0], format=ox.RdfFormat.N_TRIPLES, to_graph=node
    )
    s.replace_graph(qingpu.graph_iri, qingpu.graph)
    s.close()
    again = OxigraphStore(tmp_path / "s")
    assert again.graphs() == [qingpu.graph_iri] and again.triple_count() == len(qingpu.graph)
