"""Where ingest time goes: `rectkg ingest`'s path (bench.measure.ingest) with every step of the
single writer timed, and the triples one report writes counted by kind.

The writer's steps (graph/embedded.py `_add`, graph/aggregates.py `changes`): the bulk load of a
batch's N-Triples, the aggregate's bookkeeping worked out meanwhile (pairs parsed from the
N-Triples, the pair nodes' state read back, search's shares and the dashboard's rows built in a
scratch store), the SPARQL updates (markers, then the aggregate's share), RocksDB flushes and the
final compaction. The bookkeeping runs while the load does (a thread), so the steps add up to more
than the writer's wall time; `wall` and `waiting for readers` are what a user waits for. Reading
(the loaders, in reader processes, one per core) is timed as CPU per stage by bench.loader_time.

    .venv/bin/python -m bench.ingest_phases -n 100 [--triples]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import corpus_files, ingest
from graph import (
    aggregates,
    alike_shares,
    cited_titles,
    embedded,
    finding_parties,
    report_counts,
    searchable,
    summaries,
)
from graph.store import OxigraphStore
from rectkg.batches import SIZE

Clock = dict[str, list[float]]


class _TimedStore:
    """pyoxigraph's Store with each call of the methods the writer uses timed under its name."""

    def __init__(self, inner: Any, clock: Clock):
        self._inner, self._clock = inner, clock

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name not in {"update", "bulk_load", "flush", "optimize", "query"}:
            return found
        return _timed(found, f"store.{name}", self._clock)


def _timed(run: Callable, name: str, clock: Clock) -> Callable:
    """`run`, with its wall time and its thread's CPU time appended to the clock under `name`: on a
    shared machine the wall time says more about the neighbours than about the step."""

    def call(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return run(*args, **kwargs)
        finally:
            clock[name].append(time.perf_counter() - start)
            clock[name + " (thread CPU)"].append(time.thread_time() - cpu)

    return call


def _patch(clock: Clock) -> None:
    """Time the aggregate's parts where graph/aggregates.py looks them up (module attributes)."""
    aggregates.pairs_in = _timed(aggregates.pairs_in, "aggregates: pairs parsed", clock)
    aggregates._state = _timed(aggregates._state, "aggregates: pair nodes read", clock)
    aggregates._difference = _timed(aggregates._difference, "aggregates: pair nodes diffed", clock)
    searchable.changes = _timed(searchable.changes, "aggregates: search shares", clock)
    alike_shares.changes = _timed(alike_shares.changes, "aggregates: alike findings' shares", clock)
    summaries.changes = _timed(summaries.changes, "aggregates: dashboard rows", clock)
    cited_titles.touched = _timed(cited_titles.touched, "aggregates: cited titles read", clock)
    cited_titles.totals = _timed(cited_titles.totals, "aggregates: cited titles totalled", clock)
    report_counts.changes = _timed(report_counts.changes, "aggregates: reports' counts", clock)
    finding_parties.changes = _timed(finding_parties.changes, "aggregates: findings' parties", clock)
    embedded.aggregates.changes = _timed(aggregates.changes, "aggregates: all (beside the load)", clock)
    original = OxigraphStore.__init__

    def opened(self: OxigraphStore, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._store = _TimedStore(self._store, clock)

    OxigraphStore.__init__ = opened  # type: ignore[method-assign]


def phases(n: int, seed: int, batch: int = SIZE, into: Path | None = None) -> dict:
    """One ingest of the bench corpus of `n` reports, `batch` new reports a write (rectkg.batches),
    with the writer's steps in seconds; into a fresh store, or `into` (a copy of a store of N
    reports: what the next reports cost at that N, without ingesting N first)."""
    clock: Clock = defaultdict(list)
    _patch(clock)
    files = corpus_files(n, seed)
    before = _cpu()
    with tempfile.TemporaryDirectory(prefix="rectkg-phases-") as folder:
        figures = ingest(files, OxigraphStore(into or Path(folder) / "store"), batch)
    writer_cpu, readers_cpu = (a - b for a, b in zip(_cpu(), before, strict=True))
    steps = {name: {"s": sum(times), "calls": len(times)} for name, times in sorted(clock.items())}
    return {
        "reports": n,
        "batch": batch,
        "wall_s": figures["ingest_s"],
        "waiting_for_readers_s": figures["load_s"],
        "writing_s": figures["write_s"],
        "reports_per_s": figures["ingest_reports_per_s"],
        "writer_cpu_s": writer_cpu,
        "readers_cpu_s": readers_cpu,
        "load_average": os.getloadavg(),
        "steps": steps,
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process (the writer, all its threads: the bulk loader's too) and of
    the reader processes it has waited for."""
    own, readers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, readers.ru_utime + readers.ru_stime


def kind_of(predicate: str, subject: str) -> str:
    """A triple's kind for the count: evidence nodes' triples apart (their subject is …/evidence/n)."""
    if "/evidence/" in subject:
        return "evidence: " + predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def triples_by_kind(n: int, seed: int) -> dict:
    """Triples per report by kind (predicate; evidence nodes apart), mean over the corpus, read as
    `rectkg ingest` reads it (rectkg.reading.read_file)."""
    from graph.terms import parse_ntriples
    from rectkg.reading import read_file

    counts: Counter[str] = Counter()
    total = 0
    for path in corpus_files(n, seed):
        reading = read_file(path)
        for s, p, _o in parse_ntriples(reading.ntriples):
            counts[kind_of(p, s)] += 1
            total += 1
    reports = len(corpus_files(n, seed))
    return {
        "reports": reports,
        "triples_per_report": total / reports,
        "by_kind": {k: v / reports for k, v in counts.most_common()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=SIZE, help=f"new reports a write (rectkg.batches: {SIZE})")
    parser.add_argument("--into", type=Path, help="a store to add the reports to (a copy: it is written)")
    parser.add_argument("--triples", action="store_true", help="count triples per report by kind instead")
    args = parser.parse_args()
    found = triples_by_kind(args.n, args.seed) if args.triples else phases(args.n, args.seed, args.batch, args.into)
    print(json.dumps(found, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
