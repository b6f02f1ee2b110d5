"""shared-responsibility at corpus scale: the first run after a write, and the cached runs after it.

    .venv/bin/python -m bench.shared_responsibility --reports 1000 --store /tmp/sr1000

Builds the bench corpus (same generator and seed as bench.run) into an on-disk store the fast
way — the loader in parallel, one bulk load, then `graph.aggregates.rebuild` — because the
product's ingest path would take most of an hour at N = 1,000; tests/test_aggregates.py holds the
rebuilt aggregate equal to what incremental writes leave. An existing store is reused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from bench.corpus import Generated, Generator
from bench.measure import typical_values
from graph import aggregates
from graph.store import OxigraphStore, ntriples_bytes
from loaders.pipeline import load_bytes
from queries.catalog import get


def _quads(doc: Generated) -> bytes:
    loaded = load_bytes(doc.text.encode("utf-8"), doc.name)
    graph = f" <{loaded.graph_iri}> .\n".encode()
    lines = ntriples_bytes(loaded.triples).splitlines(keepends=True)
    return b"".join(line[:-2] + graph for line in lines if line.strip())


def build(reports: int, seed: int, path: Path) -> dict:
    start = time.perf_counter()
    dump = path.with_suffix(".nq")
    with ProcessPoolExecutor(2) as pool, dump.open("wb") as out:
        for quads in pool.map(_quads, Generator(seed).corpus(reports), chunksize=4):
            out.write(quads)
    raw = ox.Store(str(path))
    raw.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    raw.flush()
    del raw
    dump.unlink()
    loaded = time.perf_counter()
    store = OxigraphStore(path)
    store.update(aggregates.rebuild(store))
    store.close()
    return {"load_s": loaded - start, "aggregate_s": time.perf_counter() - loaded}


def measure(path: Path, reps: int) -> dict:
    store = OxigraphStore(path, read_only=True)
    query = get("shared-responsibility")
    department = typical_values(store).get("department", "")
    out: dict = {"quads": len(store._store), "typical_department": department}
    for case, params in (("all", {}), ("department", {"department": department})):
        start = time.perf_counter()
        rows = len(query.run(store, params).rows)
        first = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            query.run(store, params)
            times.append((time.perf_counter() - start) * 1000)
        out[case] = {"rows": rows, "first_ms": first, "cached_p50_ms": statistics.median(times)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    result: dict = {"reports": args.reports}
    if not args.store.exists():
        result["build"] = build(args.reports, args.seed, args.store)
    result.update(measure(args.store, args.reps))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
