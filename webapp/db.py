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
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
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
                if self._store is None or stamp != self._stamp:
                    self._store, self._stamp = self._open(), stamp
                    self.generation += 1
            return self._store

    def _open(self) -> Store:
        if self.spec.startswith(("http://", "https://")):
            return open_store(self.spec)
        if not Path(self.spec).exists():
            log.info("creating an empty store at %s", self.spec)
            OxigraphStore(self.spec).close()
        log.info("opening store %s read-only", self.spec)
        return open_store(self.spec, read_only=True)


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
    """Runs store calls on worker threads and stops waiting after the time limit."""

    def __init__(self, workers: int, timeout: float):
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rectkg-query")

    def run(self, call: Callable[[], T]) -> T:
        future = self._pool.submit(call)
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout as error:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s (setting QUERY_TIMEOUT)") from error


def store() -> Store:
    return current_app.extensions["rectkg.store"].get()


def generation() -> int:
    """Changes whenever the store was reopened, so caches built from it know to rebuild."""
    return current_app.extensions["rectkg.store"].generation


def run(call: Callable[[Store], T]) -> T:
    """Call with the store, within the query time limit."""
    handle = store()
    return current_app.extensions["rectkg.runner"].run(lambda: call(handle))
