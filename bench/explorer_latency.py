"""The graph explorer and the busiest department's page as a visitor meets them, on the real app
(`rectkg serve`) over a copy of a bench store.

Cases: the explorer's page (it opens on the most shared department), that start node, its
expansion, the expansion of its first measure (which reaches a finding), of that finding, and the
page of the department in the most measures. Times the first visit of each after the app starts,
then `--rounds` times: one new report ingested through the running app and the first visit of each
case right after that write, then `--reps` visits more. Prints JSON: p50/p95 per case, first visits
and later ones apart, and the cases' paths (`--paths` takes them back, for an app whose expansion
never answers, like `main` before the explorer read around a node). As with
bench/search_latency.py, the app served is the one on PYTHONPATH (a checkout of `main` for the
figures before a change).

    .venv/bin/python -m bench.explorer_latency /tmp/perf/store1000 --reps 10 --rounds 3
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
from pathlib import Path

from bench.dashboard_latency import visit
from bench.http import serving
from bench.search_latency import TIMEOUT_S, figures, ingest, scratch_copy

log = logging.getLogger(__name__)
BUSIEST = """SELECT ?org (COUNT(?m) AS ?n) WHERE { ?i a rk:Involvement ; rk:agent ?org ; rk:measure ?m }
GROUP BY ?org ORDER BY DESC(?n) ?org LIMIT 1"""


def busiest_department(store: Path) -> str:
    """The department in the most measures (read before the app holds the store)."""
    from graph.store import open_store
    from ontology import iris

    reader = open_store(str(store), read_only=True)
    try:
        return reader.select(iris.sparql_prefixes() + BUSIEST).rows[0]["org"].value
    finally:
        reader.close()


def cases(base: str, busiest: str) -> dict[str, str]:
    """Each case's URL, found as the page finds them: the start from the explorer's page, then
    the first measure of its expansion and that measure's finding."""
    import requests

    from ontology import iris

    page = requests.get(base + "/graph/", timeout=TIMEOUT_S).text
    start = json.loads(html.unescape(re.search(r'data-params="([^"]*)"', page).group(1)))["start"]
    api = base + "/graph/api/"
    grown = requests.get(api + "expand", params={"iri": start, "have": 1}, timeout=TIMEOUT_S).json()
    measure = next(n["id"] for n in grown["nodes"] if n["kind"] == "measure")
    around = requests.get(api + "expand", params={"iri": measure, "have": 2}, timeout=TIMEOUT_S).json()
    finding = next(n["id"] for n in around["nodes"] if n["kind"] == "finding")
    api = "/graph/api/"
    q = requests.models.RequestEncodingMixin._encode_params  # the same encoding requests uses
    return {
        "explorer page": "/graph/",
        "start node": api + "node?" + q({"iri": start}),
        "expand start": api + "expand?" + q({"iri": start, "have": 1}),
        "expand measure": api + "expand?" + q({"iri": measure, "have": 2}),
        "expand finding": api + "expand?" + q({"iri": finding, "have": 3}),
        "busiest department page": "/id/" + busiest[len(iris.ID) :],
    }


def measure(store: Path, reps: int, rounds: int, paths: dict[str, str] | None) -> dict:
    busiest = "" if paths else busiest_department(store)
    with scratch_copy(store, rounds) as (copy, files), serving(copy) as base:
        first_after_start = {"explorer page": visit(base + "/graph/")}
        urls = {k: base + v for k, v in (paths or cases(base, busiest)).items()}
        first: dict[str, list] = {name: [] for name in urls}
        later: dict[str, list] = {name: [] for name in urls}
        for path in files:
            ingest(copy, path)
            for name, url in urls.items():
                first[name].append(visit(url))
            for _ in range(reps):
                for name, url in urls.items():
                    later[name].append(visit(url))
    return {
        "first_visit_after_start": {k: {"ms": round(ms, 1), "status": s} for k, (ms, s) in first_after_start.items()},
        "first_visit_after_ingest": {k: _figures(v) for k, v in first.items()},
        "later_visits": {k: _figures(v) for k, v in later.items()},
        "paths": {k: v[len(base) :] for k, v in urls.items()},
    }


def _figures(runs: list[tuple[float, int]]) -> dict:
    return figures([ms for ms, _ in runs], [s for _, s in runs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--paths",
        type=Path,
        help="the cases' paths from an earlier run's JSON (`paths`), for an app that cannot find them",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    paths = json.loads(args.paths.read_text())["paths"] if args.paths else None
    print(json.dumps(measure(args.store, args.reps, args.rounds, paths), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
