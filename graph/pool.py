"""Queries that can be stopped: worker processes over read-only snapshots of the embedded store.

pyoxigraph cannot cancel a running query, so a time limit that really frees the CPU needs a
process that can be killed. Workers cannot share the writable store either: a read-only open
beside a live writer is undefined behaviour in Oxigraph. So this process keeps the one writable
store, and after every write it takes a checkpoint (hard links, cheap) into a numbered snapshot
folder; workers open the newest snapshot read-only. A reader therefore sees a whole store version,
never half a document, and a query past the limit is answered with QueryTimeout while its worker
is killed and replaced.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import shutil
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph

from graph.store import Outbound, OxigraphStore, QueryError, QueryTimeout, Result, Store, StoreError, Term

log = logging.getLogger(__name__)


class Busy(StoreError):
    """Every worker is taken and none came free in time (HTTP 503 with Retry-After)."""

    retry_after = 2


@dataclass(frozen=True)
class Limits:
    time_limit: float = 30.0  # seconds a query may run
    max_rows: int = 10_000  # rows returned; more are cut and the cut announced
    workers: int = 2
    queue_wait: float = 5.0  # seconds a request may wait for a free worker


def _worker_main(conn) -> None:
    """Worker loop: open the snapshot named by each request, answer, repeat."""
    from graph import sandbox
    from graph.store import OxigraphStore

    sandbox.confine()  # before any query: no network, whatever a query asks (graph/sandbox.py)

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
            else:
                conn.send(("ok", store.construct(query, arguments).serialize(format="nt")))
        except Outbound as error:
            conn.send(("outbound", error.keyword))
        except QueryError as error:
            conn.send(("query-error", str(error)))
        except Exception as error:  # a worker must always answer, whatever the store raised
            conn.send(("store-error", f"{type(error).__name__}: {error}"))


def _protocol_answer(answer: Result | Graph) -> tuple:
    """A protocol answer in a form that crosses the pipe: a Result as is, a graph as N-Triples."""
    if isinstance(answer, Result):
        return ("result", answer)
    return ("graph", answer.serialize(format="nt"), getattr(answer, "truncated", False))


class _Worker:
    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class PooledStore(Store):
    """The embedded store, with every query run in a killable worker under Limits."""

    def __init__(self, path: str | Path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        self._writer = OxigraphStore(self.path)
        self._snapshots = self.path.parent / (self.path.name + ".snapshots")
        self._write_lock = threading.Lock()
        self._version = 0
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._clear_snapshots()
        self._snapshot()
        for _ in range(self.limits.workers):
            self._idle.put(_Worker(self._ctx))

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
        for old in self._snapshots.iterdir():
            if old.name not in (f"v{version}", f"v{version - 1}"):
                shutil.rmtree(old, ignore_errors=True)

    @property
    def current_snapshot(self) -> str:
        return str(self._snapshots / f"v{self._version}")

    @property
    def version(self) -> int:
        """Grows with every write: a key for caches of rendered answers."""
        return self._version

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
    def _run(self, kind: str, query: str, arguments: Mapping | None):
        try:
            worker = self._idle.get(timeout=self.limits.queue_wait)
        except queue.Empty:
            raise Busy("all query workers are busy; try again in a moment") from None
        deadline = time.monotonic() + self.limits.time_limit
        try:
            worker.conn.send((self.current_snapshot, kind, query, dict(arguments or {}), self.limits.max_rows))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                log.warning("query stopped after %.1f s; replacing its worker", self.limits.time_limit)
                worker.kill()
                worker = _Worker(self._ctx)
                raise QueryTimeout(
                    f"the query ran longer than {self.limits.time_limit:g} s and was stopped; "
                    "narrow it down (LIMIT, more specific patterns)"
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            worker.kill()
            worker = _Worker(self._ctx)
            raise StoreError(f"query worker failed: {error}") from error
        finally:
            self._idle.put(worker)
        if status == "outbound":
            raise Outbound(payload)
        if status == "query-error":
            raise QueryError(payload)
        if status == "store-error":
            raise StoreError(payload)
        return payload

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

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().kill()
        self._writer.close()
        shutil.rmtree(self._snapshots, ignore_errors=True)
