"""Search's index saved beside the store, so that a restart does not build it again.

Building the index from the stored search shares (webapp/search.py) reads every document's share
and splits its text into bigrams: ~30 s at a thousand reports, paid by the first search after every
restart. The app therefore saves what it built to `<store>.search` (beside `<store>.snapshots`)
once writes pause (webapp/warm.py), with the store's version stamp, and loads it on start. The
loaded index is only taken as it is when its stamp is the store's; otherwise each document's share
digest says which shares changed since it was saved, and only those are read again. How it is
written and read (a pickle, whole or not at all) is webapp/savedfile.py.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webapp import savedfile

log = logging.getLogger(__name__)
# Bumped whenever what webapp/search.py saves changes shape: an older file is then ignored.
FORMAT = 1


def beside(store: str) -> Path:
    """Where the index of the embedded store at `store` is saved."""
    path = Path(store)
    return path.parent / (path.name + ".search")


def save(path: Path, state: dict, shares: dict[str, str]) -> None:
    """Write the index (`state`, with its "stamp") and the shares it was made of, each file whole or
    not at all. The shares go to a file of their own, `shares_file(path)`: a search needs the index
    only, so a restart does not wait for them; the first change after it reads them (`load_shares`)."""
    started = time.perf_counter()
    savedfile.write(shares_file(path), {"stamp": state["stamp"], "shares": shares}, FORMAT)
    savedfile.write(path, state, FORMAT)
    log.info("search index saved to %s in %.0f ms", path, (time.perf_counter() - started) * 1000)


def shares_file(path: Path) -> Path:
    return path.with_name(path.name + "-shares")


def load(path: Path) -> dict | None:
    """The index saved at `path`, or None (no file, another format, unreadable: built afresh)."""
    started = time.perf_counter()
    state = savedfile.read(path, FORMAT, "search index")
    if state is not None:
        log.info("search index loaded from %s in %.0f ms", path, (time.perf_counter() - started) * 1000)
    return state


def load_shares(path: Path, stamp: str) -> dict[str, str] | None:
    """The shares saved with the index of `stamp` (document graph → its share's JSON), or None if
    the file holds another version's (a save cut short between the two files)."""
    state = savedfile.read(shares_file(path), FORMAT, "search index")
    return state["shares"] if state is not None and state.get("stamp") == stamp else None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Load without the cyclic garbage collector, then leave what was loaded out of its rounds.
    A thousand reports' index is a million strings and tuples, none in a cycle: collecting while
    they are made took 0.5 s of the 1.2 s to make them, and every full collection after would
    walk them all again."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()
