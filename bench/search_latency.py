"""Search as a visitor meets it, on the real app (`rectkg serve`) over a copy of a bench store.

Times, in order: the first search after the app starts; a common word and a rare one, `--reps`
times each; then `--rounds` times, one new report ingested through the running app (`rectkg
ingest`, handed to it) followed by the first search after that write and `--reps` more. While the
first search after each write runs, another client asks for /search.json of the rare word and
for the department autocomplete, so a stall of other requests shows. Last, how many document hits
a title every report restates gets, and how many distinct documents they are. Then `--restarts`
times: the app stopped and started again over the same store, and the first search after each start
(the index the app saved beside the store is loaded, not built). Prints JSON.

The store is copied first (the ingests write to it). Run from a checkout: the app served is the
one on PYTHONPATH, which is how the figures before a change are taken (a checkout of `main`).

    .venv/bin/python -m bench.search_latency /tmp/store1000 --reps 20 --rounds 5 --restarts 5
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.corpus import Generator
from bench.http import RECTKG, serving
from bench.measure import percentile

log = logging.getLogger(__name__)
TIMEOUT_S = 120
SAVED_WAIT_S = 300  # for the app to save its index once the writes paused
COMMON, RARE = "整改", "购买服务负面清单"  # in every report; in one of the first hundred
RESTATED = "中国共产党巡视工作条例"  # cited by most reports


def timed(url: str, params: dict) -> tuple[float, int, dict]:
    """ms, HTTP status and answer of one GET."""
    start = time.perf_counter()
    response = requests.get(url, params=params, timeout=TIMEOUT_S)
    ms = (time.perf_counter() - start) * 1000
    return ms, response.status_code, (response.json() if response.status_code == 200 else {})


def figures(times: list[float], statuses: list[int]) -> dict:
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "non_200": sum(1 for s in statuses if s != 200),
    }


def repeated(url: str, params: dict, reps: int) -> tuple[list[float], list[int]]:
    runs = [timed(url, params) for _ in range(reps)]
    return [ms for ms, _s, _a in runs], [s for _ms, s, _a in runs]


def alongside(base: str, stop: threading.Event, times: list[float], statuses: list[int]) -> None:
    """Other visitors' requests while the first search after a write runs."""
    while not stop.is_set():
        for params in ({"q": RARE}, {"q": "民政"}):
            path = "/search.json" if "民" not in params["q"] else "/search/departments.json"
            ms, status, _answer = timed(base + path, params)
            times.append(ms)
            statuses.append(status)


def new_reports(folder: Path, rounds: int) -> list[Path]:
    """Reports the bench corpus does not hold (another seed), as files to ingest."""
    files = []
    for doc in Generator(9_999).corpus(rounds):
        path = folder / f"{doc.name}.txt"
        path.write_text(doc.text, encoding="utf-8")
        files.append(path)
    return files


@contextmanager
def scratch_copy(store: Path, rounds: int) -> Iterator[tuple[Path, list[Path]]]:
    """A copy of the store (the ingests write to it) and `rounds` new reports to ingest, both
    gone after the block."""
    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(store, copy)
        yield copy, new_reports(Path(scratch), rounds)


def ingest(store: Path, path: Path) -> None:
    """`rectkg ingest` of one file: handed to the app serving the store."""
    done = subprocess.run([str(RECTKG), "--store", str(store), "ingest", str(path)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"rectkg ingest {path} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def after_writes(base: str, store: Path, files: list[Path], reps: int) -> dict:
    first, first_status, later, later_status, others, others_status = [], [], [], [], [], []
    for path in files:
        ingest(store, path)
        stop = threading.Event()
        other = threading.Thread(target=alongside, args=(base, stop, others, others_status))
        other.start()
        ms, status, _answer = timed(base + "/search.json", {"q": COMMON})
        stop.set()
        other.join()
        first.append(ms)
        first_status.append(status)
        times, statuses = repeated(base + "/search.json", {"q": COMMON}, reps)
        later += times
        later_status += statuses
    return {
        "first_search_after_ingest": figures(first, first_status),
        "later_searches": figures(later, later_status),
        "other_requests_meanwhile": figures(others, others_status) if others else None,
    }


def restated(base: str) -> dict:
    """Document hits for the title of the document most reports cite."""
    _ms, _status, answer = timed(base + "/search.json", {"q": RESTATED, "kind": "document"})
    hits = answer.get("hits", [])
    return {"document_hits": len(hits), "distinct_documents": len({h["iri"] for h in hits})}


def saved(store: Path) -> None:
    """Wait until the app has saved its search index after the last write: the file is there and
    has not changed for a few seconds. A checkout that saves none (before the change) waits not."""
    try:
        from webapp.searchfile import beside
    except ImportError:
        return
    file, deadline = beside(str(store)), time.monotonic() + SAVED_WAIT_S
    while time.monotonic() < deadline and not (file.exists() and time.time() - file.stat().st_mtime > 5):
        time.sleep(1)


def after_restarts(store: Path, restarts: int) -> dict:
    """The first search (the common word) after each start of the app over the same store."""
    first, first_status = [], []
    for _ in range(restarts):
        with serving(store) as base:
            ms, status, _answer = timed(base + "/search.json", {"q": COMMON})
            first.append(ms)
            first_status.append(status)
    return figures(first, first_status)


def measure(store: Path, reps: int, rounds: int, restarts: int) -> dict:
    with scratch_copy(store, rounds) as (copy, files):
        started = time.perf_counter()
        with serving(copy) as base:
            out: dict = {"serve_start_ms": round((time.perf_counter() - started) * 1000, 1)}
            ms, status, _answer = timed(base + "/search.json", {"q": COMMON})
            out["first_search_after_start"] = {"ms": round(ms, 1), "status": status}
            for name, word in (("common", COMMON), ("rare", RARE)):
                out[name] = figures(*repeated(base + "/search.json", {"q": word}, reps))
            out |= after_writes(base, copy, files, reps)
            out["restated_document"] = restated(base)
            saved(copy)
        if restarts:
            out["first_search_after_restart"] = after_restarts(copy, restarts)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(json.dumps(measure(args.store, args.reps, args.rounds, args.restarts), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
