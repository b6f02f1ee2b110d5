"""`rectkg ingest` on a folder: every file tried, copies skipped, failures named, the store safe.

The installed `rectkg` command runs as its own process against a real on-disk store, as a user
runs it (and so the store's write lock is released between runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.store import OxigraphStore
from tests.conftest import FENGJIANG, QINGPU
from tests.formats_build import article_of, docx_file, html_page, pdf_file
from tests.test_formats import BAD

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
