"""The ingest's writer takes readings a batch at a time: every file still gets its own fate, in order."""

from __future__ import annotations

from pathlib import Path

from graph.store import OxigraphStore, ntriples_bytes
from loaders.pipeline import load_bytes
from rectkg.batches import Batches
from rectkg.reading import Reading


def _readings(n: int) -> list[Reading]:
    from bench.corpus import Generator  # several distinct reports, as a folder holds

    out = []
    for doc in Generator(5).corpus(n):
        loaded = load_bytes(doc.text.encode("utf-8"), doc.name)
        data = ntriples_bytes(loaded.triples)
        loaded.triples = []
        out.append(Reading(Path(f"{doc.name}.txt"), loaded, data))
    return out


def _write(store: OxigraphStore, readings: list[Reading], size: int) -> list[tuple[str, str | None]]:
    fates: list[tuple[str, str | None]] = []
    batches = Batches(store, lambda reading, error: fates.append((str(reading.path), error)), size)
    for reading in readings:
        batches.add(reading)
    batches.flush()
    return fates


def test_a_file_the_store_refuses_fails_alone_and_in_its_place(store):
    readings = _readings(4)
    bad = readings[2]
    bad.ntriples += b'<https://w3id.org/rectkg/id/x> <http://x/p> "unterminated .\n'
    fates = _write(store, readings, size=4)
    assert [path for path, _ in fates] == [str(r.path) for r in readings]
    assert [error is None for _, error in fates] == [True, True, False, True]
    assert bad.loaded.graph_iri in fates[2][1] and "store unchanged" in fates[2][1]
    assert store.graphs() == sorted(r.loaded.graph_iri for r in readings if r is not bad)


def test_the_same_report_twice_in_one_batch_ends_as_its_last_reading(store):
    first, other = _readings(2)
    lines = first.ntriples.splitlines(keepends=True)
    again = Reading(Path("again.txt"), first.loaded, b"".join(lines[:-10]))  # another reading of that report
    fates = _write(store, [first, other, again], size=8)
    assert fates == [(str(first.path), None), (str(other.path), None), ("again.txt", None)]
    assert store.triple_count() == len(lines) - 10 + len(other.ntriples.splitlines())
