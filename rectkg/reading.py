"""Reading many report files across the cores, for one writer.

Reading a report (text → Report → triples → N-Triples) is pure CPU and independent per file, so
reader processes do it; the store has one writer, the calling process, which loads the files'
N-Triples (rectkg.batches). Results come back in file order, so what `rectkg ingest` prints
and which reading of a report wins do not depend on timing. At most a few files are read ahead
of the writer: a slow store must not make finished readings pile up in memory.

A reader process bounds what one report may cost (`Limits`: memory and CPU time, each named in
the error when hit), which the writer could not do to itself without risking the store it holds,
and dies with its parent (rectkg.lifeline), so a killed ingest leaves no readers behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.interface import StoreError
from graph.terms import ntriples_bytes
from loaders.errors import LoaderError
from loaders.pipeline import Loaded, load_file
from rectkg import lifeline

try:
    import resource
except ImportError:  # Windows: no rlimits and no SIGPROF, so readings there run without these limits
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

AHEAD = 2  # readings in flight per worker
OVERTIME_REPEAT = 0.1  # CPU seconds between SIGPROFs once a reading is over its limit
MEMORY_ENV, TIME_ENV = "RECTKG_INGEST_MEMORY_MB", "RECTKG_INGEST_TIME_LIMIT"


@dataclass(frozen=True)
class Limits:
    """What reading one report may cost a reader process: memory it may add (bytes, RLIMIT_AS over
    what the idle reader maps) and CPU seconds. 1 GB is the ingest's memory target (README)."""

    memory: int = 1024 * 2**20
    cpu_seconds: float = 120.0

    @classmethod
    def from_environ(cls) -> Limits:
        """The defaults, or $RECTKG_INGEST_MEMORY_MB and $RECTKG_INGEST_TIME_LIMIT (seconds)."""
        default = cls()
        try:
            memory = int(os.environ.get(MEMORY_ENV, default.memory // 2**20)) * 2**20
            seconds = float(os.environ.get(TIME_ENV, default.cpu_seconds))
        except ValueError as error:
            raise ValueError(f"{MEMORY_ENV} and {TIME_ENV} must be numbers: {error}") from None
        return cls(memory, seconds)


@dataclass
class Reading:
    """One file, read: its report (without triples, which travel as `ntriples`) or why it failed.

    Errors travel as text because the loader's exceptions do not survive pickling."""

    path: Path
    loaded: Loaded | None = None
    ntriples: bytes = b""
    error: str | None = None
    unexpected: bool = False  # a loader bug, not bad input


class _OverTime(BaseException):
    """Raised by SIGPROF in a reader; a BaseException so that no loader's `except Exception` takes it."""


def read_file(path: Path, limits: Limits | None = None) -> Reading:
    """`path` read; within `limits` when given (in a reader process: the limits are process-wide)."""
    try:
        with _bounded(limits):
            loaded = load_file(path)
            data = ntriples_bytes(loaded.triples)
    except (LoaderError, StoreError, OSError) as error:
        return Reading(path, error=str(error) or type(error).__name__)  # the caller takes the first line
    except MemoryError:
        return Reading(path, error=f"{path}: {_over_memory(limits)}")
    except _OverTime:
        return Reading(path, error=f"{path}: {_over_time(limits)}")
    except Exception as error:  # a loader bug on one file must not stop the other files
        log.exception("unexpected error on %s", path)
        return Reading(path, error=type(error).__name__, unexpected=True)
    loaded.triples = []  # already in `ntriples`; do not pickle them twice
    return Reading(path, loaded, data)


def _over_memory(limits: Limits | None) -> str:
    budget = f"{limits.memory // 2**20} MB" if limits else "the memory available"
    return f"reading it needed more than {budget} of memory (the loader's limit per report, ${MEMORY_ENV}); split it"


def _over_time(limits: Limits | None) -> str:
    seconds = f"{limits.cpu_seconds:g} s" if limits else "its time"
    return f"reading it took more than {seconds} of CPU time (the loader's limit per report, ${TIME_ENV}); split it"


@contextmanager
def _bounded(limits: Limits | None) -> Iterator[None]:
    """Within the block, the process may map `limits.memory` more than now and use `cpu_seconds`
    of CPU: SIGPROF then raises _OverTime in Python code, and RLIMIT_CPU (twice that, plus slack)
    kills a reader stuck in one long C call. SIGPROF repeats every OVERTIME_REPEAT seconds after the
    limit, because Python swallows an exception raised where it cannot propagate (a finaliser, a
    weakref or gc callback) and reading would then run to its end. Afterwards the soft limits are
    lifted again, which an unprivileged process may do up to its hard limits."""
    if limits is None or resource is None:
        yield
        return
    saved = {kind: resource.getrlimit(kind) for kind in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    mapped = _mapped_bytes()
    if mapped is not None:
        _lower(resource.RLIMIT_AS, mapped + limits.memory)
    used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    _lower(resource.RLIMIT_CPU, int(used + 2 * limits.cpu_seconds + 30))
    handler = signal.signal(signal.SIGPROF, _raise_over_time)  # main thread only, as in a reader process
    _Alarm.armed = True
    signal.setitimer(signal.ITIMER_PROF, limits.cpu_seconds, OVERTIME_REPEAT)
    try:
        yield
    finally:
        try:  # a SIGPROF handled before the flag drops raises here, and is taken; later ones find it down
            _Alarm.armed = False
        except _OverTime:
            _Alarm.armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, handler)
        for kind, (soft, hard) in saved.items():
            resource.setrlimit(kind, (soft, hard))


def _lower(kind: int, soft: int) -> None:
    """Set a soft limit, never above the hard one."""
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _mapped_bytes() -> int | None:
    """This process's address-space size (Linux /proc); None elsewhere, where the memory limit is not set."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class _Alarm:
    """The one flag the SIGPROF handler reads: raise only while a reading is bounded."""

    armed = False


def _raise_over_time(_signum: int, _frame: object) -> None:
    if _Alarm.armed:
        raise _OverTime


def workers_for(files: int) -> int:
    """One process per core, and one for a single file: its limits need a process of its own."""
    return min(max(files, 1), os.cpu_count() or 1)


def read_files(
    paths: list[Path], workers: int | None = None, extra: int = 0, limits: Limits | None = None
) -> Iterator[Reading]:
    """Each path's Reading, in order; read in `workers` reader processes (0: in this one, without
    limits), `extra` more readings ahead for a writer that takes them in batches (rectkg.batches),
    or the workers would wait while it writes."""
    workers = workers_for(len(paths)) if workers is None else workers
    if workers == 0:
        yield from map(read_file, paths)
        return
    limits = limits or Limits.from_environ()
    todo = deque(paths)
    while todo:
        with _pool(workers) as pool:
            yield from _read_in(pool, todo, workers * AHEAD + extra, limits)


@contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Reader processes; on the way out readings not started are cancelled, so a writer that stops
    early (the store failed) does not wait for files it will never write."""
    # spawn, not fork: the caller may hold an open store whose background threads a fork would copy mid-lock.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=lifeline.die_with, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_in(pool: ProcessPoolExecutor, todo: deque[Path], ahead: int, limits: Limits) -> Iterator[Reading]:
    """Readings from `pool`, taking paths off `todo`, until it is empty or a reader process dies
    (killed by the system, or by its CPU limit in a long C call): that file fails, naming the
    cause, and the files in flight go back to the front of `todo` for a new pool."""
    pending: deque[tuple[Path, Future[Reading]]] = deque()
    while todo or pending:
        while todo and len(pending) < ahead:
            path = todo.popleft()
            pending.append((path, pool.submit(read_file, path, limits)))
        path, future = pending.popleft()
        try:
            reading = future.result()
        except BrokenProcessPool:
            todo.extendleft(p for p, _ in reversed(pending))
            yield Reading(path, error=f"{path}: {_died(limits)}")
            return
        yield reading


def _died(limits: Limits) -> str:
    return (
        "its reader process died while reading it (killed by the system for memory, or by the CPU limit "
        f"of {limits.cpu_seconds:g} s per report, ${TIME_ENV}); split it"
    )
