"""CPU time the loader spends per report, by stage: what each ingest worker pays before the writer.

Each report of a synthetic corpus is read with the functions `rectkg ingest` runs in its workers
(rectkg.reading.read_file: load_source, then ntriples_bytes), timed in CPU time, not wall time,
because the machine's cores are shared. Stages: text → Report (read_text), Report → triples
(to_triples), triples → N-Triples bytes (ntriples_bytes), and the whole of bytes → N-Triples.
Every report is timed `--rounds` times and its fastest round kept (noise from other processes only
ever adds time); the medians and means over reports are printed.

    .venv/bin/python -m bench.loader_time -n 60
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.corpus import Generator
from graph.store import ntriples_bytes
from loaders.pipeline import load_source, read_text
from loaders.to_rdf import to_triples
from ontology import iris


def cpu_ms(run: Callable[[], object]) -> tuple[float, object]:
    start = time.process_time_ns()
    result = run()
    return (time.process_time_ns() - start) / 1e6, result


def time_report(name: str, text: str) -> dict[str, float]:
    """One round of one report: the CPU ms of each stage."""
    data = text.encode("utf-8")
    read, report = cpu_ms(lambda: read_text(text, name))
    key = iris.report_key(report.title, report.dates.get("published", (None,))[0], report.text)
    triples_ms, triples = cpu_ms(lambda: to_triples(report, key))
    write, _ = cpu_ms(lambda: ntriples_bytes(triples))
    full, _ = cpu_ms(lambda: ntriples_bytes(load_source(data, name).triples))
    return {"read_text": read, "to_triples": triples_ms, "ntriples_bytes": write, "bytes_to_ntriples": full}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="generated reports (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    docs = [(doc.name + ".txt", doc.text) for doc in Generator(args.seed).corpus(args.n)]
    time_report(*docs[0])  # warm-up: imports, compiled patterns, caches
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        for name, text in docs:
            times = time_report(name, text)
            kept = best.setdefault(name, times)
            for stage, ms in times.items():
                kept[stage] = min(kept[stage], ms)
    print(f"{len(docs)} reports, best of {args.rounds} rounds, CPU ms per report")
    for stage in next(iter(best.values())):
        values = [times[stage] for times in best.values()]
        print(f"  {stage:18} median {statistics.median(values):7.1f}   mean {statistics.fmean(values):7.1f}")


if __name__ == "__main__":
    main()
