"""bench.run end to end on a tiny corpus: each N measured in a process of its own, and a smaller
N's rdflib baseline, handed to the next N's process (`--rdflib-alongside`), lands back in the
smaller N's figures."""

from __future__ import annotations

import json
import shlex

import pytest

from bench import growth, pages, run
from queries import catalog

# One run serves both tests (each bench run ingests its corpus and starts servers: ~45 s).
TINY = (
    "--name tiny --sizes 2,3 --reps 1 --budget 0.05 --rdflib-max 2 --rdflib-timeout 5 --rdflib-alongside "
    "--live-max 0 --memory-max 2 --analyze-max 0 --http-min 3 --no-api-cases --load 1 --page-reps 2 "
    "--only shared-responsibility,timeline"
)


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> tuple[dict, list[str]]:
    """The run's result file, and the pictures it drew."""
    folder = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "RESULTS", folder)
        run.main(shlex.split(TINY))
    pictures = sorted(p.name for p in folder.glob("*.png"))
    return json.loads((folder / "tiny.json").read_text(encoding="utf-8")), pictures


def test_a_handed_over_rdflib_baseline_is_filed_under_its_own_n(result):
    sizes = result[0]["sizes"]
    small, large = sizes["2"], sizes["3"]
    assert set(small["queries"]) == set(large["queries"]) and "timeline[report]" in small["queries"]
    assert all("rdflib" in figures for figures in small["queries"].values())
    for case in ("timeline[all]", "timeline[report]", "shared-responsibility[department]"):
        figures = small["queries"][case]  # timed on the small N's data, a string parameter included
        assert figures["rdflib"]["rows"] == figures["product"]["rows"], case
    assert small["queries"]["timeline[all]"]["product"]["rows"] < large["queries"]["timeline[all]"]["product"]["rows"]
    assert all("rdflib" not in figures for figures in large["queries"].values())
    assert "rdflib_handed" not in large
    phases = list(large["phase_s"])  # waited for before the pages, so that they never share the machine with it
    assert phases.index("previous N's rdflib baseline") < phases.index("http")
    assert result[1] == ["tiny-ingest.png", "tiny-latency.png"]


def test_the_store_is_measured_against_its_quads_as_n_quads(result):
    sizes = {int(n): v for n, v in result[0]["sizes"].items()}
    small = sizes[2]  # the in-memory baseline (N ≤ --memory-max) is loaded from that dump
    assert small["nquads_bytes"] > small["triples"] * 40, "an N-Quads line is longer than 40 bytes"
    rows = run.ingest_table(sizes).splitlines()[2:]
    assert rows[0].endswith(f"| {small['store_bytes'] / small['nquads_bytes']:.2f}× |")
    assert rows[1].endswith("| – |"), "N = 3 loaded no in-memory baseline"


def test_the_page_mix_is_measured_over_http(result):
    """Every page of bench/pages.py is requested from the served app, with parameters the store
    gave, first after the start and after an ingest through the server, and again later; the mix
    runs with 1 and 16 clients (16 twice: asking again at once after a 503, and waiting as it
    asks); the headline keys are in the result file. Only N >= --http-min."""
    figures = result[0]
    assert "pages" not in figures["sizes"]["2"]
    found = figures["sizes"]["3"]["pages"]
    wanted = {"dashboard", "report", "finding", "department", "department[most involved]", "document"}
    wanted |= {"search[common word]", "search[rare word]", "pair dossier", "explorer", "explorer expand"}
    wanted |= {"network[all]", "network[department]"} | {f"query[{name}]" for name in catalog.saved_queries()}
    assert wanted <= set(found["later"])
    for first in ("first_after_start", "first_after_ingest"):
        assert {name: v["status"] for name, v in found[first].items()} == dict.fromkeys(found["later"], "200")
    assert all(v["requests"] >= 1 and v["errors"] == 0 for v in found["later"].values())
    assert (found["mix_1"]["clients"], found["mix_16"]["clients"]) == (1, 16)
    assert found["mix_16"]["requests"] >= 16 and found["mix_16"]["errors"] == 0
    polite = found["mix_16_polite"]
    assert polite["polite"] and polite["clients"] == 16 and polite["requests"] >= 16 and polite["errors"] == 0
    headline = ("page_p95_ms", "page_first_ms_max", "http_p95_16_over_p50_1", "http_p95_16_polite_over_p50_1")
    for key in (*headline, "ingest_reports_per_s"):
        assert figures[key] > 0, key
    assert figures["pages_corpus_reports"] == 3


def test_one_page_of_each_kind_and_no_write_pass_still_summarise():
    """`make bench-quick`: --page-set kinds keeps bench.pages.KINDS in the first pass's order, and
    without the write pass (--no-page-write) the headline and the pages table use the first after
    the start alone."""
    every = {name: (f"/{name}", {}) for name in ["rare", *reversed(pages.KINDS)]}
    assert list(pages.page_set(every, "kinds")) == list(reversed(pages.KINDS))
    assert pages.page_set(every, "all") is every
    mix = {"clients": 1, "seconds": 1, "requests": 2, "throughput_rps": 2.0, "p50_ms": 10.0, "p95_ms": 40.0}
    mix |= {"max_ms": 40.0, "errors": 0, "shed": 0}
    found = {
        "first_after_start": {"dashboard": {"ms": 50.0, "status": "200"}},
        "later": {"dashboard": {"p50_ms": 10.0, "p95_ms": 20.0, "requests": 3, "statuses": {"200": 3}}},
        "mix_1": mix,
        "mix_16": mix | {"clients": 16, "p95_ms": 30.0},
    }
    figures = pages.headline(found)
    assert (figures["page_p95_ms"], figures["page_first_ms_max"], figures["http_p95_16_over_p50_1"]) == (20, 50, 3)
    assert "| 10 | dashboard | 50 | – | 10 / 20 (3) | 200×4 |" in run.pages_table({10: {"pages": found}})


def test_page_runs_at_several_sizes_join_into_one_table_and_plot(tmp_path, capsys):
    """`python -m bench.growth`: bench.pages runs at each N, one table row per N and page, and
    the log-log plot of the pages."""
    mix = {"clients": 1, "seconds": 1, "requests": 2, "throughput_rps": 2.0, "p50_ms": 10.0, "p95_ms": 40.0}
    mix |= {"max_ms": 40.0, "errors": 0, "shed": 0}
    runs = []
    for n, p50 in ((100, 12.0), (1000, 30.0)):
        found = {
            "first_after_start": {"finding": {"ms": 3 * p50, "status": "200"}},
            "later": {"finding": {"p50_ms": p50, "p95_ms": 2 * p50, "requests": 3, "statuses": {"200": 3}}},
            "mix_1": mix,
            "mix_16": mix | {"clients": 16},
        }
        path = tmp_path / f"pages-{n}.json"
        path.write_text(json.dumps(found), encoding="utf-8")
        runs.append(f"{n}={path}")
    growth.main([str(tmp_path / "growth"), *runs])
    printed = capsys.readouterr().out
    assert "| 100 | finding | 36 | – | 12 / 24 (3) | 200×4 |" in printed
    assert "| 1000 | finding | 90 | – | 30 / 60 (3) | 200×4 |" in printed
    assert json.loads((tmp_path / "growth.json").read_text(encoding="utf-8"))["sizes"]["1000"]["pages"] == found
    assert (tmp_path / "growth-pages.png").read_bytes().startswith(b"\x89PNG")
