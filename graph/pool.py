"""Queries that can be stopped: worker processes over read-only snapshots of the embedded store.

pyoxigraph cannot cancel a running query, so a time limit that really frees the CPU needs a
process that can be killed. Workers cannot share the writable store either: a read-only open
beside a live writer is undefined behaviour in Oxigraph. So this process keeps the one writable
store, and after every write it takes a checkpoint (hard links, cheap) into a numbered snapshot
folder; workers open the newest snapshot read-only. A reader therefore sees a whole store version,
never half a document, and a query past the limit is answered with QueryTimeout while its worker
is killed and replaced.

The limits cover the answer as well as the evaluation (issue 21): an endpoint answer is written by
its worker under a row and a byte cap and sent over in chunks (`write_answer`, graph/answers.py),
so this process spools at most the cap instead of unpickling a whole answer, and each worker has
a memory limit (`_confine`); a worker past it is replaced, like one past the time limit. Endpoint
answers may have workers of their own (`Limits.endpoint_workers`), so the app's pages keep theirs.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import resource
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph

from graph.embedded import OxigraphStore
from graph.interface import (
    Caps,
    Outbound,
    QueryError,
    QueryTimeout,
    Result,
    Sink,
    Store,
    StoreError,
    Term,
    Written,
)

log = logging.getLogger(__name__)


class Busy(StoreError):
    """Every worker is taken and none came free in time (HTTP 503 with Retry-After)."""

    retry_after = 2


class QueryOverMemory(StoreError):
    """The query's worker went past its memory limit and was replaced (HTTP 503)."""


@dataclass(frozen=True)
class Limits:
    time_limit: float = 30.0  # seconds a query may run
    max_rows: int = 10_000  # rows returned; more are cut and the cut announced
    workers: int = 2
    queue_wait: float = 5.0  # seconds a request may wait for a free worker
    memory_mb: int = 2048  # address space a worker may use (RLIMIT_AS); 0: no limit
    # Of `workers`, those that only write protocol answers (`write_answer`: the open endpoint), at a
    # lower CPU priority, so that heavy endpoint queries neither take the workers of the app's own
    # pages nor starve them of CPU; 0: one set of workers for everything.
    endpoint_workers: int = 0
    endpoint_nice: int = 10


# Exit signals of a worker that ran out of its memory limit: Rust aborts when an allocation fails
# (SIGABRT), and the kernel's or a cgroup's OOM killer sends SIGKILL.
OUT_OF_MEMORY_SIGNALS = (-signal.SIGABRT, -signal.SIGKILL)
STARTUP_WAIT_S = 120.0


def _confine(memory_mb: int, nice: int) -> None:
    """Cap this worker's address space, so a query that builds a huge answer or intermediate result
    fails in its own worker (which is then replaced) instead of taking the machine's memory: one
    worker reached 3.5 GB in 15 s (issue 21). RLIMIT_AS, because it is there on every Linux without
    privileges; it counts reserved address space, which is why the default leaves room over the
    ~0.5 GB an idle worker reserves. An endpoint worker also gives way on the CPU (`nice`)."""
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if nice:
        os.nice(nice)


def _worker_main(conn, memory_mb: int = 0, nice: int = 0) -> None:
    """Worker loop: open the snapshot named by each request, answer, repeat."""
    from graph import sandbox

    sandbox.confine()  # before any query: no network, whatever a query asks (graph/sandbox.py)
    _confine(memory_mb, nice)

    conn.send(("ready", None))  # started: a query's time limit starts once its worker is up
    opened: tuple[str, OxigraphStore] | None = None
    while True:
        try:
            snapshot, kind, query, arguments, max_rows = conn.recv()
        except EOFError:
            return
        try:
            if opened is None or opened[0] != snapshot:
                opened = (snapshot, OxigraphStore(snapshot, read_only=True))
            store = opened[1]
            if kind == "select":
                result = store.select(query, arguments).cut(max_rows)
                conn.send(("ok", (result.variables, result.rows, result.boolean, result.truncated)))
            elif kind == "query":
                conn.send(("ok", _protocol_answer(store.query(query, max_rows=max_rows, **arguments))))
            elif kind == "answer":
                conn.send(("ok", _write_answer(store, query, arguments, conn)))
            else:
                conn.send(("ok", store.construct(query, arguments).serialize(format="nt")))
        except Outbound as error:
            conn.send(("outbound", error.keyword))
        except QueryError as error:
            conn.send(("query-error", str(error)))
        except MemoryError as error:
            conn.send(("memory", str(error) or "out of memory"))
        except Exception as error:  # a worker must always answer, whatever the store raised
            conn.send(("store-error", f"{type(error).__name__}: {error}"))


def _write_answer(store: Store, query: str, arguments: dict, conn) -> Written:
    """An endpoint answer written as the query runs, each chunk sent as soon as it is full: the
    worker holds one chunk, never the answer (graph/answers.py)."""
    return store.write_answer(
        query, arguments["fmt"], arguments["caps"], lambda data: conn.send(("chunk", data)), **arguments["dataset"]
    )


def _protocol_answer(answer: Result | Graph) -> tuple:
    """A protocol answer in a form that crosses the pipe: a Result as is, a graph as N-Triples."""
    if isinstance(answer, Result):
        return ("result", answer)
    return ("graph", answer.serialize(format="nt"), getattr(answer, "truncated", False))


class _Worker:
    def __init__(self, ctx, memory_mb: int = 0, nice: int = 0) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb, nice), daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for a new worker's first message (its imports take seconds on a busy machine, and are
        no part of a query's time); one that never comes is the worker's failure."""
        if self.ready:
            return
        try:
            if not self.conn.poll(STARTUP_WAIT_S):
                raise StoreError(f"a query worker did not start within {STARTUP_WAIT_S:g} s")
            self.conn.recv()
        except (EOFError, OSError) as error:
            raise StoreError(f"a query worker failed to start: {error or type(error).__name__}") from error
        self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class PooledStore(Store):
    """The embedded store, with every query run in a killable worker under Limits."""

    def __init__(self, path: str | Path, limits: Limits | None = None, admit: Callable[[], None] | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        # Asked before a query takes one of the app's workers (never the endpoint's, which have their
        # own gate): the web app's page admission (webapp/lanes.py), which may raise Busy at once
        # rather than let the request wait QUEUE_WAIT here. Answers from a cache never get this far.
        self._admit = admit
        self._writer = OxigraphStore(self.path)
        self._snapshots = self.path.parent / (self.path.name + ".snapshots")
        self._write_lock = threading.Lock()
        self._version = 0
        self._stamp: str | None = None
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()  # the app's workers (all, without endpoint ones)
        endpoint = min(self.limits.endpoint_workers, self.limits.workers - 1)
        self._endpoint_idle: queue.Queue[_Worker] = queue.Queue() if endpoint > 0 else self._idle
        self._clear_snapshots()
        self._snapshot()
        for _ in range(self.limits.workers - max(endpoint, 0)):
            self._idle.put(self._new_worker(self._idle))
        for _ in range(max(endpoint, 0)):
            self._endpoint_idle.put(self._new_worker(self._endpoint_idle))
        for lane in self._lanes():  # started together, waited for together: no first query pays for it
            for worker in list(lane.queue):
                worker.wait_ready()

    def _lanes(self) -> list[queue.Queue[_Worker]]:
        return [self._idle] if self._endpoint_idle is self._idle else [self._idle, self._endpoint_idle]

    def _new_worker(self, lane: queue.Queue[_Worker]) -> _Worker:
        nice = self.limits.endpoint_nice if lane is not self._idle else 0
        return _Worker(self._ctx, self.limits.memory_mb, nice)

    # -- snapshots ---------------------------------------------------------------------------
    def _clear_snapshots(self) -> None:
        shutil.rmtree(self._snapshots, ignore_errors=True)
        self._snapshots.mkdir(parents=True)

    def _snapshot(self) -> None:
        """Checkpoint the writer into the next version; keep the previous one for queries in flight."""
        version = self._version + 1
        target = self._snapshots / f"v{version}"
        self._writer._store.backup(str(target))
        self._version = version
        # After the version: a stamp newer than the snapshot queries read would file an old answer
        # under the new stamp; an older one only makes the next request compute it again.
        self._stamp = self._writer.version_stamp()
        for old in self._snapshots.iterdir():
            if old.name not in (f"v{version}", f"v{version - 1}"):
                shutil.rmtree(old, ignore_errors=True)

    @property
    def current_snapshot(self) -> str:
        return str(self._snapshots / f"v{self._version}")

    def version_stamp(self) -> str | None:
        """The newest snapshot's stamp, read as it was taken: a cached answer (a saved query's, the
        dashboard's) is found without waiting for a worker, even when every worker is busy."""
        return self._stamp

    @property
    def version(self) -> int:
        """Grows with every write: a key for caches of rendered answers."""
        return self._version

    @property
    def row_limit(self) -> int | None:  # type: ignore[override]
        return self.limits.max_rows

    def without_row_limit(self) -> PooledStore:
        """The same workers and snapshot, without MAX_ROWS: the app's own indexes (graph view,
        search, analytics) read the whole graph, and a visitor's row limit must not cut them
        short. The time limit still applies; the view is for one call and is never closed."""
        view = copy(self)
        view.limits = replace(self.limits, max_rows=sys.maxsize)
        return view

    # -- writes (this process) ---------------------------------------------------------------
    def replace_graph(self, graph_iri: str, graph: Graph) -> None:
        with self._write_lock:
            self._writer.replace_graph(graph_iri, graph)
            self._snapshot()

    def replace_graphs_together(self, documents: Sequence[tuple[str, bytes]]) -> None:
        with self._write_lock:
            self._writer.replace_graphs_together(documents)
            self._snapshot()

    def remove_graph(self, graph_iri: str) -> bool:
        with self._write_lock:
            removed = self._writer.remove_graph(graph_iri)
            if removed:
                self._snapshot()
            return removed

    def graphs(self) -> list[str]:
        return self._writer.graphs()

    def export(self, fmt: str) -> bytes:
        return self._writer.export(fmt)

    def triple_count(self) -> int:
        return self._writer.triple_count()

    # -- queries (workers) -------------------------------------------------------------------
    def _run(
        self,
        kind: str,
        query: str,
        arguments: Mapping | None,
        sink: Callable[[bytes], None] | None = None,
        lane: queue.Queue[_Worker] | None = None,
    ):
        """One request to a free worker of the lane (the app's by default), within the time limit;
        chunks it sends go to sink. A worker that overran, died, ran out of memory or was left
        mid-answer is killed and replaced."""
        if lane is None and self._admit is not None:
            self._admit()
        lane = self._idle if lane is None else lane
        try:
            worker = lane.get(timeout=self.limits.queue_wait)
        except queue.Empty:
            raise Busy("all query workers are busy; try again in a moment") from None
        try:
            worker.wait_ready()
            deadline = time.monotonic() + self.limits.time_limit
            worker.conn.send((self.current_snapshot, kind, query, dict(arguments or {}), self.limits.max_rows))
            status, payload = self._receive(worker, deadline)
            while status == "chunk" and sink is not None:
                sink(payload)
                status, payload = self._receive(worker, deadline)
            if status == "memory":
                raise self._over_memory()
        except BaseException:
            worker.kill()
            worker = self._new_worker(lane)
            raise
        finally:
            lane.put(worker)
        if status == "outbound":
            raise Outbound(payload)
        if status == "query-error":
            raise QueryError(payload)
        if status == "store-error":
            raise StoreError(payload)
        return payload

    def _receive(self, worker: _Worker, deadline: float) -> tuple[str, object]:
        """The worker's next message, or the error saying why there is none."""
        if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
            log.warning("query stopped after %.1f s; replacing its worker", self.limits.time_limit)
            raise QueryTimeout(
                f"the query ran longer than {self.limits.time_limit:g} s and was stopped; "
                "narrow it down (LIMIT, more specific patterns)"
            )
        try:
            return worker.conn.recv()
        except (EOFError, OSError) as error:
            worker.process.join(timeout=5)
            if self.limits.memory_mb > 0 and worker.process.exitcode in OUT_OF_MEMORY_SIGNALS:
                raise self._over_memory() from error
            raise StoreError(f"query worker failed: {error or type(error).__name__}") from error

    def _over_memory(self) -> QueryOverMemory:
        log.warning("a query went past the workers' memory limit of %d MB; replacing its worker", self.limits.memory_mb)
        return QueryOverMemory(
            f"the query needed more than the {self.limits.memory_mb} MB a query may use and was stopped; "
            "narrow it down (LIMIT, fewer or shorter values)"
        )

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        variables, rows, boolean, truncated = self._run("select", query, bindings)
        return Result(variables, rows, boolean, truncated)

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> Graph:
        return Graph().parse(data=self._run("construct", query, bindings), format="nt")

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> Result | Graph:
        """The protocol query, run in a worker; rows are cut at the smaller of max_rows and the limit."""
        arguments = {"default_graphs": tuple(default_graphs), "named_graphs": tuple(named_graphs), "base_iri": base_iri}
        answer = self._run("query", query, arguments)
        if answer[0] == "result":
            result: Result = answer[1]
            return result.cut(max_rows)
        graph = Graph().parse(data=answer[1], format="nt")
        graph.truncated = answer[2]  # type: ignore[attr-defined]
        return graph

    def write_answer(self, query: str, fmt: str, caps: Caps, sink: Sink, **dataset) -> Written:
        """Written in a worker as the query runs, under the caps; its chunks arrive in sink here.
        The row cap is the smaller of the caller's and the limit."""
        caps = replace(caps, rows=min(caps.rows or sys.maxsize, self.limits.max_rows))
        sent = {"fmt": fmt, "caps": caps, "dataset": dict(dataset)}
        return self._run("answer", query, sent, sink, self._endpoint_idle)

    def close(self) -> None:
        for lane in self._lanes():
            while not lane.empty():
                lane.get_nowait().kill()
        self._writer.close()
        shutil.rmtree(self._snapshots, ignore_errors=True)
