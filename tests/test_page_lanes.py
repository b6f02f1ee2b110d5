"""The pages' lanes (issue 22, webapp/lanes.py): under load a page is served about as fast as alone
or refused at once with a 503 and Retry-After, slow pages cannot hold the fast pages' places, and
static files and cached answers never wait.

The app is served by waitress over a real store with real query workers. A lane is held busy by
taking its places from the test, exactly as a request holding them would (the app's own Lane
objects), so a test need not make a page slow on purpose; the pages then requested are real.
The wait a lane allows is long here (WAIT_S), so "at once" and "after the wait" cannot be confused.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests
from web_fixtures import serve_app, web_store  # noqa: F401 - web_store is a fixture used here

from ontology import iris
from webapp import admission, create_app, lanes, settings

WAIT_S = 4.0  # a page may wait this long for its lane here
AT_ONCE_S = 1.5  # a refusal or a free page comes well within the wait
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def served(web_store, tmp_path_factory) -> Iterator[tuple[str, lanes.Lanes]]:  # noqa: F811
    copy = tmp_path_factory.mktemp("lanes") / "store"
    shutil.copytree(web_store, copy)
    app = create_app(
        {"TESTING": True, "STORE": str(copy), "QUERY_WORKERS": 2, "PAGE_SLOTS": 1, "SLOW_PAGE_SLOTS": 1}
        | {"PAGE_QUEUE_WAIT": WAIT_S, "QUEUE_WAIT": WAIT_S, "SLOW_PAGE_MS": 1000.0}
    )
    with serve_app(app) as url:
        found = lanes.lanes_of(app)
        for n in range(20):  # what the median page takes: the tests' pages are measured against it
            found.observe(f"typical.page/{n}", 10.0)
        yield url, found


@pytest.fixture(scope="module")
def finding(served) -> str:
    """A finding's page (a worker query on every visit: entity pages are not cached)."""
    url, _ = served
    listing = requests.get(url + "/queries/findings.csv", timeout=60)
    assert listing.status_code == 200, listing.text
    first = listing.text.splitlines()[1].split(",")[1]
    assert first.startswith(iris.BASE + "id/") and "/finding/" in first, first
    return "/" + first[len(iris.BASE) :]


def _timed_get(url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.perf_counter()
    response = requests.get(url, timeout=60, **kwargs)
    return response, time.perf_counter() - started


@contextmanager
def held(lane: lanes.Lane) -> Iterator[None]:
    """Every running place of the lane taken, as requests holding them would."""
    for _ in range(lane.slots):
        lane.enter()
    try:
        yield
    finally:
        for _ in range(lane.slots):
            lane.leave()


def queue_up(url: str, lane: lanes.Lane) -> Callable[[], list[int]]:
    """The lane's queue filled by real requests for `url`, which wait there; call the answer to
    have their statuses once the lane has room (or their wait ran out)."""
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(requests.get(url, timeout=60).status_code))
        for _ in range(lane.queue)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while lane.waiting < lane.queue and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lane.waiting == lane.queue, "the requests never reached the lane's queue"

    def answers() -> list[int]:
        for thread in threads:
            thread.join(timeout=60)
        return statuses

    return answers


def test_a_full_lane_refuses_at_once_with_retry_after(served, finding):
    url, found = served
    with held(found.fast):
        waited = queue_up(url + finding, found.fast)
        response, took = _timed_get(url + finding)
        assert response.status_code == 503, response.text
        assert took < AT_ONCE_S, f"refused after {took:.2f} s, not at once"
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"] == "busy"
        page, took = _timed_get(url + finding, headers=HTML)  # a browser: the refusal in the page's language
        assert page.status_code == 503 and took < AT_ONCE_S
        assert "Retry-After" in page.headers and page.headers["Content-Type"].startswith("text/html")
        assert "系统繁忙" in page.text  # webapp/i18n.py's 503 title, in the default language
    assert waited() == [200] * found.fast.queue  # the queued ones are served once a place is free


def test_a_wait_is_bounded(served, finding):
    url, found = served
    with held(found.fast):
        response, took = _timed_get(url + finding)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert WAIT_S * 0.9 <= took < WAIT_S + 10, f"answered after {took:.2f} s"


def test_slow_pages_cannot_hold_the_fast_lane(served, finding):
    url, found = served
    report = finding.rsplit("/finding/", 1)[0]
    key = "entities.show/report"
    try:
        found.observe(key, 60_000.0)  # measured slow (one report page took a minute)
        assert found.lane_for(key) is found.slow
        with held(found.slow):
            waited = queue_up(url + report, found.slow)
            refused, took = _timed_get(url + report)
            assert refused.status_code == 503 and "Retry-After" in refused.headers
            assert took < AT_ONCE_S, f"a slow page was refused after {took:.2f} s"
            page, took = _timed_get(url + finding)
            assert page.status_code == 200, page.text
            assert took < AT_ONCE_S + WAIT_S / 2, f"a fast page waited {took:.2f} s behind the slow lane"
        assert waited() == [200] * found.slow.queue
    finally:
        for _ in range(50):  # measured fast again, for the other tests
            found.observe(key, 1.0)


def test_a_page_measured_slow_takes_a_place_even_without_a_worker(served):
    """The whole network is drawn from a cached analysis, without a worker, but its drawing is the
    app's own slow work: once measured slow it waits for the slow lane like a slow query would."""
    url, found = served
    page, key = url + "/graph/api/shared", "graphview.shared_data"
    assert requests.get(page, timeout=60).status_code == 200  # the analysis now cached
    try:
        found.observe(key, 60_000.0)
        with held(found.slow):
            waited = queue_up(page, found.slow)
            refused, took = _timed_get(page)
            assert refused.status_code == 503 and "Retry-After" in refused.headers
            assert took < AT_ONCE_S, f"refused after {took:.2f} s"
        assert waited() == [200] * found.slow.queue
    finally:
        for _ in range(50):
            found.observe(key, 1.0)


def test_static_files_and_cached_answers_never_wait(served):
    url, found = served
    assert requests.get(url + "/queries/stats.csv", timeout=60).status_code == 200  # now in the cache
    with held(found.fast), held(found.slow):
        for path in ("/static/style.css", "/queries/stats.csv"):
            response, took = _timed_get(url + path)
            assert response.status_code == 200, (path, response.text[:200])
            assert took < AT_ONCE_S, f"{path} waited {took:.2f} s for a lane"


def test_the_endpoint_is_not_in_the_pages_lanes(served):
    """/sparql has its own gate (webapp/admission.py): full page lanes do not refuse it."""
    url, found = served
    with held(found.fast), held(found.slow):
        response, took = _timed_get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 200, response.text
    assert took < AT_ONCE_S


def test_pages_are_measured_where_they_ran(served, finding):
    url, found = served
    assert requests.get(url + finding, timeout=60).status_code == 200
    estimate = found.estimate("entities.show/report/finding")
    assert estimate is not None and estimate > 0
    assert found.fast.running == 0 and found.slow.running == 0  # every place given back


def test_the_estimate_moves_a_page_between_lanes():
    found = lanes.Lanes(settings.load({"SLOW_PAGE_MS": 20.0, "SLOW_PAGE_FACTOR": 2.0, "PAGE_SLOTS": 0}))
    found.observe("alone.page", 500.0)
    assert found.lane_for("alone.page") is found.fast  # slow only next to faster pages
    for n in range(5):
        found.observe(f"typical.page/{n}", 40.0)
    assert found.lane_for("never.seen") is found.fast
    assert found.lane_for("alone.page") is found.slow
    found.observe("a.page", 100.0)  # over twice the median page (40 ms)
    assert found.lane_for("a.page") is found.slow
    for _ in range(10):
        found.observe("a.page", 30.0)
    assert found.lane_for("a.page") is found.fast
    for n in range(20):
        found.observe(f"quick.page/{n}", 1.0)
    assert found.lane_for("quick.page/0") is found.fast and found.slow_ms() == 20.0  # the floor
    assert found.fast.slots >= 1 and found.fast.queue == found.fast.slots  # one per core by default


def test_serve_has_threads_for_every_place_a_lane_may_hold():
    config = settings.load({})
    assert admission.threads_for(config) >= lanes.page_threads(config) + config["SPARQL_QUEUE"] + admission.PAGE_THREADS
