"""Reading many report files across the cores, for one writer.

Reading a report (text → Report → triples → N-Triples) is pure CPU and independent per file, so
worker processes do it; the store has one writer, the calling process, which loads the files'
N-Triples (rectkg.batches). Results come back in file order, so what `rectkg ingest` prints
and which reading of a report wins do not depend on timing. At most a few files are read ahead
of the writer: a slow store must not make finished readings pile up in memory.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from graph.store import StoreError, ntriples_bytes
from loaders.errors import LoaderError
from loaders.pipeline import Loaded, load_file

log = logging.getLogger(__name__)

AHEAD = 2  # readings in flight per worker


@dataclass
class Reading:
    """One file, read: its report (without triples, which travel as `ntriples`) or why it failed.

    Errors travel as text because the loader's exceptions do not survive pickling."""

    path: Path
    loaded: Loaded | None = None
    ntriples: bytes = b""
    error: str | None = None
    unexpected: bool = False  # a loader bug, not bad input


def read_file(path: Path) -> Reading:
    try:
        loaded = load_file(path)
        data = ntriples_bytes(loaded.triples)
    except (LoaderError, StoreError, OSError) as error:
        return Reading(path, error=str(error).splitlines()[0] if str(error) else type(error).__name__)
    except Exception as error:  # a loader bug on one file must not stop the other files
        log.exception("unexpected error on %s", path)
        return Reading(path, error=type(error).__name__, unexpected=True)
    loaded.triples = []  # already in `ntriples`; do not pickle them twice
    return Reading(path, loaded, data)


def workers_for(files: int) -> int:
    """One process per core; none for a single file, where starting a worker costs more than it saves."""
    return 0 if files < 2 else min(files, os.cpu_count() or 1)


def read_files(paths: list[Path], workers: int | None = None, extra: int = 0) -> Iterator[Reading]:
    """Each path's Reading, in order; read in `workers` processes (0: in this one), `extra` more
    readings ahead for a writer that takes them in batches (rectkg.batches), or the workers would
    wait while it writes."""
    workers = workers_for(len(paths)) if workers is None else workers
    if workers <= 1:
        yield from map(read_file, paths)
        return
    # spawn, not fork: the caller may hold an open store whose background threads a fork would copy mid-lock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[Reading]] = deque()
        todo = iter(paths)
        for path in todo:
            pending.append(pool.submit(read_file, path))
            if len(pending) >= workers * AHEAD + extra:
                break
        while pending:
            reading = pending.popleft().result()
            next_path = next(todo, None)
            if next_path is not None:
                pending.append(pool.submit(read_file, next_path))
            yield reading
