"""Child processes that die with their parent: a killed `rectkg ingest` must not leave readers behind.

A reader blocked writing its result to a pipe nobody reads would otherwise live on, holding the
caller's stdout and stderr open (a shell pipeline or a test waiting for EOF waits for ever), and
with it multiprocessing's resource tracker, which exits once every reader is gone. On Linux the
kernel does it: prctl(PR_SET_PDEATHSIG) sends SIGKILL to the child when its parent dies. Elsewhere
(macOS, BSD) a daemon thread watches the parent's pid once a second and ends the process.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL = 1.0


def die_with(parent: int) -> None:
    """Make this process end when `parent` (the pid that started it) does."""
    if not (sys.platform.startswith("linux") and _death_signal()):
        threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _death_signal() -> bool:
    """Ask Linux for SIGKILL when the parent dies. (It fires when the parent *thread* that started
    this process ends; ProcessPoolExecutor starts readers from the caller's thread, the main one.)"""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            return True
        log.warning("prctl(PR_SET_PDEATHSIG) failed (errno %d); watching the parent instead", ctypes.get_errno())
    except (OSError, AttributeError) as error:
        log.warning("no prctl (%s); watching the parent instead", error)
    return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)
