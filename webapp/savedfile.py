"""What the app built from the store, saved beside it so that a restart need not build it again.

Search's index (webapp/searchfile.py) and the saved queries' drop-downs (webapp/db.py `lasting`)
take seconds to minutes to build at a thousand reports, and depend on nothing but the store. Each
is saved with the store's version stamp, whole or not at all, and only taken back while the stamp
is the store's. A file that cannot be read, or was written in another format, is ignored and the
state built afresh.

The files are pickles: written by this app beside its own store, which only the store's owner can
write to, so loading one trusts nothing the store itself would not.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def write(path: Path, state: dict, form: int) -> None:
    """Into a temporary file beside `path`, then renamed over it; `form` is the format's number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump({"format": form, **state}, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(path: Path, form: int, what: str) -> dict | None:
    """The state in `path` if format `form` wrote it; `what` names it in the log."""
    if not path.exists():
        return None
    try:
        with path.open("rb") as source, _without_cyclic_collection():
            state = pickle.load(source)
    except Exception as error:  # a torn or foreign file costs a build, never the app
        log.warning("ignoring the saved %s %s: %s", what, path, error)
        return None
    if not isinstance(state, dict) or state.get("format") != form:
        log.warning("ignoring the saved %s %s: another format", what, path)
        return None
    return state


@contextmanager
def _without_cyclic_collection() -> Iterator[None]:
    """Python's cyclic collector off while a file is read back, then as it was: it runs again and
    again as unpickling allocates, over objects that are all alive. The shared network of a
    thousand reports (40 MB) read back in 0.81-1.84 s with it, 0.31-0.33 s without; meanwhile
    the serving threads wait for the interpreter. Reference counting still frees as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
