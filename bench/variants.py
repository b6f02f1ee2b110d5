"""`python -m bench.variants STORE [--sample K]`: each query variant beside its base text.

A variant (`queries/NAME+PARAM.rq`) exists only to be faster for a bound parameter, and must
answer exactly as the base text does. tests/test_queries.py checks that on the sample reports;
this checks it on a bench store at scale, for K values of the parameter drawn from its drop-down
(seeded), and prints the first-run times of both texts (no answer cache), so a variant's gain is
measured where it matters. Exits 1 if any answer differs. Build a store with
`python -m bench.shared_responsibility --reports 1000 --store PATH`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from graph.store import OxigraphStore
from queries import catalog
from queries.catalog import SavedQuery


def timed(store: OxigraphStore, query: SavedQuery, values: dict[str, str]) -> tuple[list, float]:
    start = time.perf_counter()
    result = query._select(store, query.bindings(values))  # no answer cache: every run is computed
    rows = [sorted((k, v.value) for k, v in row.items()) for row in result.rows]
    return rows, (time.perf_counter() - start) * 1000


def compare(store: OxigraphStore, query: SavedQuery, picked: list[dict[str, str]]) -> dict:
    """Base text and product text for each set of picked values: times in ms, answers agreeing."""
    base = replace(query, variants=())
    base_ms, variant_ms, differ = [], [], []
    for i, values in enumerate(picked):
        if i % 2:  # alternate which text runs first, so neither always meets the other's warm cache
            got, fast = timed(store, query, values)
            expected, slow = timed(store, base, values)
        else:
            expected, slow = timed(store, base, values)
            got, fast = timed(store, query, values)
        base_ms.append(slow)
        variant_ms.append(fast)
        if got != expected:
            differ.append(values)
    return {
        "values": len(picked),
        "base_ms_p50": round(statistics.median(base_ms), 1),
        "variant_ms_p50": round(statistics.median(variant_ms), 1),
        "differ": differ,
    }


def pick(store: OxigraphStore, query: SavedQuery, params: frozenset[str], count: int, seed: int) -> list[dict]:
    """`count` sets of values for the variant's parameters, each drawn from its drop-down; one
    with no drop-down but a default (recurring-problems' `min_score`) is left to its default."""
    drawn = {}
    for param in sorted(params):
        declared = next(p for p in query.params if p.name == param)
        if declared.default and not declared.enumerate:
            continue
        enumeration = declared.enumerate
        values = [value for value, _label in catalog.choices(store, enumeration)]
        drawn[param] = random.Random(seed).sample(values, min(count, len(values)))
    return [dict(zip(drawn, row, strict=True)) for row in zip(*drawn.values(), strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--sample", type=int, default=5, help="parameter values per variant")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    store = OxigraphStore(args.store, read_only=True)
    out = {}
    for name, query in catalog.saved_queries().items():
        for params, _text in query.variants:
            label = "+".join([name, *sorted(params)])
            out[label] = compare(store, query, pick(store, query, params, args.sample, args.seed))
            print(f"{label}: {json.dumps(out[label], ensure_ascii=False)}", flush=True)
    sys.exit(1 if any(r["differ"] for r in out.values()) else 0)


if __name__ == "__main__":
    main()
