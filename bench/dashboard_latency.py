"""The dashboard as a visitor meets it, on the real app (`rectkg serve`) over a copy of a bench store.

Times the first visit after the app starts, then `--rounds` times: one new report ingested through
the running app (`rectkg ingest`, handed to it) and the first visit right after that write (what
the first click after an ingest costs: the app's warm-up starts a second after the write, so the
visit mostly builds the page itself), then `--reps` visits more. Prints JSON. As with
bench/search_latency.py, the app served is the one on PYTHONPATH (a checkout of `main` for the
figures before a change).

    .venv/bin/python -m bench.dashboard_latency /tmp/store1000 --reps 10 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import requests

from bench.http import serving
from bench.search_latency import TIMEOUT_S, figures, ingest, scratch_copy

log = logging.getLogger(__name__)


def visit(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    status = requests.get(url, timeout=TIMEOUT_S).status_code
    return (time.perf_counter() - start) * 1000, status


def measure(store: Path, reps: int, rounds: int) -> dict:
    with scratch_copy(store, rounds) as (copy, files), serving(copy) as base:
        ms, status = visit(base + "/")
        out: dict = {"first_visit_after_start": {"ms": round(ms, 1), "status": status}}
        first, first_status, later, later_status = [], [], [], []
        for path in files:
            ingest(copy, path)
            ms, status = visit(base + "/")
            first.append(ms)
            first_status.append(status)
            for _ in range(reps):
                ms, status = visit(base + "/")
                later.append(ms)
                later_status.append(status)
        out["first_visit_after_ingest"] = figures(first, first_status)
        out["later_visits"] = figures(later, later_status)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(json.dumps(measure(args.store, args.reps, args.rounds), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
