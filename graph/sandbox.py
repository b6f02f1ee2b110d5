"""Query workers that cannot open a network connection, whatever query reaches them.

The workers read a local store and talk to the app over a pipe they inherit: they need no new
socket, and the engine's SERVICE client is the only thing in them that would open one. So each
worker, as it starts, installs a seccomp filter (through libseccomp, which needs no root) under
which `socket()` fails for every address family but AF_UNIX, and io_uring (which could open
sockets beside that check) cannot be set up. Then a query that slips past graph/guard.py still
cannot fetch anything: the engine's request fails and the query gets an error.

On a system without seccomp (not Linux, or libseccomp missing) the worker runs unconfined and says
so in the log; the README tells operators what to do there (a firewall for the server's user).
"""

from __future__ import annotations

import errno
import logging
import socket
import sys

log = logging.getLogger(__name__)

# Syscalls a confined worker is refused outright: io_uring can create sockets without socket().
_REFUSED = ("io_uring_setup",)


def confine() -> bool:
    """Forbid this process (and its threads and children) new network sockets; False where the
    system offers no way to (the reason is logged)."""
    if not sys.platform.startswith("linux"):
        log.warning("query workers are not sandboxed: seccomp needs Linux, this is %s", sys.platform)
        return False
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as error:  # OSError: libseccomp.so.2 is not installed
        log.warning("query workers are not sandboxed: libseccomp is unavailable (%s)", error)
        return False
    denied = seccomp.ERRNO(errno.EACCES)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.add_rule(denied, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    try:
        for name in _REFUSED:
            rules.add_rule(denied, name)
        rules.load()
    except (OSError, RuntimeError, ValueError) as error:  # a kernel without seccomp filters, say
        log.warning("query workers are not sandboxed: the seccomp filter was refused (%s)", error)
        return False
    return True
