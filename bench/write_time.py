"""Wall time the single writer spends per report: what bounds ingest throughput here.

Reads `-n` bench reports first (not timed), then writes each into a fresh on-disk store with
`OxigraphStore.replace_graph_ntriples`, one at a time (a new report: the bulk loader and its
marker, then the aggregate's share in one transaction; `rectkg ingest` writes eight at once), and
prints the median and mean ms per write, then the same for replacing every one of them (one
atomic update: `DROP`, `INSERT DATA` and the aggregate's share). Writes may get dearer as the
store grows, so compare runs with the same `-n`. Used to compare write paths and machines.

    .venv/bin/python -m bench.write_time -n 40
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import Generator
from graph.store import OxigraphStore, ntriples_bytes
from loaders.pipeline import load_bytes


def timed_writes(store: OxigraphStore, docs: list[tuple[str, bytes]]) -> list[float]:
    times = []
    for graph_iri, data in docs:
        start = time.perf_counter()
        store.replace_graph_ntriples(graph_iri, data)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40, help="reports written")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    docs = []
    for doc in Generator(args.seed).corpus(args.n):
        loaded = load_bytes(doc.text.encode("utf-8"), doc.name)
        docs.append((loaded.graph_iri, ntriples_bytes(loaded.triples)))
    with tempfile.TemporaryDirectory() as folder:
        store = OxigraphStore(Path(folder) / "store")
        for label in ("new", "replace"):
            times = timed_writes(store, docs)
            print(f"{label}: median {statistics.median(times):.0f} ms, mean {statistics.mean(times):.0f} ms per write")
        store.close()


if __name__ == "__main__":
    main()
