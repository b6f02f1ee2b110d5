"""The app's view of the store: opened read-only, reopened when another process changed it.

An on-disk Oxigraph store admits one writer; the web app is a reader, so `rectkg ingest` can run
while `rectkg serve` does. A read-only handle sees the store as it was when opened, so the holder
reopens it when the files on disk changed (checked at most every STORE_REFRESH seconds). Queries
run in a bounded pool of worker threads so a request can give up after QUERY_TIMEOUT seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import current_app

from graph.store import DEFAULT_STORE, OxigraphStore, Store, StoreError, open_store
from webapp.errors import QueryTimeout

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreHolder:
    """A read-only store handle, renewed when the store's files change; `generation` counts renewals."""

    def __init__(self, spec: str | None, refresh: float):
        self.spec = spec or os.environ.get("RECTKG_STORE") or DEFAULT_STORE
        self.refresh = refresh
        self.generation = 0
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._stamp: float | None = None
        self._checked = 0.0

    def get(self) -> Store:
        with self._lock:
            now = time.monotonic()
            if self._store is None or now - self._checked >= self.refresh:
                self._checked = now
                stamp = _stamp(self.spec)
                if self._store is None:
                    self._store, self._stamp = self._open(), stamp
                    self.generation += 1
                elif stamp != self._stamp:
                    self._reopen(stamp)
            return self._store

    def _reopen(self, stamp: float | None) -> None:
        """Take the newer store; while a writer is mid-write the open may fail, and then the
        handle we have keeps serving until the next check."""
        try:
            fresh = self._open()
        except StoreError as error:
            log.warning("keeping the store as it was; reopening failed: %s", error)
            return
        self._store, self._stamp = fresh, stamp
        self.generation += 1

    def _open(self) -> Store:
        if self.spec.startswith(("http://", "https://")):
            return open_store(self.spec)
        if not Path(self.spec).exists():
            log.info("creating an empty store at %s", self.spec)
            OxigraphStore(self.spec).close()
        log.info("opening store %s read-only", self.spec)
        try:
            return open_store(self.spec, read_only=True)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # pyoxigraph panics are BaseExceptions
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"cannot open store {self.spec} read-only: {error!r}") from error


def _stamp(spec: str) -> float | None:
    """Latest modification time of the store's files (None for a remote store)."""
    folder = Path(spec)
    if not folder.is_dir():
        return None
    try:
        return max((entry.stat().st_mtime for entry in os.scandir(folder)), default=0.0)
    except OSError as error:
        raise StoreError(f"cannot read store folder {folder}: {error}") from error


class QueryRunner:
    """Runs store calls on daemon threads, at most `workers` at once, and stops waiting after
    the time limit. pyoxigraph cannot cancel a query, so one past the limit keeps its slot until
    it ends; when every slot is held, new queries get a 503 instead of piling up. (Daemon threads,
    so a runaway query never holds the process open at exit.)"""

    def __init__(self, workers: int, timeout: float):
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(workers)

    def run(self, call: Callable[[], T]) -> T:
        if not self._slots.acquire(timeout=self.timeout):
            raise QueryTimeout("every query worker is busy with long queries; try again shortly")
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["value"] = call()
            except BaseException as error:  # handed to the request thread below
                outcome["error"] = error
            finally:
                self._slots.release()

        thread = threading.Thread(target=work, name="rectkg-query", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s (setting QUERY_TIMEOUT)")
        error = outcome.get("error")
        if isinstance(error, Exception):
            raise error
        if error is not None:  # a pyoxigraph panic (a BaseException): a store failure, not a crash
            raise StoreError(f"the store failed: {error!r}") from error
        return outcome["value"]  # type: ignore[return-value]


def store() -> Store:
    return current_app.extensions["rectkg.store"].get()


def generation() -> int:
    """Changes whenever the store was reopened, so caches built from it know to rebuild."""
    return current_app.extensions["rectkg.store"].generation


def run(call: Callable[[Store], T]) -> T:
    """Call with the store, within the query time limit."""
    handle = store()
    return current_app.extensions["rectkg.runner"].run(lambda: call(handle))
