"""The graph explorer at 300 reports (the bench's synthetic corpus) in headless Chromium: it opens
on the most shared department, a click expands it, a measure leads to a finding and the finding's
page opens, each step within the page budget (a request ≤ 1 s at p95).

The store takes minutes to build (300 reports through `rectkg ingest`), so it is built once and
kept outside the repository, under the temp dir, keyed by what decides its content (the corpus
generator, the loaders and the aggregate's code); each run serves a copy. That is over `make
test`'s budget on a cold machine, so the test runs under `make soak`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_browser import browser  # noqa: F401 - fixture
from test_graph_browser import click_node, drawn, kinds_drawn, ready
from web_fixtures import page_at, serve_app

from bench.measure import corpus_files
from webapp import create_app

REPORTS = 300
SEED = 7  # the bench's
ROOT = Path(__file__).resolve().parents[1]
# What the built store's content depends on: a change to any of these builds it afresh.
SOURCES = ("bench/corpus.py", "loaders", "graph/aggregates.py", "graph/searchable.py", "graph/summaries.py")
REQUEST_BUDGET_S = 1.0  # p95 of a request (issue 22): every request a step makes, as the browser timed it
STEP_BUDGET_S = 2 * REQUEST_BUDGET_S  # a click: its request and the drawing
# Opening also fetches and starts vis-network (0.8 s of the 1.6–2.0 s measured; cached after).
OPEN_BUDGET_S = 3.0


def _key() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _built() -> Path:
    """The N = 300 store, built on first use by `rectkg ingest` of the bench corpus's files."""
    folder = Path(tempfile.gettempdir()) / f"rectkg-explorer-n{REPORTS}-{_key()}"
    store = folder / "store"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        files = corpus_files(REPORTS, SEED)
        rectkg = Path(sys.executable).with_name("rectkg")
        subprocess.run([str(rectkg), "--store", str(store), "ingest", str(files[0].parent)], check=True)
        (folder / ".complete").touch()
    return store


@pytest.fixture(scope="module")
def store300(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("n300") / "store"
    shutil.copytree(_built(), copy)  # serving takes the store's lock and advertises beside it
    return copy


def warmed(app, wait_s: float = 300) -> None:
    """Until the app's warm-up after its start has read the explorer's start (what a visitor after
    the first few seconds meets; the cold figures are bench/explorer_latency.py's)."""
    holder, deadline = app.extensions["rectkg.store"], time.monotonic() + wait_s
    while app.extensions.get("rectkg.cache.analysis", (None,))[0] != holder.generation:
        assert time.monotonic() < deadline, "the app did not warm up"
        time.sleep(0.1)


def timed(step) -> float:
    began = time.monotonic()
    step()
    return time.monotonic() - began


@pytest.mark.soak  # minutes to build the store the first time: make soak
def test_explorer_at_300_reports_reaches_a_finding_within_budget(browser, store300):  # noqa: F811
    app = create_app({"TESTING": True, "STORE": str(store300)})
    with serve_app(app) as url, page_at(browser, url) as (page, foreign):
        warmed(app)
        served: dict[str, float] = {}  # each request of the app's, as the browser timed it (s)
        page.on("requestfinished", lambda r: served.__setitem__(r.url, r.timing["responseEnd"] / 1000))
        opening = timed(lambda: (page.goto(url + "/graph/"), ready(page)))
        assert drawn(page) == 1
        start = page.evaluate("() => window.rectkgGraph.nodes.getIds()[0]")
        assert kinds_drawn(page)[start] == "department"

        announced = int(page.locator("#details .detail-counts").get_attribute("data-total"))
        shown = min(announced, 25)
        click_node(page, start)
        expanding = timed(
            lambda: page.wait_for_function(
                f"() => document.getElementById('graph-status').dataset.nodes === '{1 + shown}'"
            )
        )
        if announced > shown:  # a hub: the first neighbours and how many more
            assert "再次点击" in page.locator("#graph-message").inner_text()

        measure = next(n for n, kind in kinds_drawn(page).items() if kind == "measure")
        before = drawn(page)
        click_node(page, measure)
        reaching = timed(
            lambda: page.wait_for_function(
                f"() => document.getElementById('graph-status').dataset.nodes !== '{before}'"
                " && Object.values(window.rectkgGraph.nodes.get()).some(n => n.data.kind === 'finding')"
            )
        )
        finding = next(n for n, kind in kinds_drawn(page).items() if kind == "finding")
        link = page.evaluate("id => window.rectkgGraph.nodes.get(id).data.url", finding)
        opening_finding = timed(lambda: page.goto(url + link))
        assert page.locator("h1").count() == 1
        assert not foreign
    budgets = {"open": opening, "expand": expanding, "reach a finding": reaching, "finding page": opening_finding}
    slowest = sorted(served.items(), key=lambda item: -item[1])[:3]
    print("explorer steps at N = 300 (s):", {k: round(v, 3) for k, v in budgets.items()}, slowest)  # with -s
    assert all(s <= REQUEST_BUDGET_S for _, s in slowest), slowest
    clicks = [s for step, s in budgets.items() if step != "open"]
    assert opening <= OPEN_BUDGET_S and all(s <= STEP_BUDGET_S for s in clicks), budgets
