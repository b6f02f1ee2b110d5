"""HTTP figures: the real web app (`rectkg serve`, waitress, on 127.0.0.1) over the measured store.

Each case is timed with one client, then with 16 clients at once (a thread and a session each,
all started together); a request that fails or answers other than 200 counts as an error, but a
429 or 503 with Retry-After as refused: the fast refusal the app gives by design (the 16 threads
share one address, which /sparql and the graph API serve a few queries at a time).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.measure import percentile
from bench.pages import SHED, Page, marked

RECTKG = Path(sys.executable).with_name("rectkg")
CLIENTS = 16


def _serve(store: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(RECTKG), "--store", str(store), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if found is None:
        proc.kill()
        raise RuntimeError(f"rectkg serve did not start: {line!r}")
    return proc, found.group(0)


def _client(url: str, params: dict, headers: dict, n: int, times: list[float], statuses: list[str]) -> None:
    with requests.Session() as session:
        for _ in range(n):
            t = time.perf_counter()
            try:
                response = session.get(url, params=params, headers=headers, timeout=120)
                status = marked(response, (429, 503))[0]
            except requests.RequestException as error:
                status = type(error).__name__
            statuses.append(status)
            times.append((time.perf_counter() - t) * 1000)


def load(url: str, params: dict, headers: dict, clients: int, per_client: int) -> dict:
    """p50/p95 per request and requests/s over the whole run, `clients` at once."""
    times: list[float] = []
    statuses: list[str] = []
    threads = [
        threading.Thread(target=_client, args=(url, params, headers, per_client, times, statuses))
        for _ in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {
        "clients": clients,
        "requests": len(times),
        "errors": sum(s != "200" and not s.endswith(SHED) for s in statuses),
        "refused": sum(s.endswith(SHED) for s in statuses),
        "statuses": dict(Counter(statuses)),
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "throughput_rps": len(times) / wall,
    }


def cases(values: dict[str, str]) -> dict[str, tuple[str, dict, dict]]:
    from ontology import iris
    from queries import catalog

    json_results = {"Accept": "application/sparql-results+json"}
    stats = iris.sparql_prefixes() + catalog.get("stats").text
    out = {
        "sparql[stats]": ("/sparql", {"query": stats}, json_results),
        "saved-api[shared-responsibility]": ("/queries/shared-responsibility.json", {}, {}),
    }
    if "department" in values:
        out["saved-api[shared-responsibility,department]"] = (
            "/queries/shared-responsibility.json",
            {"department": values["department"]},
            {},
        )
    if "report" in values:
        out["saved-api[findings,report]"] = ("/queries/findings.json", {"report": values["report"]}, {})
        out["neighbourhood[report]"] = ("/graph/api/expand", {"iri": values["report"]}, {})
    return out


@contextmanager
def serving(store: Path) -> Iterator[str]:
    """`rectkg serve` on the store, for the block: its base URL."""
    proc, base = _serve(store)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure_cases(base: str, values: dict[str, str], single: int, per_client: int, budget_s: float) -> dict:
    """Every case with 1 client (`single` requests after a warm-up) and with 16 (`per_client` each).

    A case whose second request (after the warm-up) exceeds the budget gets one request per
    client, so a slow query cannot hold the run hostage."""
    out: dict[str, dict] = {}
    for name, (path, params, headers) in cases(values).items():
        requests.get(base + path, params=params, headers=headers, timeout=300)  # warm-up: indexes, caches
        t = time.perf_counter()
        requests.get(base + path, params=params, headers=headers, timeout=300)
        slow = time.perf_counter() - t > budget_s
        one = load(base + path, params, headers, 1, 1 if slow else single)
        many = load(base + path, params, headers, CLIENTS, 1 if slow else per_client)
        out[name] = {"single": one, "concurrent": many}
    return out


@dataclass(frozen=True)
class PageSettings:
    """How the page mix (bench/pages.py) runs: requests per page after the first, seconds of each
    mix (one client, then 16), saved queries left out (as the query figures leave them out)."""

    reps: int = 5
    load_s: float = 60.0
    seed: int = 7  # the corpus's: the report ingested through the server is one it does not hold
    after_write: bool = True  # that report ingested, and the first pass again (bench.pages.measure_pages)


def measure_http(
    store: Path,
    values: dict[str, str],
    *,
    single: int,
    per_client: int,
    budget_s: float,
    api_cases: bool = True,
    chosen: dict[str, Page] | None = None,
    page_settings: PageSettings = PageSettings(),
) -> tuple[dict, dict | None]:
    """One server for both: the API cases (`api_cases`), then the investigator's pages `chosen`
    (bench/pages.py; None: none). The pages' first pass after start follows the cases' warm-up
    when both run, so it is the pages' second first pass, after an ingest through the server,
    that is the cold one either way."""
    start = time.perf_counter()
    with serving(store) as base:
        up_s = time.perf_counter() - start  # until it listens; its warm-up runs on, beside the first pass
        found = measure_cases(base, values, single, per_client, budget_s) if api_cases else {}
        if chosen is None:
            return found, None
        from bench.pages import measure_pages

        settings = page_settings
        figures = measure_pages(
            base,
            store,
            chosen,
            seed=settings.seed,
            reps=settings.reps,
            budget_s=budget_s,
            load_s=settings.load_s,
            after_write=settings.after_write,
        )
        figures["phase_s"] = {"serve": up_s} | figures["phase_s"]
        return found, figures
