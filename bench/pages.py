"""The investigator's pages over HTTP: every page and view of the served app (`rectkg serve`),
each timed on its first request after an ingest and on later ones, and a mix of them all under
one client and under 16 at once.

Why over HTTP and not by calling the views: what a visitor waits for includes waitress's threads,
the query workers (graph/pool.py), admission (webapp/admission.py) and the caches that a write
ends (webapp/db.py, webapp/warm.py). The parameters come from the store itself (`page_values`),
never from names of the sample reports, so the same code measures any N and any corpus.

"First after an ingest" is measured twice: right after the server starts on the store the bench
has just ingested, and again after one more report is ingested *through the running server*
(`rectkg ingest` hands it to the server's admin API, graph/handoff.py), which is how a write
reaches a server an investigator is using. Pages share caches (the explorer and the network share
the analysis), so the first pass runs in a fixed order (`pages`) and is reported in that order.

Under load a 503 that carries Retry-After is the app shedding work on purpose (admission), which
the target allows; it is counted as `shed`, apart from `errors` (anything else but 200).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.measure import percentile
from graph.store import OxigraphStore
from ontology import iris

TIMEOUT_S = 120  # past the app's own query limit (30 s): a slow page is timed, not cut off here
CLIENTS = 16
Page = tuple[str, dict[str, str]]  # path, query parameters

# The store's own picks (see `page_values`), each query returning ?v first, best first.
_INVOLVED = """SELECT ?v ?n WHERE {
  { SELECT ?v (COUNT(?i) AS ?n) WHERE { ?i rk:agent ?v } GROUP BY ?v }
  FILTER NOT EXISTS { ?v rk:generic true } FILTER NOT EXISTS { ?v rk:internalUnit true }
  FILTER EXISTS { ?v skos:prefLabel ?l } } ORDER BY DESC(?n) ?v"""
_LABEL = "SELECT ?o (MIN(STR(?l)) AS ?v) WHERE { ?o skos:prefLabel ?l } GROUP BY ?o"
_DOCUMENT = """SELECT ?v (COUNT(DISTINCT ?g) AS ?n) WHERE {
  ?v a rk:NamedDocument . GRAPH ?g { ?x ?p ?v } } GROUP BY ?v ORDER BY DESC(?n) ?v"""
_WORDS = """SELECT ?v (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a rk:Finding ; rk:titleGram ?w BIND(STR(?w) AS ?v) }
  GROUP BY ?v ORDER BY DESC(?n) ?v"""
_PAIR = """SELECT ?v ?b WHERE { ?p a rk:DepartmentPair ; rk:pairFirstLabel ?a ; rk:pairSecondLabel ?b ;
  rk:pairFindings ?n BIND(STR(?a) AS ?v) } ORDER BY DESC(?n) ?v ?b LIMIT 1"""


def _rows(store: OxigraphStore, query: str, **bound: str) -> list[dict]:
    from graph.store import Term

    bindings = {k: Term("iri", v) for k, v in bound.items()}
    return store.select(iris.sparql_prefixes() + query, bindings or None).rows


def _label(store: OxigraphStore, org: str) -> str:
    rows = _rows(store, _LABEL, o=org)
    return rows[0]["v"].value if rows and "v" in rows[0] else ""


def page_values(store: OxigraphStore, typical: dict[str, str]) -> dict[str, str]:
    """`typical` (bench.measure.typical_values: a middle report and finding, the usual partner)
    and what only pages need: the most involved department and a middle one (by involvements),
    the named document most reports cite, a frequent and a rare word of finding titles (what
    search indexes), and the pair of departments sharing the most findings (the dossier)."""
    out = dict(typical)
    involved = _rows(store, _INVOLVED)
    if involved:
        out["most_involved"] = involved[0]["v"].value
        out["middle_involved"] = involved[len(involved) // 2]["v"].value
        out["most_involved_label"] = _label(store, out["most_involved"])
    documents = _rows(store, _DOCUMENT)
    if documents:
        out["document"] = documents[0]["v"].value
    words = [r["v"].value for r in _rows(store, _WORDS)]
    if words:
        out["common_word"], out["rare_word"] = words[0], words[-1]
    pair = _rows(store, _PAIR)
    if pair:
        out["pair_a"], out["pair_b"] = pair[0]["v"].value, pair[0]["b"].value
    return out


def _entity(iri: str) -> Page:
    """An entity's page: /id/<the IRI after the id base> (webapp/links.py), as the app links it."""
    return "/id/" + iri[len(iris.ID) :], {}


def _query_form(name: str, params: list, values: dict[str, str]) -> Page | None:
    """A saved query's page with every parameter the store gave a typical value for; None when a
    required one has none (the form would only ask for it)."""
    chosen = {p.name: values[p.name] for p in params if p.name in values}
    if any(p.required and p.name not in chosen for p in params):
        return None
    return f"/queries/{name}", chosen


def pages(values: dict[str, str], skip: set[str] = frozenset()) -> dict[str, Page]:
    """Every page and view an investigator uses, in the order the first pass requests them; a
    page whose parameter the store could not give (an empty corpus) is left out."""
    from queries import catalog

    want: dict[str, Page | None] = {"dashboard": ("/", {})}
    for key, name in (
        ("report", "report"),
        ("finding", "finding"),
        ("middle_involved", "department"),
        ("most_involved", "department[most involved]"),
        ("document", "document"),
    ):
        want[name] = _entity(values[key]) if key in values else None
    for key, name in (("common_word", "search[common word]"), ("rare_word", "search[rare word]")):
        want[name] = ("/search", {"q": values[key]}) if key in values else None
    for q in catalog.saved_queries().values():
        if q.name not in skip:
            want[f"query[{q.name}]"] = _query_form(q.name, q.params, values)
    if "pair_a" in values:
        want["pair dossier"] = ("/shared", {"a": values["pair_a"], "b": values["pair_b"]})
    want["explorer"] = ("/graph/", {})
    if "most_involved" in values:
        want["explorer node"] = ("/graph/api/node", {"iri": values["most_involved"]})
        want["explorer expand"] = ("/graph/api/expand", {"iri": values["most_involved"], "have": "1"})
    want["network page"] = ("/graph/shared", {})
    want["network[all]"] = ("/graph/api/shared", {})
    if "most_involved_label" in values:
        want["network[department]"] = ("/graph/api/shared", {"department": values["most_involved_label"]})
    return {name: page for name, page in want.items() if page is not None}


# One page of each kind (`make bench-quick`, `--page-set kinds`; `make bench` requests them all):
# entity pages, search, a saved query's page (one the quick run's query figures also time), the
# pair dossier, the explorer and its API, the network (whole: its first 100 departments, and one
# department's). The middle department and the frequent word stand for their kind: the busiest
# department and the rare word are the same page on other data. The most cited document and the
# busiest pair stay: the slowest of a kind.
KINDS = (
    "dashboard",
    "report",
    "finding",
    "department",
    "document",
    "search[common word]",
    "query[findings]",
    "pair dossier",
    "explorer",
    "explorer expand",
    "network page",
    "network[all]",
    "network[department]",
)
PAGE_SETS = {"all": None, "kinds": KINDS}


def page_set(chosen: dict[str, Page], name: str) -> dict[str, Page]:
    """`chosen` cut to the set `name` of PAGE_SETS ("all": every page), in the first pass's order."""
    wanted = PAGE_SETS[name]
    return chosen if wanted is None else {k: v for k, v in chosen.items() if k in wanted}


SHED = "+Retry-After"  # ends the status of a refusal the app gives under load


def marked(response: requests.Response, refusals: tuple[int, ...] = (503,)) -> tuple[str, str]:
    """The response's status, marked SHED when it is one of `refusals` with a Retry-After, and
    that Retry-After ("" for none): a fast refusal the app gives by design, not an error."""
    retry_after = response.headers.get("Retry-After", "") if response.status_code in refusals else ""
    return str(response.status_code) + (SHED if retry_after else ""), retry_after


@dataclass
class Outcome:
    """One request: how long it took and how it ended (`shed`: a 503 with Retry-After)."""

    ms: float
    status: str
    retry_after_s: float = 0.0  # what a shed request's Retry-After asked for

    @property
    def ok(self) -> bool:
        return self.status == "200"

    @property
    def shed(self) -> bool:
        return self.status == "503" + SHED


def fetch(session: requests.Session, base: str, page: Page) -> Outcome:
    path, params = page
    start = time.perf_counter()
    try:
        response = session.get(base + path, params=params, timeout=TIMEOUT_S)
        response.content  # noqa: B018 — the whole body, as a browser waits for it
        status, retry_after = marked(response)
    except requests.RequestException as error:
        status, retry_after = type(error).__name__, ""
    wait = float(retry_after) if retry_after.isdigit() else 0.0
    return Outcome((time.perf_counter() - start) * 1000, status, wait)


def first_pass(base: str, chosen: dict[str, Page]) -> dict[str, dict]:
    """Each page once, in order: the first request after an ingest (or a server start)."""
    with requests.Session() as session:
        return {name: _one(fetch(session, base, page)) for name, page in chosen.items()}


def _one(outcome: Outcome) -> dict:
    return {"ms": outcome.ms, "status": outcome.status}


def repeated(base: str, chosen: dict[str, Page], reps: int, budget_s: float) -> dict[str, dict]:
    """Later requests: each page `reps` times, one client; a page slower than `budget_s` once is
    measured by that one request (a 30 s page would otherwise hold the run)."""
    out = {}
    with requests.Session() as session:
        for name, page in chosen.items():
            outcomes = [fetch(session, base, page)]
            while outcomes[-1].ms <= budget_s * 1000 and len(outcomes) < reps:
                outcomes.append(fetch(session, base, page))
            out[name] = summary(outcomes)
    return out


def summary(outcomes: list[Outcome], wall_s: float | None = None) -> dict:
    """p50/p95 of every request (failed ones too: a visitor waited for them), with the counts."""
    times = [o.ms for o in outcomes]
    out = {
        "requests": len(outcomes),
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
        "errors": sum(not o.ok and not o.shed for o in outcomes),
        "shed": sum(o.shed for o in outcomes),
        "statuses": dict(Counter(o.status for o in outcomes)),
    }
    if wall_s is not None:
        out["throughput_rps"] = len(outcomes) / wall_s
    return out


@dataclass
class _Mix:
    """Clients requesting the pages in a shuffled cycle each until `seconds` have passed."""

    base: str
    chosen: list[Page]
    seconds: float
    polite: bool = False  # a shed client waits as its Retry-After asks before its next request
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, seed: int, until: float) -> None:
        order = random.Random(seed)
        mine: list[Outcome] = []
        with requests.Session() as session:
            while True:
                cycle = self.chosen[:]
                order.shuffle(cycle)
                for page in cycle:
                    if time.perf_counter() >= until:
                        with self.lock:
                            self.outcomes.extend(mine)
                        return
                    mine.append(fetch(session, self.base, page))
                    if self.polite and mine[-1].shed:
                        time.sleep(max(0.0, min(mine[-1].retry_after_s, until - time.perf_counter())))


def mix(base: str, chosen: dict[str, Page], clients: int, seconds: float, polite: bool = False) -> dict:
    """`clients` at once on the page mix for `seconds` (each finishes the request it is in); `polite`
    clients wait after a 503 as its Retry-After asks, as a person told to come back does, where
    the others ask again at once, as a script that ignores the header."""
    run = _Mix(base, list(chosen.values()), seconds, polite)
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=run.client, args=(k, until)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"clients": clients, "seconds": seconds, "polite": polite} | summary(
        run.outcomes, time.perf_counter() - start
    )


def ingest_one_more(store: Path, seed: int) -> float:
    """One report the corpus does not hold, ingested by `rectkg ingest` while the server holds the
    store (so handed to it): the write after which the second first pass runs. Seconds it took."""
    from bench.corpus import Generator
    from bench.http import RECTKG

    doc = Generator(seed + 1).report(0)
    with tempfile.TemporaryDirectory(prefix="rectkg-bench-more-") as folder:
        path = Path(folder) / f"{doc.name}.txt"
        path.write_text(doc.text, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(RECTKG), "--store", str(store), "ingest", str(path)], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def measure_pages(
    base: str,
    store: Path,
    chosen: dict[str, Page],
    *,
    seed: int,
    reps: int,
    budget_s: float,
    load_s: float,
    after_write: bool = True,
) -> dict:
    """The first pass after the server started, later requests, the mix with one client, with 16 and with
    16 that wait as each 503's Retry-After asks (each `load_s`), then (`after_write`) one more
    report ingested and the first pass again. `make bench-quick` leaves the write out (a `rectkg
    ingest` and a second cold pass: a third of its pages' time); `make bench` measures it at every
    N."""
    out: dict = {"pages": {name: {"path": path, "params": params} for name, (path, params) in chosen.items()}}
    spent = out["phase_s"] = {}  # where the bench's own time goes (`make bench-quick` has a limit)
    mark = time.perf_counter()

    def phase(name: str, figures: object) -> None:
        nonlocal mark
        out[name] = figures
        spent[name] = time.perf_counter() - mark
        mark = time.perf_counter()

    phase("first_after_start", first_pass(base, chosen))
    phase("later", repeated(base, chosen, reps, budget_s))
    phase("mix_1", mix(base, chosen, 1, load_s))
    phase("mix_16", mix(base, chosen, CLIENTS, load_s))
    phase("mix_16_polite", mix(base, chosen, CLIENTS, load_s, polite=True))
    if after_write:
        phase("ingest_one_s", ingest_one_more(store, seed))
        phase("first_after_ingest", first_pass(base, chosen))
    return out


def headline(figures: dict) -> dict:
    """The summary keys: the worst page's p95 of later requests and of first requests, and the mix's
    p95 under 16 clients over its p50 under one, with the mix's errors and shed requests."""
    firsts = [v["ms"] for key in ("first_after_start", "first_after_ingest") for v in figures.get(key, {}).values()]
    return {
        "page_p95_ms": max(v["p95_ms"] for v in figures["later"].values()),
        "page_p50_ms_max": max(v["p50_ms"] for v in figures["later"].values()),
        "page_first_ms_max": max(firsts),
        "http_p95_16_over_p50_1": figures["mix_16"]["p95_ms"] / figures["mix_1"]["p50_ms"],
        "http_mix_errors": sum(figures[k]["errors"] for k in MIXES if k in figures),
        "http_mix_shed": sum(figures[k]["shed"] for k in MIXES if k in figures),
    } | polite_ratio(figures)


MIXES = ("mix_1", "mix_16", "mix_16_polite")  # runs before 2026-12-07 have no polite mix


def polite_ratio(figures: dict) -> dict:
    """The 16 clients' p95 over one client's p50 when the 16 wait as each 503's Retry-After asks
    (runs before 2026-12-07 have no such mix)."""
    if "mix_16_polite" not in figures:
        return {}
    return {"http_p95_16_polite_over_p50_1": figures["mix_16_polite"]["p95_ms"] / figures["mix_1"]["p50_ms"]}


REPORTS = 10  # --reports' default


def main(argv: list[str] | None = None) -> None:
    """Only the page figures, on a corpus of `--reports` reports ingested afresh (or on a copy of an
    existing store, `--store`): what `make bench-quick` measures of the pages (at its N with
    `--reports 100`), without the query and API figures around it, so a change to admission can be
    measured in a minute. Prints the headline, then the three mixes."""
    from bench.http import serving
    from bench.measure import typical_values

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--reports", type=int, help=f"reports in the corpus ingested afresh [default: {REPORTS}]")
    ap.add_argument(
        "--store",
        type=Path,
        metavar="PATH",
        help="measure a copy of this on-disk Oxigraph store instead of ingesting a corpus (not with --reports): "
        "it is copied into the temporary folder, because the measurement ingests one more report into it; "
        "the store itself is only read (leave nothing writing to it meanwhile)",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--page-reps", type=int, default=3, help="requests per page after its first")
    ap.add_argument("--budget", type=float, default=0.2, help="a page slower than this once is timed once")
    ap.add_argument("--load", type=float, default=5.0, help="seconds of the mix, with 1 client and with 16")
    ap.add_argument("--out", type=Path, help="where to write every figure as JSON")
    ap.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="QUERY",
        help="leave out this saved query's page (repeatable): one known to pass the time limit at this N, which "
        "would hold a worker for the limit on every request of the mixes",
    )
    args = ap.parse_args(argv)
    if args.store is not None and args.reports is not None:
        ap.error("--store measures the reports that store holds: give --store or --reports, not both")
    if args.store is not None and not (args.store / "CURRENT").is_file():
        ap.error(f"--store {args.store}: not an on-disk Oxigraph store (a folder with a CURRENT file)")
    with tempfile.TemporaryDirectory(prefix="rectkg-bench-pages-") as tmp:
        path = Path(tmp) / "store"
        source = store_to_measure(path, args.store, args.reports or REPORTS, args.seed)
        gc.collect()  # the writer is closed; its lock goes with it
        store = OxigraphStore(path, read_only=True)
        chosen = pages(page_values(store, typical_values(store)), set(args.skip))
        del store
        gc.collect()
        with serving(path) as base:
            figures = measure_pages(
                base, path, chosen, seed=args.seed, reps=args.page_reps, budget_s=args.budget, load_s=args.load
            )
    figures["source"] = source | {"skipped": args.skip}
    if args.out:
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(headline(figures) | {k: figures[k] for k in MIXES if k in figures}, indent=1))


def store_to_measure(path: Path, existing: Path | None, reports: int, seed: int) -> dict:
    """Fill `path`: a copy of the `existing` store (never written: the measurement writes to the
    copy) and of what a server saved beside it (search's index, the drop-downs), else the corpus of `reports` reports
    ingested; what it was, for the figures."""
    from bench.measure import corpus_files, ingest

    start = time.perf_counter()
    if existing is None:
        ingest(corpus_files(reports, seed), OxigraphStore(path))
        return {"reports": reports, "seed": seed, "ingest_s": time.perf_counter() - start}
    shutil.copytree(existing, path)
    for saved in existing.parent.glob(existing.name + ".search*"):  # search's saved index, as a restart finds it
        shutil.copy2(saved, path.with_name(path.name + saved.name[len(existing.name) :]))
    if (kept := existing.with_name(existing.name + ".kept")).is_dir():  # the drop-downs (webapp/db.py `lasting`)
        shutil.copytree(kept, path.with_name(path.name + ".kept"))
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    took = time.perf_counter() - start
    print(f"measuring a copy of {existing} ({size / 1e6:.0f} MB, copied in {took:.1f} s)", file=sys.stderr)
    return {"store": str(existing), "store_mb": size / 1e6, "copy_s": took}


if __name__ == "__main__":
    main()
