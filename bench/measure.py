"""One corpus size, measured in one process: ingest, store size, memory, query latencies.

Run in its own process per N (bench.run does that) so that peak memory is the peak of this size
alone. The product path is measured exactly as users run it: files → rectkg.reading (the readers
`rectkg ingest` starts, one per core) → OxigraphStore.replace_graph_ntriples
→ OxigraphStore.replace_graph, then SavedQuery.run. Baselines run the same SPARQL text.
"""

from __future__ import annotations

import gc
import logging
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from bench.corpus import Generated, Generator
from graph.store import OxigraphStore, Term
from graph.terms import to_ox
from loaders.model import Involvement, Organisation, Span
from loaders.pipeline import Loaded, load_bytes
from loaders.to_rdf import to_triples
from ontology import iris
from queries.catalog import SavedQuery, parse, saved_queries
from rectkg.batches import SIZE, Batches
from rectkg.reading import Reading, read_files

log = logging.getLogger(__name__)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(run: Callable[[], object], reps: int, budget_s: float, warm_up: bool = True) -> dict:
    """p50/p95 in ms of up to `reps` runs after one warm-up; fewer when one run eats the budget.

    Without warm-up (the slow rdflib baseline) the first run counts as a measurement.
    """
    start = time.perf_counter()
    rows = run()
    first = time.perf_counter() - start
    if first > budget_s:  # one run is all the budget allows: it is the measurement
        return {"p50_ms": first * 1000, "p95_ms": first * 1000, "runs": 1, "rows": rows}
    n = max(1, min(reps, int(budget_s / max(first, 1e-6))))
    times = [] if warm_up else [first * 1000]
    n -= 0 if warm_up else 1
    for _ in range(n):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": statistics.median(times), "p95_ms": percentile(times, 0.95), "runs": len(times), "rows": rows}


def timed_together(
    runners: dict[str, Callable[[], object]], reps: int, budget_s: float, caching: frozenset[str] = frozenset()
) -> dict[str, dict]:
    """Like `timed`, for engines over the same files, run by run in turn, so that background work
    (compaction, the rest of the machine) falls on all of them alike. A query whose warm-up fits in
    ten budgets runs at least once more, which is the measurement: always for the `caching`
    runners (a repeated question is what their cache serves), for the others only while their
    warm-up fits in the budget (they cache nothing, so a slow warm-up already measures them)."""
    rows, first = {}, {}
    for name, run in runners.items():
        start = time.perf_counter()
        rows[name] = run()
        first[name] = time.perf_counter() - start
    slowest = max(first.values())
    if slowest > 10 * budget_s:  # too slow to repeat within a bench's time: the warm-up is the measurement
        return {
            k: {"p50_ms": v * 1000, "p95_ms": v * 1000, "runs": 1, "rows": rows[k], "first_ms": v * 1000}
            for k, v in first.items()
        }
    times: dict[str, list[float]] = {name: [] for name in runners}
    again = {name: run for name, run in runners.items() if name in caching or first[name] <= budget_s}
    for name in set(runners) - set(again):
        times[name].append(first[name] * 1000)
    for _ in range(max(1, min(reps, int(budget_s / max(max(first[n] for n in again), 1e-6))))):
        for name, run in again.items():
            t = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - t) * 1000)
    return {
        # first_ms: the warm-up run, kept because for a query whose answers are cached by store
        # version (`cache: store-version`) it is the figure after a write; p50 is a cache hit.
        k: {
            "p50_ms": statistics.median(v),
            "p95_ms": percentile(v, 0.95),
            "runs": len(v),
            "rows": rows[k],
            "first_ms": first[k] * 1000,
        }
        for k, v in times.items()
    }


def plant_roles(loaded: Loaded, doc: Generated) -> None:
    """Add the partners the generator wrote into the text as involvements, and rebuild the graph.

    Only for `--roles planted`: it stands in for role extraction while the loader's own is thin,
    so the co-responsibility workload has the shape real reports give it.
    """
    report = loaded.report
    low = doc.place
    for finding in report.findings:
        for m in finding.measures:
            for dept in doc.planted.get((finding.order, m.ordinal), []):
                surface = low[-1] + dept
                at = report.text.find(surface, m.span.start, m.span.end)
                if at < 0:
                    raise ValueError(f"{doc.name}: planted {surface} not in finding {finding.order}/{m.ordinal}")
                org = report.orgs.setdefault(
                    low + dept, Organisation(low + dept, "government-department", report.place)
                )
                org.aliases.add(surface)
                m.involvements.append(
                    Involvement(low + dept, "partner", surface, "planted", Span(at, at + len(surface)))
                )
    loaded.triples = to_triples(report, loaded.key)
    loaded.__dict__.pop("graph", None)  # a Graph built before planting is stale


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


CORPORA = Path(__file__).resolve().parent / "data"  # gitignored: generated corpora, reused across runs


def corpus_files(n: int, seed: int) -> list[Path]:
    """The corpus as text files, as a user would hand it to `rectkg ingest`; written once per N and seed."""
    folder = CORPORA / f"corpus-s{seed}-n{n}"
    done = folder / ".complete"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for doc in Generator(seed).corpus(n):
            (folder / f"{doc.name}.txt").write_text(doc.text, encoding="utf-8")
        done.touch()
    return sorted(folder.glob("*.txt"))


def ingest(files: list[Path], store: OxigraphStore, batch: int = SIZE) -> dict:
    """`rectkg ingest FOLDER`'s path: files read across the cores (rectkg.reading), one writer
    taking them `batch` at a time (rectkg.batches).

    `load_s` is the time the writer waited for readings (reading not hidden behind writing),
    `write_s` the time it spent writing, including the final flush."""
    chars = sum(len(f.read_text(encoding="utf-8")) for f in files)
    start = time.perf_counter()
    load_s = write_s = 0.0
    batches = Batches(store, _written, batch)
    readings = read_files(files, extra=batch)
    for _ in files:
        t = time.perf_counter()
        reading = next(readings)
        load_s += time.perf_counter() - t
        if reading.loaded is None:
            raise RuntimeError(f"{reading.path}: {reading.error}")
        t = time.perf_counter()
        batches.add(reading)
        write_s += time.perf_counter() - t
    t = time.perf_counter()
    batches.flush()
    if store.compaction_due():
        store.compact()
    store.close()
    write_s += time.perf_counter() - t
    total = time.perf_counter() - start
    return _ingest_figures(len(files), chars, total, load_s, write_s)


def _written(reading: Reading, error: str | None) -> None:
    if error is not None:
        raise RuntimeError(f"{reading.path}: {error}")


def ingest_planted(docs: list[Generated], store: OxigraphStore) -> dict:
    """`--roles planted`: one by one in this process, since the planted roles change each reading."""
    load_s = write_s = 0.0
    for doc in docs:
        t = time.perf_counter()
        loaded = load_bytes(doc.text.encode("utf-8"), doc.name)
        load_s += time.perf_counter() - t
        plant_roles(loaded, doc)  # not timed: it replaces the triples load_bytes already built
        t = time.perf_counter()
        store.replace_graph(loaded.graph_iri, loaded.triples)
        write_s += time.perf_counter() - t
    t = time.perf_counter()
    store.close()
    write_s += time.perf_counter() - t
    return _ingest_figures(len(docs), sum(len(d.text) for d in docs), load_s + write_s, load_s, write_s)


def _ingest_figures(reports: int, chars: int, total: float, load_s: float, write_s: float) -> dict:
    return {
        "ingest_s": total,
        "load_s": load_s,
        "write_s": write_s,
        "ingest_reports_per_s": reports / total,
        "ingest_chars_per_s": chars / total,
        "chars": chars,
    }


def cpu_s() -> float:
    """CPU seconds of this process and the children it has waited for (readers, the server once
    stopped, rdflib's): beside each phase's wall time, what it would take on an idle machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    """The largest resident size of this process or any reader process it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


TYPICAL = {
    "report": "SELECT ?v WHERE { ?v a rk:Report ; rk:text ?t } ORDER BY STRLEN(?t) ?v",
    "finding": "SELECT ?v ?report WHERE { ?v a rk:Finding ; rk:report ?report ; rk:order ?o } ORDER BY ?o",
    # Partners count far above leads, so a department that partners wins when there is one. Counted
    # per organisation before its label is joined: joined first, every report that labels it again
    # multiplied its rows (N = 100: 1.6 s of the bench's setup, 0.6 s this way).
    "department": "SELECT ?v ?n WHERE { "
    "{ SELECT ?o (SUM(IF(?role = rk:partner, 1000, 1)) AS ?n) WHERE { ?i rk:agent ?o ; rk:role ?role } GROUP BY ?o } "
    "FILTER NOT EXISTS { ?o rk:generic true } FILTER NOT EXISTS { ?o rk:internalUnit true } "
    "{ SELECT DISTINCT ?o ?v WHERE { ?o skos:prefLabel ?l BIND(STR(?l) AS ?v) } } } ORDER BY DESC(?n) ?v",
}
MIDDLE = {"report", "finding"}


def typical_values(store: OxigraphStore) -> dict[str, str]:
    """A middle-sized report, its middle finding, the department named most often as partner."""
    out = {"role": "partner"}
    for name, query in TYPICAL.items():
        bindings = {"report": Term("iri", out["report"])} if name == "finding" and "report" in out else None
        rows = store.select(iris.sparql_prefixes() + query, bindings).rows
        if rows:
            out[name] = rows[len(rows) // 2 if name in MIDDLE else 0]["v"].value
    if "department" in out:
        out["name"] = out["department"]  # organisations and departments-across-reports: a name
    return out


def analyze(store: OxigraphStore) -> int:
    """What `rectkg analyze` computes before printing: the graphs, the pairs, the centrality."""
    from graph.analytics import analyse

    result = analyse(store)
    return len(result.pairs()) + len(result.centrality())


LIVE = Path(__file__).resolve().parents[1] / "queries" / "live" / "shared-responsibility.rq"


def cases(
    values: dict[str, str], live: bool, only: set[str] | None = None
) -> list[tuple[SavedQuery, str, dict[str, str]]]:
    """Every saved query without parameters and with each parameter at its typical value, and
    (with `live`) the on-the-fly self-join the materialised pairs replace, for comparison."""
    extra = [parse("shared-responsibility-live", LIVE.read_text(encoding="utf-8"))] if live else []
    out = []
    for q in [*saved_queries().values(), *extra]:
        if only and q.name not in only:
            continue
        required = {p.name: values[p.name] for p in q.params if p.required}
        out.append((q, "+".join(required) or "all", required))
        for p in q.params:
            if not p.required and p.name in values:
                out.append((q, "+".join([*required, p.name]), required | {p.name: values[p.name]}))
    return out


def raw_runner(store: ox.Store, q: SavedQuery, params: dict[str, str]) -> Callable[[], int]:
    bound = q.bindings(params)
    subs = {ox.Variable(k): to_ox(v) for k, v in bound.items()}
    text = q.text_for(bound)  # the very text the product runs (a variant, where one fits)

    def run() -> int:
        answer = store.query(text, use_default_graph_as_union=True, substitutions=subs)
        return sum(1 for sol in answer for _ in [tuple(sol)])

    return run


def product_runner(store: OxigraphStore, q: SavedQuery, params: dict[str, str]) -> Callable[[], int]:
    return lambda: len(q.run(store, params).rows)


def chosen_pages(store: OxigraphStore, values: dict[str, str], skip: set[str] | None, page_set: str = "all") -> dict:
    """The investigator's pages in the set `page_set`, with parameters from the store (bench/pages.py)."""
    from bench import pages

    return pages.page_set(pages.pages(pages.page_values(store, values), skip or set()), page_set)


def _http(
    path: Path, chosen: dict, values: dict[str, str], reps: int, budget_s: float, api_cases: bool, settings
) -> tuple[dict, dict | None]:
    """The served app: the API cases and the pages `chosen` (`settings`: bench.http.PageSettings)."""
    from bench.http import measure_http

    return measure_http(
        path,
        values,
        single=max(3, reps),
        per_client=2,
        budget_s=budget_s,
        api_cases=api_cases,
        chosen=chosen,
        page_settings=settings,
    )


def measure_size(
    n: int,
    *,
    seed: int,
    planted: bool,
    reps: int,
    budget_s: float,
    rdflib_max: int,
    rdflib_timeout_s: float,
    live_max: int,
    rdflib_jobs: int = 1,
    rdflib_alongside: bool = False,
    rdflib_handoff: Path | None = None,
    rdflib_from: Path | None = None,
    only: set[str] | None = None,
    skip: set[str] | None = None,
    http: bool = True,
    memory_max: int = 1_000_000,
    analyze_max: int = 1_000_000,
    page_reps: int = 5,
    load_s: float = 60.0,
    api_cases: bool = True,
    page_set: str = "all",
    page_write: bool = True,
) -> dict:
    """Everything for one N; the raw on-disk store opens the very files the product store wrote.

    Both open them read-only after the writer has closed, as `rectkg serve` would beside an
    ingest, and run query by query in turn. With `rdflib_handoff` (a folder), this N's store and
    rdflib baseline are left there for the next N's process, which times it (`rdflib_from`)
    alongside its own queries and returns the figures as `rdflib_handed`.
    """
    result: dict = {"corpus_reports": n, "roles": "planted" if planted else "extracted"}
    with tempfile.TemporaryDirectory(prefix="rectkg-bench-") as tmp:
        path = (rdflib_handoff or Path(tmp)) / "store"
        store = OxigraphStore(path)
        cpu = cpu_s()
        if planted:
            result.update(ingest_planted(Generator(seed).corpus(n), store))
        else:
            result.update(ingest(corpus_files(n, seed), store))
        result["peak_rss_mb"] = peak_rss_mb()
        phases = result["phase_s"] = {"ingest": result["ingest_s"]}
        cpu_phases = result["phase_cpu_s"] = {"ingest": cpu_s() - cpu}
        mark, cpu = time.perf_counter(), cpu_s()

        def phase(name: str) -> None:
            nonlocal mark, cpu
            phases[name], cpu_phases[name] = time.perf_counter() - mark, cpu_s() - cpu
            mark, cpu = time.perf_counter(), cpu_s()

        result["store_bytes"] = dir_size(path)
        del store
        gc.collect()  # the writer is closed; its lock goes with it
        rdflib_figures = rdflib_handed = None
        rdflib_settings = (budget_s, rdflib_timeout_s, rdflib_jobs)
        if rdflib_from is not None:  # the previous N's baseline, started now, on the other core
            from bench.baselines import handed_times_started

            rdflib_handed = handed_times_started(rdflib_from, *rdflib_settings)
        product = OxigraphStore(path, read_only=True)
        raw = ox.Store.read_only(str(path))
        result["triples"] = product.triple_count()
        values = typical_values(product)
        result["typical"] = values
        todo = [c for c in cases(values, live=n <= live_max, only=only) if c[0].name not in (skip or set())]
        phase("setup")
        if n <= rdflib_max:
            from bench.baselines import hand_over, rdflib_times, rdflib_times_started

            if rdflib_handoff is not None:
                hand_over(rdflib_handoff, todo)
            elif rdflib_alongside:  # started now, on the other core
                rdflib_figures = rdflib_times_started(path, todo, *rdflib_settings)
            else:  # run when asked for, after the product's figures
                quads = raw.quads_for_pattern(None, None, None, None)
                rdflib_figures = partial(rdflib_times, quads, todo, *rdflib_settings)
        queries: dict[str, dict] = {}
        for q, case, params in todo:
            runners = {"product": product_runner(product, q, params), "pyoxigraph_disk": raw_runner(raw, q, params)}
            queries[f"{q.name}[{case}]"] = timed_together(runners, reps, budget_s, caching=frozenset({"product"}))
        phase("queries")

        def rdflib_baseline() -> None:
            for key, figures in rdflib_figures().items():
                queries[key]["rdflib"] = figures
            phase("rdflib baseline")

        # A baseline started alongside the product's queries, in a process of its own, is waited for
        # here, so that no later phase (the pages above all) shares the machine with it. One run in
        # this process runs last, so that its rdflib graph's cycles are collected in no timed phase.
        if rdflib_figures is not None and rdflib_alongside:
            rdflib_baseline()
        if rdflib_handed is not None:
            result["rdflib_handed"] = rdflib_handed()
            phase("previous N's rdflib baseline")
        if n <= analyze_max:
            result["analyze"] = timed(lambda: analyze(product), 3, budget_s)
            phase("analyze")
        if http:
            chosen = chosen_pages(product, values, skip, page_set)
            phase("page values")
            from bench.http import PageSettings

            settings = PageSettings(reps=page_reps, load_s=load_s, seed=seed, after_write=page_write)
            result["http"], result["pages"] = _http(path, chosen, values, reps, budget_s, api_cases, settings)
            phase("http")
        if n <= memory_max:
            memory = ox.Store()
            dumped = raw.dump(format=ox.RdfFormat.N_QUADS)
            result["nquads_bytes"] = len(dumped)  # the target: the store at most twice its N-Quads
            memory.bulk_load(dumped, format=ox.RdfFormat.N_QUADS)
            del dumped
            for q, case, params in todo:
                key = f"{q.name}[{case}]"
                queries[key]["pyoxigraph_memory"] = timed(raw_runner(memory, q, params), reps, budget_s)
            del memory
            phase("memory baseline")
        if rdflib_figures is not None and not rdflib_alongside:
            rdflib_baseline()
    result["queries"] = queries
    return result
