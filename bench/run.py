"""`python -m bench.run --name quick --sizes 10,100`: measure each N in its own process, then
summarise, print the figures beside their baselines, write bench/results/<name>.json and plots.

Each N runs in a fresh child process so that peak memory (ru_maxrss) belongs to that N alone and
one size's caches cannot flatter the next.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = ("product", "pyoxigraph_disk", "pyoxigraph_memory", "rdflib")
LIVE_PREFIX = "shared-responsibility-live"

log = logging.getLogger("bench")


def _p50(figures: dict) -> float | None:
    """p50 in ms; for an rdflib run killed at its limit, the limit (a lower bound)."""
    if "p50_ms" in figures:
        return figures["p50_ms"]
    if "timeout_s" in figures:
        return figures["timeout_s"] * 1000
    return None


def summarise(sizes: dict[int, dict]) -> dict:
    """The headline keys, from the largest N (and the largest N that has rdflib figures)."""
    top = sizes[max(sizes)]
    q = top["queries"]
    saved = {k: v for k, v in q.items() if not k.startswith(LIVE_PREFIX)}
    ratios = [v["product"]["p50_ms"] / v["pyoxigraph_disk"]["p50_ms"] for v in saved.values()]
    # First runs: the product's answer cache is empty, so this is engine against engine plus conversion.
    first_ratios = [
        v["product"]["first_ms"] / v["pyoxigraph_disk"]["first_ms"]
        for v in saved.values()
        if "first_ms" in v["product"] and "first_ms" in v["pyoxigraph_disk"]
    ]
    with_rdflib = [n for n, r in sizes.items() if any("rdflib" in v for v in r["queries"].values())]
    speedups = []
    if with_rdflib:
        rq = sizes[max(with_rdflib)]["queries"]
        # rdflib runs once, cold (no warm-up): set against the product's first run, not a cache hit.
        speedups = [
            _p50(v["rdflib"]) / v["product"].get("first_ms", v["product"]["p50_ms"])
            for k, v in rq.items()
            if "rdflib" in v and not k.startswith(LIVE_PREFIX)
        ]
    return {
        "corpus_reports": top["corpus_reports"],
        "triples": top["triples"],
        "shared_responsibility_p50_ms": q["shared-responsibility[all]"]["product"]["p50_ms"],
        "shared_responsibility_department_p50_ms": q["shared-responsibility[department]"]["product"]["p50_ms"],
        "shared_responsibility_live_p50_ms": q.get(f"{LIVE_PREFIX}[all]", {}).get("product", {}).get("p50_ms"),
        "saved_query_ratio_vs_pyoxigraph_median": statistics.median(ratios),
        "saved_query_ratio_vs_pyoxigraph_max": max(ratios),
        "saved_query_first_run_ratio_vs_pyoxigraph_median": statistics.median(first_ratios) if first_ratios else None,
        "saved_query_first_run_ratio_vs_pyoxigraph_max": max(first_ratios, default=None),
        "speedup_vs_rdflib_median": statistics.median(speedups) if speedups else None,
        "speedup_vs_rdflib_min": min(speedups) if speedups else None,
        "rdflib_corpus_reports": max(with_rdflib) if with_rdflib else None,
        "ingest_reports_per_s": top["ingest_reports_per_s"],
        "ingest_chars_per_s": top["ingest_chars_per_s"],
        "peak_rss_mb": top["peak_rss_mb"],
        "analyze_p50_ms": top.get("analyze", {}).get("p50_ms"),
        "http_p95_16_over_p50_1_max": max(
            (v["concurrent"]["p95_ms"] / v["single"]["p50_ms"] for v in top.get("http", {}).values()), default=None
        ),
        "http_errors": sum(v["single"]["errors"] + v["concurrent"]["errors"] for v in top.get("http", {}).values()),
        # refusals with Retry-After were counted as errors before 2026-12-07 (no such key then)
        "http_refused": sum(
            v["single"].get("refused", 0) + v["concurrent"].get("refused", 0) for v in top.get("http", {}).values()
        ),
        "store_bytes": top["store_bytes"],
        "nquads_bytes": top.get("nquads_bytes"),
        **_pages_headline(sizes),
    }


def _pages_headline(sizes: dict[int, dict]) -> dict:
    """The page mix's keys (bench.pages.headline) from the largest N that measured it, and that N."""
    from bench.pages import headline

    measured = [n for n, r in sizes.items() if r.get("pages")]
    if not measured:
        return {"page_p95_ms": None, "http_p95_16_over_p50_1": None, "pages_corpus_reports": None}
    return headline(sizes[max(measured)]["pages"]) | {"pages_corpus_reports": max(measured)}


def table(sizes: dict[int, dict]) -> str:
    """Markdown: one row per N and query case, each engine's p50 and the product's ratio to it."""
    lines = [
        "| N | query[case] | rows | product p50 / p95 ms | product first run ms (raw's first run ÷ it) "
        "| raw pyoxigraph disk | raw in memory | rdflib |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(sizes.items()):
        for key, v in r["queries"].items():
            p = v["product"]
            cells = []
            for engine in ENGINES[1:]:
                base = _p50(v[engine]) if engine in v else None
                if base is None:
                    cells.append("–")
                    continue
                mark = ">" if "timeout_s" in v[engine] else ""
                if v[engine].get("rows", p["rows"]) != p["rows"]:
                    mark = f"{v[engine]['rows']} rows! " + mark
                cells.append(f"{mark}{base:.1f} ms ({base / p['p50_ms']:.2f}×)")
            lines.append(
                f"| {n} | {key} | {p['rows']} | {p['p50_ms']:.1f} / {p['p95_ms']:.1f} | {_first(v)} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def _first(v: dict) -> str:
    """The product's first run (empty answer cache) and its ratio to raw pyoxigraph's first run."""
    mine, raw = v["product"].get("first_ms"), v.get("pyoxigraph_disk", {}).get("first_ms")
    if mine is None:
        return "–"
    return f"{mine:.1f}" + (f" ({raw / mine:.2f}×)" if raw else "")


def ingest_table(sizes: dict[int, dict]) -> str:
    lines = [
        "| N | triples | chars | ingest s | reports/s | chars/s | load s | write s | store MB | peak RSS MB "
        "| analyze ms | store ÷ its N-Quads |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(sizes.items()):
        lines.append(
            f"| {n} | {r['triples']:,} | {r['chars']:,} | {r['ingest_s']:.1f} | {r['ingest_reports_per_s']:.2f} | "
            f"{r['ingest_chars_per_s']:,.0f} | {r['load_s']:.1f} | {r['write_s']:.1f} | "
            f"{r['store_bytes'] / 2**20:.0f} | {r['peak_rss_mb']:.0f} | "
            f"{r['analyze']['p50_ms'] if 'analyze' in r else float('nan'):,.0f} | {over_nquads(r)} |"
        )
    return "\n".join(lines)


def over_nquads(r: dict) -> str:
    """The store's size on disk over the size of its quads as N-Quads (measured from 2026-12-07)."""
    return f"{r['store_bytes'] / r['nquads_bytes']:.2f}×" if r.get("nquads_bytes") else "–"


def http_table(sizes: dict[int, dict]) -> str:
    """Markdown: each HTTP case with 1 and 16 clients; the target is p95(16) ≤ 3 × p50(1), no errors."""
    lines = [
        "| N | case | 1 client p50 / p95 ms | 1 client req/s | 16 clients p50 / p95 ms | 16 clients req/s "
        "| errors; refused with Retry-After | p95(16) ÷ p50(1) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(sizes.items()):
        for case, v in r.get("http", {}).items():
            one, many = v["single"], v["concurrent"]
            lines.append(
                f"| {n} | {case} | {one['p50_ms']:.1f} / {one['p95_ms']:.1f} | {one['throughput_rps']:.1f} | "
                f"{many['p50_ms']:.1f} / {many['p95_ms']:.1f} | {many['throughput_rps']:.1f} | "
                f"{one['errors'] + many['errors']} of {one['requests'] + many['requests']}; "
                f"{_refused(one, many)} | "
                f"{many['p95_ms'] / one['p50_ms']:.1f}× |"
            )
    return "\n".join(lines)


def _refused(*runs: dict) -> str:
    """Refusals with Retry-After, or "–" for runs before they were told from errors."""
    return "–" if any("refused" not in run for run in runs) else str(sum(run["refused"] for run in runs))


def pages_table(sizes: dict[int, dict]) -> str:
    """Markdown: each page's first request after the server started and after an ingest through
    it, and its later requests (one client); the target is p95 ≤ 1 s and p50 ≤ 300 ms."""
    lines = [
        "| N | page | first after start ms | first after an ingest ms | later p50 / p95 ms (requests) | statuses |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in sorted(sizes.items()):
        found = r.get("pages")
        if not found:
            continue
        for name, later in found["later"].items():
            firsts = [found.get(key, {}).get(name) for key in ("first_after_start", "first_after_ingest")]
            statuses = Counter(later["statuses"]) + Counter(f["status"] for f in firsts if f)
            start, ingest = (f"{f['ms']:,.0f}" if f else "–" for f in firsts)  # quick: no write, no second
            lines.append(
                f"| {n} | {name} | {start} | {ingest} | "
                f"{later['p50_ms']:,.0f} / {later['p95_ms']:,.0f} ({later['requests']}) | "
                + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items()))
                + " |"
            )
    return "\n".join(lines)


def mix_table(sizes: dict[int, dict]) -> str:
    """Markdown: the page mix with one client and with 16; target: no errors, p95(16) ≤ 3 × p50(1)."""
    from bench.pages import MIXES

    lines = [
        "| N | clients | seconds | requests | req/s | p50 / p95 / max ms | errors | shed (503 + Retry-After) "
        "| p95 ÷ p50 of 1 client |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in sorted(sizes.items()):
        found = r.get("pages")
        if not found:
            continue
        base = found["mix_1"]["p50_ms"]
        for m in (found[k] for k in MIXES if k in found):
            clients = f"{m['clients']} (wait as 503s ask)" if m.get("polite") else m["clients"]
            lines.append(
                f"| {n} | {clients} | {m['seconds']:g} | {m['requests']} | {m['throughput_rps']:.1f} | "
                f"{m['p50_ms']:,.0f} / {m['p95_ms']:,.0f} / {m['max_ms']:,.0f} | {m['errors']} | {m['shed']} | "
                f"{m['p95_ms'] / base:.1f}× |"
            )
    return "\n".join(lines)


def machine() -> dict:
    import os

    import pyoxigraph
    import rdflib

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "platform": platform.platform(),
    }


def skipped(n: int, args: argparse.Namespace) -> list[str]:
    """`--skip`, plus the `--skip-from N:names` left out at this N and above."""
    names = [name for name in args.skip.split(",") if name]
    if args.skip_from:
        at, _, more = args.skip_from.partition(":")
        names += [name for name in more.split(",") if name and n >= int(at)]
    return names


def spent(figures: dict) -> str:
    """Where one N's time went, phase by phase (the pages' own phases inside `http`), for the log."""
    phases = figures.get("phase_s", {}) | {
        f"pages {k}": v for k, v in (figures.get("pages") or {}).get("phase_s", {}).items()
    }
    cpu = figures.get("phase_cpu_s", {})
    return ", ".join(f"{k} {v:.1f}" + (f" (CPU {cpu[k]:.1f})" if k in cpu else "") for k, v in phases.items())


def measure_in_child(n: int, args: argparse.Namespace, handoff: Path | None, handed: Path | None) -> dict:
    """`handoff`: where this N leaves its rdflib baseline; `handed`: where the previous N left its own."""
    cmd = [sys.executable, "-m", "bench.run", "--one", str(n), "--seed", str(args.seed), "--reps", str(args.reps)]
    cmd += ["--budget", str(args.budget), "--rdflib-max", str(args.rdflib_max), "--roles", args.roles]
    cmd += ["--rdflib-timeout", str(args.rdflib_timeout), "--rdflib-jobs", str(args.rdflib_jobs)]
    cmd += ["--rdflib-alongside"] if args.rdflib_alongside else []
    cmd += ["--live-max", str(args.live_max), "--only", args.only]
    cmd += ["--skip", ",".join(skipped(n, args)), "--http-min", str(args.http_min), "--http-max", str(args.http_max)]
    cmd += ["--memory-max", str(args.memory_max), "--analyze-max", str(args.analyze_max)]
    cmd += ["--page-reps", str(args.page_reps), "--load", str(args.load), "--page-set", args.page_set]
    cmd += [] if args.api_cases else ["--no-api-cases"]
    cmd += [] if args.page_write else ["--no-page-write"]
    cmd += ["--rdflib-handoff", str(handoff)] if handoff else []
    cmd += ["--rdflib-from", str(handed)] if handed else []
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)  # stderr: the log, passed on
    return json.loads(out.stdout)


def hands_over(n: int, after: int | None, args: argparse.Namespace) -> bool:
    """With --rdflib-alongside, a small N's rdflib baseline outlasts its product queries, so the next
    N, which has no baseline of its own, times it beside its longer ones (`make bench-quick`)."""
    return args.rdflib_alongside and after is not None and n <= args.rdflib_max < after


def at_least_one(text: str) -> int:
    """A count of worker processes: zero would time nothing and still write a result file."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", default="quick")
    ap.add_argument("--sizes", default="10,100")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reps", type=int, default=7, help="timed runs per query after one warm-up")
    ap.add_argument("--budget", type=float, default=2.0, help="seconds per query and engine, at most")
    ap.add_argument("--rdflib-max", type=int, default=100, help="largest N measured on rdflib")
    ap.add_argument("--rdflib-timeout", type=float, default=20.0, help="seconds before an rdflib query is killed")
    ap.add_argument("--rdflib-jobs", type=at_least_one, default=1, help="rdflib queries timed at once (one core each)")
    ap.add_argument(
        "--rdflib-alongside",
        action="store_true",
        help="time rdflib in a process of its own while the product's queries are timed (quick: its time limit)",
    )
    ap.add_argument("--live-max", type=int, default=1000, help="largest N for the on-the-fly self-join")
    ap.add_argument("--only", default="", help="comma-separated saved-query names (default: all)")
    ap.add_argument("--skip", default="", help="comma-separated saved-query names left out")
    ap.add_argument(
        "--skip-from",
        default="",
        help="N:names — saved queries left out from this N on (an answer that grows as N², stated in BENCHMARKS.md)",
    )
    ap.add_argument("--memory-max", type=int, default=1_000_000, help="largest N for the in-memory baseline")
    ap.add_argument("--analyze-max", type=int, default=1_000_000, help="largest N whose analytics are timed")
    ap.add_argument("--http-min", type=int, default=0, help="smallest N whose web app is measured over HTTP")
    ap.add_argument("--http-max", type=int, default=1_000_000, help="largest N whose web app is measured over HTTP")
    ap.add_argument("--page-reps", type=at_least_one, default=5, help="requests per page after its first")
    ap.add_argument("--load", type=float, default=60.0, help="seconds of the page mix, with 1 client and with 16")
    ap.add_argument(
        "--page-set",
        choices=("all", "kinds"),
        default="all",
        help="the pages measured over HTTP: all, or one of each kind (bench.pages.KINDS)",
    )
    ap.add_argument(
        "--no-page-write",
        dest="page_write",
        action="store_false",
        help="no report ingested through the running server, so no first pass of the pages after a write",
    )
    ap.add_argument(
        "--no-api-cases",
        dest="api_cases",
        action="store_false",
        help="over HTTP, only the pages (not the SPARQL and JSON API cases under 16 clients each)",
    )
    ap.add_argument("--roles", choices=("planted", "extracted"), default="extracted")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--rdflib-handoff", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--rdflib-from", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.one is not None else logging.INFO, format="%(message)s")
    if args.one is not None:
        from bench.measure import measure_size

        figures = measure_size(
            args.one,
            seed=args.seed,
            planted=args.roles == "planted",
            reps=args.reps,
            budget_s=args.budget,
            rdflib_max=args.rdflib_max,
            rdflib_timeout_s=args.rdflib_timeout,
            rdflib_jobs=args.rdflib_jobs,
            rdflib_alongside=args.rdflib_alongside,
            rdflib_handoff=args.rdflib_handoff,
            rdflib_from=args.rdflib_from,
            live_max=args.live_max,
            only=set(filter(None, args.only.split(","))),
            skip=set(filter(None, args.skip.split(","))),
            http=args.http_min <= args.one <= args.http_max,
            memory_max=args.memory_max,
            analyze_max=args.analyze_max,
            page_reps=args.page_reps,
            load_s=args.load,
            api_cases=args.api_cases,
            page_set=args.page_set,
            page_write=args.page_write,
        )
        json.dump(figures, sys.stdout, ensure_ascii=False)
        return
    started = time.perf_counter()
    sizes: dict[int, dict] = {}
    todo = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="rectkg-bench-") as tmp:
        handed: Path | None = None  # the previous N's rdflib baseline, for this N to time
        for before, n, after in zip([None, *todo[:-1]], todo, [*todo[1:], None], strict=True):
            t = time.perf_counter()
            handoff = Path(tmp) / f"rdflib-{n}" if hands_over(n, after, args) else None
            if handoff is not None:
                handoff.mkdir()
            sizes[n] = measure_in_child(n, args, handoff, handed)
            sizes[n]["child_s"] = time.perf_counter() - t  # its phase_s and the process's start and end
            for key, figures in sizes[n].pop("rdflib_handed", {}).items():
                sizes[before]["queries"][key]["rdflib"] = figures
            handed = handoff
            log.info("N=%d measured in %.1f s: %s", n, sizes[n]["child_s"], spent(sizes[n]))
            # The figures after every N (a long run keeps what it has); the plots, 1.2 s each time, once.
            result = write(args, sizes, time.perf_counter() - started, plots=after is None)
    print(ingest_table(sizes))
    print()
    print(table(sizes))
    print()
    print(http_table(sizes))
    print()
    print(pages_table(sizes))
    print()
    print(mix_table(sizes))
    print()
    print(json.dumps({k: v for k, v in result.items() if k not in ("sizes", "settings", "machine")}, indent=1))


def write(args: argparse.Namespace, sizes: dict[int, dict], wall_s: float, plots: bool = True) -> dict:
    """bench/results/<name>.json and (`plots`) the two PNG plots, for the sizes measured so far."""
    result = {
        **summarise(sizes),
        "name": args.name,
        "roles": args.roles,
        "settings": vars(args) | {"one": None},
        "machine": machine(),
        "wall_s": wall_s,
        "sizes": {str(n): r for n, r in sizes.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if plots:
        from bench.plot import plot

        t = time.perf_counter()
        plot(sizes, RESULTS / args.name)
        log.info("plots drawn in %.1f s", time.perf_counter() - t)
    return result


if __name__ == "__main__":
    main()
