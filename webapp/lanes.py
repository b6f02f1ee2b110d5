"""Which of the app's own pages may go ahead now, and which get a fast 503 instead (issue 22).

Sixteen visitors on two cores used to queue behind a few slow pages (a much-cited document's
page, the pair dossier, the whole network): each query waited up to QUEUE_WAIT for a worker and
was refused only after that wait, so under load p95 was a hundred times a page's usual time.

Now a page takes a place in one of two lanes and holds it until the request ends. A page whose
running latency estimate is over SLOW_PAGE_FACTOR times the median page's (and SLOW_PAGE_MS)
takes one in a small slow lane (SLOW_PAGE_SLOTS at once, as many waiting, up to QUEUE_WAIT)
before it starts, so slow pages cannot hold every worker nor every core;
the others take one in the fast lane (PAGE_SLOTS at once, by default one per core, and
PAGE_QUEUE waiting, by default as many) when they first need a worker (graph/pool.py asks
`admit`), and wait for it at most PAGE_QUEUE_WAIT. A full queue refuses at once: either way the
page gets a 503 with Retry-After (webapp/errors.py: in the page's language, JSON for scripts),
not a slow timeout, and a page that is served is served about as fast as alone.

The estimate is measured rather than a hand list because which pages are slow depends on the
corpus and the machine: a department's page is fast for most departments and slow for the most
involved one, a saved query fast once its answer is cached. It is kept per route and kind of
page (`page_key`), from each request's time less the time it waited for its place.

Nothing that needs no worker and is not measured slow waits here: static files, and answers from
the caches (the dashboard's, saved queries', search's index) never ask; a page measured slow whose
answer is now cached is measured fast again after a few visits. The /sparql endpoint has its own
gate (webapp/admission.py); the admin API (the operator's writes, the CLI's handed-over queries)
and the warm-ups (no request) are never refused here.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Request, current_app, g, has_request_context, request

from graph.pool import Busy

ESTIMATE_WEIGHT = 0.3  # of the newest request in a page's running estimate: a few requests move it
MAX_KEYS = 1000  # pages estimated at most; a URL made up to add keys finds the table full
EXEMPT = ("sparql.", "admin.")  # endpoint prefixes with admission of their own, or none to give


class Lane:
    """`slots` pages running at once, at most `queue` more waiting, each for at most `wait` s."""

    def __init__(self, name: str, slots: int, queue: int, wait: float):
        self.name, self.slots, self.queue, self.wait = name, max(1, slots), max(0, queue), wait
        self._changed = threading.Condition()
        self.running = 0
        self.waiting = 0

    def enter(self) -> None:
        """A place in the lane, once one is free; Busy at once when the queue is full, or after `wait`."""
        with self._changed:
            if self.running >= self.slots:
                if self.waiting >= self.queue:
                    raise Busy(f"the app's {self.name} pages are at capacity and their queue is full; try again soon")
                self.waiting += 1
                try:
                    free = self._changed.wait_for(lambda: self.running < self.slots, timeout=self.wait)
                finally:
                    self.waiting -= 1
                if not free:
                    raise Busy(f"the app's {self.name} pages stayed at capacity for {self.wait:g} s; try again soon")
            self.running += 1

    def leave(self) -> None:
        with self._changed:
            self.running -= 1
            self._changed.notify()


def fast_slots(config: Mapping[str, Any]) -> int:
    """PAGE_SLOTS, or one per core."""
    return config["PAGE_SLOTS"] or os.cpu_count() or 1


def fast_queue(config: Mapping[str, Any]) -> int:
    """PAGE_QUEUE, or as many as run: a page that waits has at most one page ahead of it per slot."""
    return config["PAGE_QUEUE"] or fast_slots(config)


def page_threads(config: Mapping[str, Any]) -> int:
    """Request threads the lanes may hold, running or waiting."""
    return fast_slots(config) + fast_queue(config) + 2 * max(1, config["SLOW_PAGE_SLOTS"])


class Lanes:
    """The fast and the slow lane, and each page's running latency estimate (ms)."""

    def __init__(self, config: Mapping[str, Any]):
        slots, slow = fast_slots(config), config["SLOW_PAGE_SLOTS"]
        self.fast = Lane("fast", slots, fast_queue(config), config["PAGE_QUEUE_WAIT"])
        # A slow page waits behind at most SLOW_PAGE_SLOTS others, so for about one slow page's time
        # (up to QUEUE_WAIT, a query's wait for a worker): two visitors who open the same slow page
        # at once are both served; the next is refused at once, its queue being full.
        self.slow = Lane("slow", slow, slow, config["QUEUE_WAIT"])
        self.floor_ms, self.factor = config["SLOW_PAGE_MS"], config["SLOW_PAGE_FACTOR"]
        self._estimates: dict[str, float] = {}
        self._typical = 0.0  # the median page's estimate
        self._lock = threading.Lock()

    def slow_ms(self) -> float:
        """Over this, a page is slow: SLOW_PAGE_FACTOR times the median page, so what is slow
        follows the corpus and the machine (at a thousand reports most pages take longer), but
        never under SLOW_PAGE_MS."""
        return max(self.floor_ms, self.factor * self._typical)

    def lane_for(self, key: str) -> Lane:
        """The slow lane for a page measured slow; the fast one for the rest, unmeasured ones too
        (a page proves itself slow once, and then holds a fast place that once)."""
        estimate = self._estimates.get(key)
        return self.slow if estimate is not None and estimate > self.slow_ms() else self.fast

    def estimate(self, key: str) -> float | None:
        return self._estimates.get(key)

    def observe(self, key: str, ms: float) -> None:
        """Fold one request's held time into the page's estimate."""
        with self._lock:
            old = self._estimates.get(key)
            if old is not None:
                self._estimates[key] = old + ESTIMATE_WEIGHT * (ms - old)
            elif len(self._estimates) < MAX_KEYS:
                self._estimates[key] = ms
            self._typical = statistics.median(self._estimates.values())


def page_key(req: Request) -> str:
    """The route and every other segment of each path argument, which names a kind in the app's
    IRIs: /id/report/R and /id/report/R/finding/N are one route but a report's page and a
    finding's (`entities.show/report`, `entities.show/report/finding`); /queries/<name> is one
    page per saved query."""
    kinds = ("/".join(str(v).split("/")[::2]) for v in (req.view_args or {}).values())
    return "/".join([req.endpoint or "?", *kinds])


def lanes_of(app: Flask) -> Lanes:
    return app.extensions["rectkg.lanes"]


def admit() -> None:
    """Called before a query takes a worker: the request's place in its page's lane, taken once;
    nothing outside a request (warm-ups) or for what `install` leaves out. Raises Busy (503)."""
    if has_request_context() and "page_key" in g and "page_lane" not in g:
        _enter(lanes_of(current_app).lane_for(g.page_key))


def _enter(lane: Lane) -> None:
    started = time.perf_counter()
    try:
        lane.enter()
    except Busy:
        g.page_refused = True  # its time says nothing about the page
        raise
    g.page_lane = lane
    g.page_waited = time.perf_counter() - started


def install(app: Flask) -> None:
    """The app's lanes; each page request timed, and a page measured slow put in the slow lane
    before it starts (its time may be the app's own work on a cached index, not a worker's: the
    whole network's picture), the others when they first need a worker; the place given back
    when the request ends. Static files, unknown addresses and EXEMPT routes are left alone."""
    app.extensions["rectkg.lanes"] = Lanes(app.config)

    @app.before_request
    def slow_pages_first_take_a_place() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static" or endpoint.startswith(EXEMPT):
            return
        g.page_key, g.page_since, g.page_waited = page_key(request), time.perf_counter(), 0.0
        found = lanes_of(app)
        if found.lane_for(g.page_key) is found.slow:
            _enter(found.slow)

    @app.teardown_request
    def leave_lane(_error: BaseException | None) -> None:
        key = g.pop("page_key", None)
        lane = g.pop("page_lane", None)
        if lane is not None:
            lane.leave()
        if key is not None and not g.get("page_refused"):
            held = time.perf_counter() - g.page_since - g.page_waited
            lanes_of(app).observe(key, held * 1000)
