"""Real SPARQL servers for tests: `oxigraph serve` and Virtuoso, each on 127.0.0.1 in a temp folder.

Each server is a process the test owns: started on a free port, waited for until it answers a
query, and stopped (terminate, then kill) by the fixture's finalizer whatever the test did.
`kill()` and `start()` again on the same folder and port is how a test crashes and restarts one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from graph.remote import RemoteSettings, RemoteStore

STARTUP_SECONDS = 60
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
VIRTUOSO_VSP = "/var/lib/virtuoso-opensource-7/vsp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in `folder`, reachable at `url` with the RECTKG_SPARQL_* settings in `env`."""

    name = "server"

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.folder / "server.log"

    url: str
    env: dict[str, str] = {}  # noqa: RUF012 - overridden per instance

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready_url(self) -> str:
        raise NotImplementedError

    def start(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.ready_url(), timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {STARTUP_SECONDS} s: {self.log_tail()}")

    def kill(self) -> None:
        """Crash it: SIGKILL, no chance to flush or say goodbye."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def environ(self) -> dict[str, str]:
        """The process environment for a `rectkg --store URL` subprocess."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("RECTKG_")}
        return {**keep, **self.env}

    def store(self, **overrides: str) -> RemoteStore:
        return RemoteStore(self.url, settings=RemoteSettings.from_env(self.url, {**self.env, **overrides}))


class OxigraphServer(Server):
    """`oxigraph serve` from the oxigraph PyPI package, data on disk so it survives a restart.

    With `--union-default-graph`, as a deployment using RECTKG_SPARQL_DATASET=union would run it;
    the default explicit dataset must (and does) still hide staging graphs.
    """

    name = "oxigraph"

    def __init__(self, folder: Path, *, timeout_s: int = 30):
        super().__init__(folder)
        self.timeout_s = timeout_s
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"RECTKG_SPARQL_TIMEOUT": "30", "RECTKG_SPARQL_BACKOFF": "0.1"}

    def command(self) -> list[str]:
        location = str(self.folder / "data")
        return [
            str(OXIGRAPH),
            "serve",
            "--location",
            location,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout-s",
            str(self.timeout_s),
            "--union-default-graph",
        ]

    def ready_url(self) -> str:
        return f"{self.url}/query?query=ASK%7B%7D"


class VirtuosoServer(Server):
    """Debian's Virtuoso 7 with a throw-away database; writes through /sparql-auth as dba (digest)."""

    name = "virtuoso"

    def __init__(self, folder: Path):
        if not Path(VIRTUOSO).exists():
            raise RuntimeError("virtuoso-t not found: `make test` installs Debian's virtuoso-opensource")
        super().__init__(folder)
        self.sql_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparql-auth"
        self.env = {
            "RECTKG_SPARQL_USER": "dba",
            "RECTKG_SPARQL_PASSWORD": "dba",
            "RECTKG_SPARQL_AUTH": "digest",
            "RECTKG_SPARQL_TIMEOUT": "30",
            "RECTKG_SPARQL_BACKOFF": "0.1",
        }
        (self.folder / "virtuoso.ini").write_text(self.ini(), encoding="utf-8")

    def ini(self) -> str:
        d = self.folder
        return f"""[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
CheckpointInterval = 60
[HTTPServer]
ServerPort = 127.0.0.1:{self.port}
ServerRoot = {VIRTUOSO_VSP}
ServerThreads = 4
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""

    def command(self) -> list[str]:
        return [VIRTUOSO, "-f", "-c", str(self.folder / "virtuoso.ini")]

    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql?query=ASK%7B%7D"


@contextmanager
def canary() -> Iterator[tuple[str, list[bytes]]]:
    """A listener on 127.0.0.1 that records every connection made to it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    received.append(b"(connected)")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/canary", received
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def wait_until_answers(url: str, server: subprocess.Popen) -> None:
    """Until a `rectkg serve` process answers at url (its first page may take a while to build)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, f"rectkg serve exited: {server.stderr.read() if server.stderr else ''}"
        try:
            requests.get(url, timeout=30)
            return
        except requests.RequestException:  # not listening yet, or its first page still building
            time.sleep(0.3)
    raise AssertionError(f"rectkg serve did not answer at {url}")
