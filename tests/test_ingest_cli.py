"""`rectkg ingest` on a folder: every file tried, copies skipped, failures named, the store safe.

The installed `rectkg` command runs as its own process against a real on-disk store, as a user
runs it (and so the store's write lock is released between runs).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.store import OxigraphStore
from tests.conftest import FENGJIANG, QINGPU
from tests.formats_build import article_of, docx_file, html_page, pdf_file
from tests.test_formats import BAD
from tests.test_ingest_limits import descendants

BAD_FILES = {name: make for name, make, _ in BAD if name != "report.xyz"}  # a folder walk passes .xyz by


RECTKG = Path(sys.executable).parent / "rectkg"


def run(store, *args):
    result = subprocess.run(
        [RECTKG, "--store", str(store), "ingest", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
        timeout=300,
    )
    return result.returncode, result.stdout, result.stderr


def graphs_and_triples(store_path):
    store = OxigraphStore(store_path, read_only=True)
    try:
        return sorted(store.graphs()), store.export("nquads")
    finally:
        store.close()


@pytest.fixture
def folder(tmp_path):
    """Reports in every format, an exact copy, bad files in a subfolder, and files that are not reports."""
    root = tmp_path / "reports"
    (root / "copies").mkdir(parents=True)
    (root / "bad").mkdir()
    shutil.copy(QINGPU, root / "qingpu.txt")
    shutil.copy(QINGPU, root / "copies" / "qingpu-again.txt")
    fengjiang = article_of(FENGJIANG)
    (root / "fengjiang.html").write_bytes(html_page(fengjiang, "gb18030"))
    (root / "fengjiang.pdf").write_bytes(pdf_file(fengjiang))
    (root / "qingpu.docx").write_bytes(docx_file(article_of(QINGPU)))
    for name, make in BAD_FILES.items():
        (root / "bad" / name).write_bytes(make())
    (root / "notes.json").write_text("{}")
    (root / ".hidden.txt").write_text("not a report")
    (root / "~$qingpu.docx").write_bytes(b"lock")
    return root


def test_a_folder_loads_every_good_file_and_names_every_bad_one(tmp_path, folder):
    code, out, err = run(tmp_path / "store", folder)
    assert code == 1
    for name in BAD_FILES:
        assert f"failed: {folder / 'bad' / name}" in err
    assert err.count("failed:") == len(BAD_FILES)
    summary = " ".join(err.split("error:")[-1].split())  # the closing error, unwrapped
    assert summary.startswith(f"{len(BAD_FILES)} of {3 + 2 + len(BAD_FILES)} files did not load:")
    assert all(str(folder / "bad" / name) in summary for name in BAD_FILES)
    # Per-file results, the copy skipped, the same report in two formats noticed.
    first, copy = folder / "copies" / "qingpu-again.txt", folder / "qingpu.txt"  # walk order: sorted paths
    assert f"{first}: 中共上海市青浦区民政局党组关于巡察集中整改进展情况的通报 — 63 findings, 186 measures" in out
    assert f"{folder / 'fengjiang.pdf'}: " in out and "(pdf)" in out and "(html, gb18030)" in out
    assert f"skipped {copy}: an exact copy of {first}" in out
    assert "departments" in out and out.count("same report (title and date)") == 2
    assert "notes.json" not in out + err and "hidden" not in out + err and "~$" not in out + err
    graphs, _ = graphs_and_triples(tmp_path / "store")
    assert len(graphs) == 2


def test_bad_files_leave_the_store_exactly_as_it_was(tmp_path, folder):
    store = tmp_path / "store"
    assert run(store, QINGPU, FENGJIANG)[0] == 0
    before = graphs_and_triples(store)
    code, out, err = run(store, folder / "bad")
    assert code == 1 and out == ""
    assert all(f"failed: {folder / 'bad' / name}" in err for name in BAD_FILES)
    assert graphs_and_triples(store) == before


def test_claims_that_disagree_with_counts_are_warned(tmp_path):
    text = QINGPU.read_text(encoding="utf-8").replace("63个问题", "64个问题").replace("整改措施186条", "整改措施190条")
    path = tmp_path / "claims.txt"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(tmp_path / "store", path)
    assert code == 0
    assert "the report claims 64 findings" in out and "but 63 were read" in out
    assert "the report claims 190 measures" in out and "but 186 were read" in out


def test_a_clean_sample_has_no_warnings(tmp_path):
    code, out, err = run(tmp_path / "store", QINGPU)
    assert code == 0 and "warning" not in out and err == ""


def test_several_files_on_a_terminal_show_a_progress_bar(tmp_path):
    """On a terminal (a pty here) the bar is drawn, and the per-file lines are printed above it."""
    shutil.copy(QINGPU, tmp_path / "a.txt")
    shutil.copy(FENGJIANG, tmp_path / "b.txt")
    master, slave = os.openpty()
    argv = [RECTKG, "--store", tmp_path / "store", "ingest", tmp_path / "a.txt", tmp_path / "b.txt"]
    env = {**os.environ, "COLUMNS": "400", "TERM": "xterm"}
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    screen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    assert process.wait(timeout=120) == 0
    text = screen.decode("utf-8", "replace")
    assert "ingest" in text and "━" in text  # the bar
    assert text.count("63 findings") == 1 and text.count("22 findings") == 1


def test_a_line_break_in_a_file_name_stays_on_its_line(tmp_path):
    """Regression: a newline in a file name split the CLI's output line (and rich read [markup] in names)."""
    odd = tmp_path / "qingpu\nfailed: forged.txt"
    shutil.copy(QINGPU, odd)
    empty = tmp_path / "[red]empty\r\x1b[2J.txt"
    empty.write_bytes(b"")
    code, out, err = run(tmp_path / "store", odd, empty)
    assert code == 1
    assert out.count("\n") == 1 and out.startswith(str(tmp_path / "qingpu\\nfailed: forged.txt: 中共上海市青浦区"))
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    shown = f"{tmp_path}/[red]empty\\r\\x1b[2J.txt"
    assert failed == [f"failed: {shown}: the file is empty; fetch it again or give the report's file"]
    assert err.splitlines()[-1].endswith(f"1 of 2 files did not load: {shown}")
    assert "\x1b" not in out + err and "\r" not in out + err


def test_a_server_that_dies_during_a_handed_off_ingest_gives_one_line(tmp_path):
    """Regression: when the server holding the store died, every remaining file failed with the
    connection's error, 50 long lines for 50 files. Now the first failed write stops the ingest with
    one line: what was written and to re-run it. The store is left whole."""
    store = tmp_path / "store"
    assert run(store, FENGJIANG)[0] == 0
    folder = tmp_path / "reports"
    folder.mkdir()
    for n in range(12):  # distinct bytes, so none is skipped as an exact copy
        (folder / f"r{n:02}.txt").write_bytes(QINGPU.read_bytes() + f"\n附件{n}\n".encode())
    server = subprocess.Popen(
        [RECTKG, "--store", str(store), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    helpers: set[int] = set()
    try:
        assert "rectkg web app" in server.stdout.readline()
        helpers = descendants(server.pid)
        ingest = subprocess.Popen(
            [RECTKG, "--store", str(store), "ingest", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120  # the readers start once the ingest has chosen the server to write to
        while not descendants(ingest.pid) and ingest.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        server.kill()
        _, err = ingest.communicate(timeout=300)
    finally:
        server.kill()
        server.wait(timeout=30)
        for pid in helpers:  # the server's query workers
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    lines = err.decode().strip().splitlines()
    assert ingest.returncode == 1 and len(lines) == 1, err.decode()[-3000:]
    assert "stopped answering" in lines[0] and "re-run the same `rectkg ingest`" in lines[0]
    assert "of 12 files were written" in lines[0] and "Traceback" not in lines[0]
    graphs, _ = graphs_and_triples(store)  # opened for writing later, the store is whole
    assert 1 <= len(graphs) <= 2
