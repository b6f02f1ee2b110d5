"""Compute the dashboard, search's index, recurring-problems' alike findings (graph/alike.py) and
the graph views' analysis again after a write, before anyone asks.

The dashboard (every report's row, stored per document by graph/summaries.py, and the most
shared pairs) is kept until the store's next write (webapp/db.py `cached`), and so is the
whole-corpus answer of `shared-responsibility` (queries/catalog.py: 2-4 s at a thousand reports),
which the saved-query page and API show; the warm-up computes both. The server knows of the
writes it makes itself — at start, and on each write through its admin API — so one background
thread recomputes them once writes have paused for `quiet_s`: an ingest of many reports through
the server costs one warm-up, not one per report, and then saves search's index for the next
start (webapp/searchfile.py). (Writes other processes make on a SPARQL server end the caches too,
but the next visit computes.) A write made while a warm-up runs makes its answer stale, and the
version stamp keeps that answer from being served (it is cached under the old version); the
write's own poke warms again.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from graph import alike
from queries import catalog

log = logging.getLogger(__name__)

QUIET_S = 1.0
CLOSE_WAIT_S = 2.0


class Warmer:
    """One thread at most, started by `poke`, gone once nothing is due."""

    def __init__(self, app: Flask, quiet_s: float = QUIET_S):
        self._app, self._quiet_s = app, quiet_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._due: float | None = None
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """The data changed: warm up once it has stopped changing for `quiet_s`."""
        with self._lock:
            if self._stop.is_set():
                return
            self._due = time.monotonic() + self._quiet_s
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="rectkg-warm", daemon=True)
                self._thread.start()

    def restore(self) -> None:
        """At a start, before the server says where it listens: take back what the app saved beside
        the store for its version (search's index), which the first visitors would otherwise wait
        for. Nothing is built here: what is not saved is left to the warm-up."""
        from webapp import search

        with self._app.app_context():
            try:
                search.restore()
            except Exception as error:  # the first search will load or build it
                log.warning("the saved search index could not be taken back: %s", error)

    def busy(self) -> bool:
        """Whether a warm-up is due or under way: what was kept before a write will be replaced."""
        with self._lock:
            return self._thread is not None

    def close(self) -> None:
        """Stop before the store closes. A warm-up under way gets `CLOSE_WAIT_S` to finish, so a
        shutdown is not held for a cold build; past that it fails on the closed store, logs and ends."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(CLOSE_WAIT_S)

    def _loop(self) -> None:
        try:
            while self._quiet():
                self._warm()
        except BaseException:  # whatever ended the thread, a later poke must be able to start one
            with self._lock:
                self._thread = None
            raise

    def _quiet(self) -> bool:
        """Wait until a warm-up is due (True), or until nothing is due or the Warmer closes (False)."""
        while True:
            with self._lock:
                if self._due is None or self._stop.is_set():
                    self._thread = None  # in the same lock as poke's check, so no poke is lost
                    return False
                wait = self._due - time.monotonic()
                if wait <= 0:
                    self._due = None
                    return True
            self._stop.wait(wait)

    def _warm(self) -> None:
        from webapp import (  # their blueprints import the app's modules, this one among them
            choices,
            dashboard,
            db,
            graphview,
            network,
            search,
        )

        def dashboard_and_pairs() -> None:
            dashboard.shown()
            # The whole pairs table (the saved query's page and API): seconds after each write.
            db.run(lambda store: catalog.get("shared-responsibility").run(store))

        def graph_views() -> None:
            # The explorer's start (the pair nodes) and the shared network's analysis, which the
            # dashboard's picture draws: a whole-graph read, so here rather than on a visit.
            graphview.warm_explorer()
            network.warm(choices.large(fresh=True), self._stop.is_set)

        steps = (
            # search's index first: after a write it reads one document's share, not the corpus
            ("the search index", search.index),
            # recurring-problems' alike findings, likewise one share after a write (all after a start)
            ("the alike findings", lambda: db.run(alike.refresh)),
            ("the dashboard", dashboard_and_pairs),
            ("the graph views", graph_views),
            ("the saved queries' choices", choices.warm),  # the drop-downs a form shows whole
            # last: saving shares the CPU with the first visitors' requests, and none waits for it
            ("saving the search index", search.save),
        )
        with self._app.app_context():
            for what, step in steps:
                if self._stop.is_set():  # shutting down: no step may open the closed store again
                    return
                began = time.perf_counter()
                try:
                    step()
                except Exception as error:  # a failed warm-up only leaves the next visit to compute
                    log.warning("%s failed in the warm-up: %s", what, error)
                else:
                    log.info("warm-up: %s in %.0f ms", what, (time.perf_counter() - began) * 1000)
