"""`python -m bench.query_oracle STORE --record FILE` / `--check FILE`: saved queries' answers, kept.

Rewriting a saved query for speed must not change what users see. This runs every saved query
case the benchmark runs (bench.measure.cases: no parameters, then each parameter at its typical
value) on an existing store, prints each case's time, and either records the answers (`--record`)
or compares the current answers with recorded ones (`--check`), row for row and in order. A check
that differs only in row order says so, since ties under ORDER BY may legitimately move.

Record with the original queries first; cases are merged into FILE as they finish, so a long
record can be run in parts (`--only`). Build a store with `rectkg --store PATH ingest DIR`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bench.measure import cases, typical_values
from graph.store import OxigraphStore, Result
from queries.catalog import SavedQuery


def answer_cells(result: Result) -> dict:
    """An answer as JSON: its columns and each row's cells as [kind, value, datatype, lang]."""
    rows = [
        [None if (t := row.get(v)) is None else [t.kind, t.value, t.datatype, t.lang] for v in result.variables]
        for row in result.rows
    ]
    return {"columns": result.variables, "rows": rows}


def run_case(store: OxigraphStore, q: SavedQuery, params: dict[str, str], reps: int) -> tuple[dict, list[float]]:
    """The answer and the times in ms: one run, then up to `reps` more while they stay under 2 s."""
    times = []
    t = time.perf_counter()
    result = q._select(store, q.bindings(params))  # no answer cache: every run is computed
    times.append((time.perf_counter() - t) * 1000)
    while len(times) <= reps and sum(times) < 2000:
        t = time.perf_counter()
        q._select(store, q.bindings(params))
        times.append((time.perf_counter() - t) * 1000)
    return answer_cells(result), times


def compare(old: dict, new: dict) -> str:
    """'same', 'order' (same rows in another order) or a short description of the difference."""
    if old == new:
        return "same"
    if old["columns"] != new["columns"]:
        return f"columns {old['columns']} -> {new['columns']}"
    if sorted(map(json.dumps, old["rows"])) == sorted(map(json.dumps, new["rows"])):
        return "order"
    return f"rows differ ({len(old['rows'])} -> {len(new['rows'])})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", type=Path, metavar="FILE")
    mode.add_argument("--check", type=Path, metavar="FILE")
    ap.add_argument("--only", default="", help="comma-separated saved-query names (default: all)")
    ap.add_argument("--skip", default="", help="comma-separated saved-query names left out")
    ap.add_argument("--reps", type=int, default=5, help="runs after the first, while under 2 s in all")
    args = ap.parse_args(argv)
    store = OxigraphStore(args.store, read_only=True)
    values = typical_values(store)
    only = set(filter(None, args.only.split(",")))
    skip = set(filter(None, args.skip.split(",")))
    path = args.record or args.check
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    failures = 0
    for q, case, params in cases(values, live=False, only=only):
        if q.name in skip:
            continue
        key = f"{q.name}[{case}]"
        if args.check and key not in kept:
            continue
        answer, times = run_case(store, q, params, args.reps)
        verdict = ""
        if args.record:
            kept[key] = answer
            path.write_text(json.dumps(kept, ensure_ascii=False, indent=0), encoding="utf-8")
        else:
            verdict = compare(kept[key], answer)
            failures += verdict != "same"
        print(
            f"{key:45} {len(answer['rows']):6} rows  p50 {statistics.median(times):9.1f} ms  "
            f"first {times[0]:9.1f} ms  {verdict}",
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
