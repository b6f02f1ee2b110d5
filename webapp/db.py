"""The app's store: for an embedded store, the one writable handle in this process with every
query run in a killable worker (graph/pool.py), so a time limit really frees the CPU and readers
always see whole store versions; a remote http(s) store is used through the same Store interface.

The store is opened on first use, so an app over a broken store still answers — with the store
failure as a 500 — and tests that never query do not start workers.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app

from graph import aggregates, handoff
from graph.pool import Limits, PooledStore
from graph.remote import RemoteSettings, RemoteStore
from graph.store import DEFAULT_STORE, OxigraphStore, Store, StoreError
from webapp import admission, lanes, savedfile

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a SPARQL server's version stamp is trusted before it is asked again.
REMOTE_VERSION_TTL_S = 1.0


class StoreHolder:
    """Opens the configured store once, lazily; `generation` is the store version."""

    def __init__(self, spec: str | None, limits: Limits, admit: Callable[[], None] | None = None):
        self.spec = spec or os.environ.get("RECTKG_STORE") or DEFAULT_STORE
        self.limits = limits
        self.admit = admit  # the pages' admission, asked before a query takes a worker (webapp/lanes.py)
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._closed = False  # a closed holder never opens the store again (a late warm-up step)
        self._seen: tuple[float, Hashable] | None = None  # (when read, version) of a remote store

    @property
    def remote(self) -> bool:
        return self.spec.startswith(("http://", "https://"))

    def get(self) -> Store:
        with self._lock:
            if self._closed:
                raise StoreError("the store was closed: the server is shutting down")
            if self._store is None:
                if self.remote:
                    self._store = self._remote()
                else:
                    log.info("opening store %s (queries in %d workers)", self.spec, self.limits.workers)
                    self._store = PooledStore(Path(self.spec), self.limits, self.admit)
            return self._store

    def _remote(self) -> RemoteStore:
        """The remote store, whose client time-out is at most the app's query time limit: the server
        may go on working (its own limit stops it), but the request is answered with a timeout."""
        settings = RemoteSettings.from_env(self.spec)
        limited = dataclasses.replace(settings, timeout=min(settings.timeout, self.limits.time_limit))
        log.info("using the SPARQL server at %s (requests limited to %g s)", self.spec, limited.timeout)
        return RemoteStore(self.spec, settings=limited)

    @property
    def generation(self) -> Hashable:
        """The embedded store's snapshot number (free to read); on a server, the version stamp every
        rectkg write sets (graph/aggregates.py), so that the app's caches also end with writes
        made there by another process. That is one request, so it is read at most every
        REMOTE_VERSION_TTL_S, not on every cache lookup (search suggests on each keystroke)."""
        store = self._store
        if isinstance(store, PooledStore):
            return store.version
        if store is None:
            return None
        now = time.monotonic()
        seen = self._seen  # two threads may both read it afresh: harmless, and no lock held over HTTP
        if seen is None or now - seen[0] > REMOTE_VERSION_TTL_S:
            seen = self._seen = (now, aggregates.version(store))
        return seen[1]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._store is not None:
                self._store.close()
                self._store = None


def holder_for(app: Flask) -> StoreHolder:
    config = app.config
    limits = Limits(
        time_limit=config["QUERY_TIMEOUT"],
        max_rows=config["MAX_ROWS"],
        workers=config["QUERY_WORKERS"],
        queue_wait=config["QUEUE_WAIT"],
        memory_mb=config["QUERY_MEMORY_MB"],
        endpoint_workers=admission.endpoint_workers(config) if config["QUERY_WORKERS"] > 1 else 0,
    )
    return StoreHolder(config["STORE"], limits, lanes.admit)


def store() -> Store:
    return current_app.extensions["rectkg.store"].get()


def remote() -> bool:
    """Whether the store is a SPARQL server rather than the embedded store."""
    return current_app.extensions["rectkg.store"].remote


def generation() -> Hashable:
    """Changes whenever the store was written, so caches built from it know to rebuild."""
    return current_app.extensions["rectkg.store"].generation


def run(call: Callable[[Store], T]) -> T:
    """Call with the store; an embedded store enforces the time limit in its workers, a remote one
    as its client time-out."""
    return call(store())


def run_whole(call: Callable[[Store], T]) -> T:
    """Like `run`, for the app's own reads of the whole graph: the time limit, not the row limit."""
    current = store()
    return call(current.without_row_limit() if isinstance(current, PooledStore) else current)


_build_locks: dict[str, threading.Lock] = {}
_build_locks_lock = threading.Lock()


def cached(name: str, build: Callable[[Store], T]) -> T:
    """`build` over the whole store, kept until the next write: the app's indexes (graph view,
    search, analytics, dashboard) are rebuilt once per store version rather than per request.
    One lock per name, taken only to build: a cache hit never waits for another cache's build
    (the dashboard's takes seconds at a thousand reports)."""
    store()  # notices changes on disk, which bumps the generation
    version = generation()
    key = "rectkg.cache." + name
    kept = current_app.extensions.get(key)
    if kept and kept[0] == version:
        return kept[1]
    with _build_locks_lock:
        lock = _build_locks.setdefault(key, threading.Lock())
    with lock:
        kept = current_app.extensions.get(key)
        if kept and kept[0] == version:
            return kept[1]
        built = run_whole(build)
        current_app.extensions[key] = (version, built)
        return built


def kept_or_stale(name: str, build: Callable[[Store], T]) -> tuple[T, bool]:
    """`cached`, but while a write's warm-up is due or under way, what was kept before that write
    (then True) rather than a build of its own: a whole-corpus build no visitor should wait for
    (a minute and more at a thousand reports), which the warm-up is about to do anyway."""
    store()  # notices changes on disk, which bumps the generation
    kept = current_app.extensions.get("rectkg.cache." + name)
    if kept and kept[0] != generation() and current_app.extensions["rectkg.warm"].busy():
        return kept[1], True
    return cached(name, build), False


LASTING_FORMAT = 1  # bumped whenever what `lasting` saves changes shape: older files are then ignored


def lasting(name: str, build: Callable[[Store], T], form: int = LASTING_FORMAT) -> Callable[[Store], T]:
    """`build`, saved beside an embedded store (`<store>.kept/NAME`) with the store's version stamp
    and read back from there while the stamp is still the store's: after a restart, what the
    warm-up has not rebuilt yet is not built inside a visitor's request (every finding of a
    thousand reports, for a drop-down: 22-26 s at load 8). Saved only when no write came between
    reading the stamp and the end of the build; a SPARQL server's answers are not saved. `form`:
    the saved shape's number, for a value whose shape has its own (the shared network's)."""
    holder: StoreHolder = current_app.extensions["rectkg.store"]
    if holder.remote:
        return build
    path = _lasting_path(holder, name)

    def saved_or_built(current: Store) -> T:
        stamp = aggregates.version(current)
        saved = savedfile.read(path, form, name)
        if stamp is not None and saved is not None and saved.get("stamp") == stamp:
            return saved["value"]
        value = build(current)
        if stamp is not None and aggregates.version(current) == stamp:
            _save(path, stamp, value, form)
        return value

    return saved_or_built


def _lasting_path(holder: StoreHolder, name: str) -> Path:
    return Path(holder.spec).parent / (Path(holder.spec).name + ".kept") / name


def _save(path: Path, stamp: str, value: object, form: int) -> None:
    """With the process that built it (`pid`), and the stamp also in a small file beside it
    (`NAME.stamp`), so that whether the saved value is current is known without reading it (the
    shared network's is 40 MB at a thousand reports)."""
    savedfile.write(path, {"stamp": stamp, "value": value, "pid": os.getpid()}, form)
    savedfile.write(_stamp_path(path), {"stamp": stamp}, form)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".stamp")


def lasting_current(name: str, form: int = LASTING_FORMAT) -> bool:
    """Whether what `lasting(name, …)` saved is for the store as it is now."""
    holder: StoreHolder = current_app.extensions["rectkg.store"]
    if holder.remote:
        return False
    path = _lasting_path(holder, name)
    saved = savedfile.read(_stamp_path(path), form, name + " stamp")
    stamp = aggregates.version(holder.get())
    return saved is not None and stamp is not None and saved.get("stamp") == stamp and path.exists()


def build_apart(name: str, build: Callable[[Store], T], form: int, stopping: Callable[[], bool]) -> bool:
    """Save what `lasting(name, build, form)` keeps, built in a process of its own at the endpoint
    workers' lower CPU priority from the store's current snapshot, for `lasting` to read back: a
    warm-up's Python then runs beside, not inside, the interpreter serving the visitors' requests
    (the shared network: 18 s of it at a thousand reports; light pages' p95 0.6-1.0 s in process
    against 0.05-0.12 s apart in the half minute after a write). The process is killed as soon as
    `stopping()` (the app shutting down), and then False. Only for the embedded store (a
    snapshot to read: the caller asks `remote()` first); `build` must be a module's function. A
    snapshot removed under the process (two more writes meanwhile) makes it fail: the caller then
    builds in its own process, as before."""
    holder: StoreHolder = current_app.extensions["rectkg.store"]
    current = holder.get()
    if not isinstance(current, PooledStore):
        raise StoreError(f"building {name} in a process of its own needs the embedded store's snapshot")
    started = time.perf_counter()
    arguments = (build, current.current_snapshot, str(_lasting_path(holder, name)), form, holder.limits.endpoint_nice)
    child = multiprocessing.get_context("spawn").Process(target=_build_saved, args=arguments, daemon=True)
    child.start()
    while child.is_alive():
        child.join(0.2)
        if stopping():
            child.kill()
            child.join()
            return False
    if child.exitcode != 0:
        raise StoreError(f"building {name} in a process of its own failed (exit code {child.exitcode})")
    log.info("%s built apart in %.0f ms", name, (time.perf_counter() - started) * 1000)
    return True


def _build_saved(build: Callable[[Store], T], snapshot: str, path: str, form: int, nice: int) -> None:
    """In the process `build_apart` started: build from the snapshot, save under its stamp."""
    os.nice(nice)
    store = OxigraphStore(snapshot, read_only=True)
    stamp = aggregates.version(store)
    if stamp is not None:
        _save(Path(path), stamp, build(store), form)


@contextmanager
def serving(app: Flask, url: str) -> Iterator[None]:
    """While serving at url: hold the embedded store and advertise this server beside it, so
    `rectkg ingest`/`remove` hand their writes to its admin API; at exit withdraw and let go."""
    holder: StoreHolder = app.extensions["rectkg.store"]
    advertised = False
    if not holder.remote:
        try:
            holder.get()  # take the store's lock before telling anyone to hand writes here
        except StoreError as error:  # every request will say so (500); nothing to hand writes to
            log.error("the store cannot be opened: %s", error)
        else:
            app.extensions["rectkg.warm"].restore()
            app.config["HANDOFF_TOKEN"] = handoff.advertise(holder.spec, url)
            advertised = True
    app.extensions["rectkg.warm"].poke()  # answers for the first clicks, whatever was ingested before
    try:
        yield
    finally:
        if advertised:
            handoff.withdraw(holder.spec)
        close(app)


def close(app: Flask) -> None:
    """Stop the warm-ups and the workers, and let go of the store."""
    app.extensions["rectkg.warm"].close()
    app.extensions["rectkg.store"].close()
