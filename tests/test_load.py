"""Load: 32 concurrent HTTP clients run saved queries while the served store is re-ingested
through the handoff (remove, then put back, again and again). No answer may be a 5xx, and every
answer must be one of the two whole states (with or without the document) — never half of it.

`make test` runs 5 s; `make soak` the 30 s version. Latencies go to bench/results/load-*.json.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from web_fixtures import build_store, serve

from graph.handoff import HandoffStore
from graph.store import open_store

# Latency figures: run alone, after the parallel part of make test (Makefile), not beside it.
pytestmark = pytest.mark.serial

CLIENTS = 32
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
# Saved queries without required parameters, each a different shape (listing, aggregate, join).
PATHS = ["/queries/findings.csv", "/queries/stats.csv", "/queries/departments.csv", "/queries/documents.csv"]


def _answers(url: str) -> dict[str, str]:
    return {path: requests.get(url + path, timeout=60).text for path in PATHS}


def run_load(tmp_path: Path, qingpu, fengjiang, seconds: float) -> dict:
    path = build_store(tmp_path / "store", qingpu, fengjiang)
    # Every client may wait for its answer here (this is about whole states, not admission): a
    # queue for all of them in one page lane (webapp/lanes.py), none measured slow.
    lanes = {"PAGE_QUEUE": CLIENTS, "PAGE_QUEUE_WAIT": 30.0, "SLOW_PAGE_MS": 1e9}
    settings = {"STORE": str(path), "QUERY_WORKERS": 4, "QUEUE_WAIT": 30.0, **lanes}
    with serve(settings, threads=CLIENTS) as url:
        whole = _answers(url)
        writer = open_store(str(path))
        assert isinstance(writer, HandoffStore)
        writer.remove_graph(fengjiang.graph_iri)
        without = _answers(url)
        writer.replace_graph(fengjiang.graph_iri, fengjiang.graph)
        assert _answers(url) == whole and without != whole
        stop = threading.Event()
        ingests = 0

        def reingest() -> None:
            nonlocal ingests
            while not stop.is_set():
                writer.remove_graph(fengjiang.graph_iri)
                writer.replace_graph(fengjiang.graph_iri, fengjiang.graph)
                ingests += 1

        def client(number: int) -> list[tuple[float, int, bool]]:
            session = requests.Session()
            seen = []
            i = number
            while not stop.is_set():
                target = PATHS[i % len(PATHS)]
                i += 1
                started = time.perf_counter()
                response = session.get(url + target, timeout=60)
                elapsed = time.perf_counter() - started
                whole_state = response.text in (whole[target], without[target])
                seen.append((elapsed, response.status_code, whole_state))
            return seen

        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            writer_done = pool.submit(reingest)
            futures = [pool.submit(client, n) for n in range(CLIENTS)]
            time.sleep(seconds)
            stop.set()
            samples = [s for f in futures for s in f.result()]
            writer_done.result()
        assert _answers(url) == whole
    latencies = sorted(s[0] for s in samples)
    figures = {
        "seconds": seconds,
        "clients": CLIENTS,
        "requests": len(samples),
        "reingests": ingests,
        "errors_5xx": sum(1 for s in samples if s[1] >= 500),
        "non_200": sum(1 for s in samples if s[1] != 200),
        "wrong_answers": sum(1 for s in samples if s[1] == 200 and not s[2]),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "requests_per_s": round(len(samples) / seconds, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{int(seconds)}s.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    return figures


def _check(figures: dict) -> None:
    assert figures["requests"] > figures["clients"]
    assert figures["reingests"] >= 1, "the re-ingest never completed during the run"
    assert figures["errors_5xx"] == 0 and figures["non_200"] == 0, figures
    assert figures["wrong_answers"] == 0, figures


def test_load_short(tmp_path, qingpu, fengjiang):
    _check(run_load(tmp_path, qingpu, fengjiang, 5))


@pytest.mark.soak
def test_load_soak(tmp_path, qingpu, fengjiang):
    _check(run_load(tmp_path, qingpu, fengjiang, 30))
