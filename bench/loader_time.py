"""CPU time the loader spends per report, by stage: what each ingest worker pays before the writer.

Each report is read once, the way `rectkg ingest` reads it in a worker (rectkg.reading.read_file:
load_source, then ntriples_bytes), stage by stage, in CPU time, not wall time, because the
machine's cores are shared: bytes → text (read_source), text → Report (read_text), Report →
triples (to_triples), triples → N-Triples bytes (ntriples_bytes); "total" is their sum. No report
is read twice, so no stage is helped by what caches kept from an earlier reading of the same text
(only from other reports, as in a worker): round k reads the corpus of seed + k. Medians and
means are over all reports of all rounds.

    .venv/bin/python -m bench.loader_time -n 60
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.corpus import Generator
from graph.terms import ntriples_bytes
from loaders.pipeline import read_text
from loaders.sources import read_source
from loaders.to_rdf import to_triples
from ontology import iris


def cpu_ms(run: Callable[[], object]) -> tuple[float, object]:
    start = time.process_time_ns()
    result = run()
    return (time.process_time_ns() - start) / 1e6, result


def time_report(name: str, text: str) -> dict[str, float]:
    """One reading of one report, as load_source and read_file do it: the CPU ms of each stage."""
    data = text.encode("utf-8")
    times = {}
    times["read_source"], (text, _how) = cpu_ms(lambda: read_source(data, name))
    times["read_text"], report = cpu_ms(lambda: read_text(text, name))
    key = iris.report_key(report.title, report.dates.get("published", (None,))[0], report.text)
    times["to_triples"], triples = cpu_ms(lambda: to_triples(report, key))
    times["ntriples_bytes"], _ = cpu_ms(lambda: ntriples_bytes(triples))
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="generated reports (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    time_report("warm-up.txt", Generator(args.seed - 1).report(0).text)  # imports, compiled patterns
    rows = [
        time_report(doc.name + ".txt", doc.text)
        for k in range(args.rounds)
        for doc in Generator(args.seed + k).corpus(args.n)
    ]
    print(f"{len(rows)} reports ({args.rounds} rounds of {args.n}), CPU ms per report")
    for stage in rows[0]:
        values = [times[stage] for times in rows]
        print(f"  {stage:15} median {statistics.median(values):7.1f}   mean {statistics.fmean(values):7.1f}")


if __name__ == "__main__":
    main()
