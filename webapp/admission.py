"""Who may run a query on the open /sparql endpoint now: a share of the workers and of the request
threads for the endpoint, the rest kept for the app's own pages, and a fair share per client.

Four clients each sending a query that ran to the time limit used to stop the whole app for 30 s
(issue 21): waitress's four threads and the four workers were all theirs, and even the static CSS
waited. So the endpoint holds at most SPARQL_WORKERS queries at once (the other workers stay free
for pages and saved queries) and lets at most SPARQL_QUEUE more wait for them; the next one gets a
503 with Retry-After at once rather than after QUEUE_WAIT. `rectkg serve` runs enough threads
for all of those and the pages besides (`threads_for`). Each client (its address) may have
CLIENT_QUERIES requests running or waiting, and CLIENT_QUERY_SECONDS of endpoint time a minute,
refilled continuously (WDQS's rule); past either it gets a 429 with Retry-After. Cached answers
(pages of the app) never come here, so they never wait for a worker.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, current_app

from graph.pool import Busy
from webapp import lanes
from webapp.errors import TooManyQueries

log = logging.getLogger(__name__)

WINDOW_S = 60.0  # CLIENT_QUERY_SECONDS are per this many seconds
PAGE_THREADS = 4  # request threads `rectkg serve` adds to those the endpoint and the page lanes may hold
CONCURRENCY_RETRY_S = 2
MAX_IDLE_CLIENTS = 1000  # clients with nothing running and a full budget are forgotten beyond this


@dataclass
class _Client:
    balance: float  # seconds of endpoint time left; refilled at budget / WINDOW_S a second
    checked: float  # when balance was last brought up to date
    active: int = 0  # requests running or waiting


def endpoint_workers(config: Mapping[str, Any]) -> int:
    """SPARQL_WORKERS, leaving at least one worker to the pages wherever there are two."""
    workers = config["QUERY_WORKERS"]
    return max(1, min(config["SPARQL_WORKERS"], workers - 1))


def threads_for(config: Mapping[str, Any]) -> int:
    """Request threads enough for everything the endpoint and the pages' lanes may hold (so a
    request waits in a lane's bounded queue, never unseen in waitress's), and PAGE_THREADS for
    what needs no worker (static files, cached answers)."""
    return endpoint_workers(config) + config["SPARQL_QUEUE"] + lanes.page_threads(config) + PAGE_THREADS


def server_options(config: Mapping[str, Any], threads: int | None) -> dict[str, Any]:
    """waitress's options for `rectkg serve`: the threads asked for, else `threads_for` (fewer let
    heavy queries make the pages wait, so that is said), and the TRUSTED_PROXY's X-Forwarded-For."""
    needed = threads_for(config)
    if threads is not None and threads < needed:
        log.warning(
            "%d request threads: the endpoint and the page lanes may hold %d, leaving too few; %d avoids that",
            threads,
            needed - PAGE_THREADS,
            needed,
        )
    options: dict[str, Any] = {"threads": threads or needed}
    if config["TRUSTED_PROXY"]:
        options.update(
            trusted_proxy=config["TRUSTED_PROXY"], trusted_proxy_count=1, trusted_proxy_headers={"x-forwarded-for"}
        )
    return options


class Gate:
    """The endpoint's slots, its queue and each client's concurrency and time budget."""

    def __init__(self, config: Mapping[str, Any]):
        self.slots = endpoint_workers(config)
        self.queue = config["SPARQL_QUEUE"]
        self.queue_wait = config["QUEUE_WAIT"]
        self.per_client = config["CLIENT_QUERIES"]
        self.budget = config["CLIENT_QUERY_SECONDS"]
        self._changed = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._clients: dict[str, _Client] = {}
        if self.slots >= config["QUERY_WORKERS"]:
            log.warning("one query worker: the pages share it with the endpoint (QUERY_WORKERS >= 2 keeps one)")

    def admit(self, client: str) -> Ticket:
        """A ticket to run one endpoint query, once a slot is free; 429 or 503 when there is none."""
        with self._changed:
            record = self._client(client)
            self._check_client(record)
            if self._running >= self.slots and self._waiting >= self.queue:
                raise Busy("the SPARQL endpoint is at capacity and its queue is full; try again in a moment")
            record.active += 1
            if not self._wait_for_slot():
                record.active -= 1
                raise Busy(f"the SPARQL endpoint stayed at capacity for {self.queue_wait:g} s; try again in a moment")
            self._running += 1
        return Ticket(self, client)

    def _check_client(self, record: _Client) -> None:
        if self.per_client and record.active >= self.per_client:
            raise TooManyQueries(
                f"at most {self.per_client} queries of one client may run or wait at once", CONCURRENCY_RETRY_S
            )
        if self.budget and record.balance <= 0:
            wait = math.ceil(-record.balance * WINDOW_S / self.budget) + 1
            raise TooManyQueries(
                f"this client used its {self.budget:g} s of query time a minute; try again in {wait} s", wait
            )

    def _wait_for_slot(self) -> bool:
        if self._running < self.slots:
            return True
        self._waiting += 1
        try:
            return self._changed.wait_for(lambda: self._running < self.slots, timeout=self.queue_wait)
        finally:
            self._waiting -= 1

    def _client(self, client: str) -> _Client:
        """The client's record, its balance refilled for the time since it was last looked at."""
        now = time.monotonic()
        record = self._clients.get(client)
        if record is None:
            if len(self._clients) >= MAX_IDLE_CLIENTS:
                self._forget_idle()
            record = self._clients[client] = _Client(self.budget, now)
        elif self.budget:
            record.balance = min(self.budget, record.balance + (now - record.checked) * self.budget / WINDOW_S)
        record.checked = now
        return record

    def _forget_idle(self) -> None:
        """Drop clients that could not be told apart from new ones: nothing running, budget refilled."""
        now = time.monotonic()
        for name, record in list(self._clients.items()):
            refilled = record.balance + (now - record.checked) * self.budget / WINDOW_S >= self.budget
            if record.active == 0 and refilled:
                del self._clients[name]

    def release(self, client: str, seconds: float) -> None:
        with self._changed:
            self._running -= 1
            record = self._client(client)
            record.active -= 1
            record.balance -= seconds
            self._changed.notify()


class Ticket:
    """One admitted endpoint request; `release` it once its answer is sent (or failed), which
    charges the time it held its slot to the client."""

    def __init__(self, gate: Gate, client: str):
        self._gate, self._client = gate, client
        self._started = time.monotonic()
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._gate.release(self._client, time.monotonic() - self._started)


def client_of(request: Request) -> str:
    """The client's address: the connection's, or the one a TRUSTED_PROXY forwarded (waitress reads
    X-Forwarded-For from that proxy only, and drops it from anyone else: see `server_options`)."""
    return request.remote_addr or "unknown"


_install_lock = threading.Lock()


def gate(app: Flask) -> Gate:
    """The app's gate, made on first use from its settings."""
    with _install_lock:
        if "rectkg.gate" not in app.extensions:
            app.extensions["rectkg.gate"] = Gate(app.config)
        return app.extensions["rectkg.gate"]


def admit(request: Request) -> Ticket:
    return gate(current_app).admit(client_of(request))
