"""What one report may cost the loader, and what a killed ingest leaves behind (issue 21, part 4).

Each hostile input is built here as a real file and read by a real process, whose peak memory
(ru_maxrss of a fresh wrapper's children) and time are measured: a Word file whose zip directory
lies about its sizes, an honest one that unpacks to too much, text too long to read, a page nested
past the HTML parser's depth. Each must be refused quickly, naming the file and the limit hit,
and leave the store as it was. The attack's full-size inputs are `soak` tests (`make soak`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from loaders.errors import FormatError, LimitError
from loaders.pipeline import MAX_CHARS, load_source
from loaders.source_docx import MAX_UNPACKED
from loaders.source_html import MAX_DEPTH
from rectkg import reading
from rectkg.reading import Limits, read_file
from tests.conftest import FENGJIANG, QINGPU
from tests.formats_build import article_of, docx_file, html_page

RECTKG = Path(sys.executable).parent / "rectkg"
MB = 2**20

# A fresh interpreter that runs one command and prints its children's peak memory and the time taken,
# so that what earlier tests used does not count.
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=3600)
print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr, "seconds": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measured(*command: str | Path, env: dict[str, str] | None = None) -> dict:
    """Run `command` in its own process; its exit code, output, seconds and peak memory (MB, largest process)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, command)],
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "COLUMNS": "400", **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ingest(store: Path, *files: Path, env: dict[str, str] | None = None) -> dict:
    return measured(RECTKG, "--store", store, "ingest", *files, env=env)


def loading(path: Path) -> dict:
    """The loader alone on one file, in a process of its own: the error's text, or 'loaded'."""
    code = (
        "import sys\nfrom loaders.pipeline import load_file\nfrom loaders.errors import LoaderError\n"
        "try:\n    load_file(sys.argv[1]); print('loaded')\nexcept LoaderError as e:\n    print(e)\n"
    )
    return measured(sys.executable, "-c", code, path)


def nquads(store: Path) -> bytes:
    done = subprocess.run([RECTKG, "--store", str(store), "export", "--format", "nquads"], capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---- Word files ----------------------------------------------------------------------------------


def _padded_docx(padding: int, *, repeat_body: bool = False) -> bytes:
    """The qingpu report as Word writes it, its document.xml grown to about `padding` bytes: by
    whitespace after the root element (legal XML), or by its title paragraph over and over (as
    compressible as the attack's file, 0.7 MB for 190 MB)."""
    source = zipfile.ZipFile(io.BytesIO(docx_file(article_of(QINGPU))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            content = source.read(info)
            if info.filename != "word/document.xml":
                package.writestr(info, content)
                continue
            info = zipfile.ZipInfo("word/document.xml")
            info.compress_type = zipfile.ZIP_DEFLATED
            with package.open(info, "w", force_zip64=padding > 2**31 - MB) as member:
                if repeat_body:
                    head, body, tail = _split_body(content)
                    member.write(head)
                    for _ in range(padding // len(body)):
                        member.write(body)
                    member.write(tail)
                else:
                    member.write(content)
                    for _ in range(padding // MB):
                        member.write(b" " * MB)
    return out.getvalue()


def _split_body(xml: bytes) -> tuple[bytes, bytes, bytes]:
    """The XML before the body's first paragraph, that paragraph, and the rest."""
    start = xml.index(b"<w:body>") + len(b"<w:body>")
    end = xml.index(b"</w:p>", start) + len(b"</w:p>")
    return xml[:start], xml[start:end], xml[end:]


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The package with `name`'s uncompressed size set to `size` in its local header and the directory."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        info = package.getinfo(name)
        start = package.start_dir
    struct.pack_into("<I", buf, info.header_offset + 22, size)
    at = start
    while buf[at : at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, at + 28)
        if bytes(buf[at + 46 : at + 46 + name_len]).decode() == name:
            struct.pack_into("<I", buf, at + 24, size)
        at += 46 + name_len + extra_len + comment_len
    return bytes(buf)


def test_a_docx_whose_directory_lies_about_its_sizes_is_refused_in_bounded_memory(tmp_path):
    """Regression: zipfile inflates a whole member in one call when python-docx reads it; 300 MB
    declared as 1,000 bytes took 300 MB before the CRC check refused it (the attack's 2 GB: 2.09 GB)."""
    path = tmp_path / "liar.docx"
    path.write_bytes(_lie_about_size(_padded_docx(300 * MB), "word/document.xml", 1000))
    assert path.stat().st_size < 2 * MB
    result = loading(path)
    assert "does not match its directory" in result["out"] and str(path) in result["out"], result
    assert result["peak_mb"] < 200, result


def test_a_docx_that_unpacks_past_the_limit_is_refused_while_unpacking(tmp_path):
    """Regression: the sizes the directory declared were the only check (200 MB); an honest file of
    70 MB unpacked was read whole. Now bytes are counted as they come out of the decompressor."""
    path = tmp_path / "big.docx"
    path.write_bytes(_padded_docx(MAX_UNPACKED + 6 * MB))
    result = loading(path)
    assert f"unpacks to more than {MAX_UNPACKED // MB} MB" in result["out"], result
    assert "the loader's limit" in result["out"] and "word/document.xml" in result["out"]
    assert result["peak_mb"] < 250, result
    assert result["seconds"] < 60, result


def test_a_padded_docx_under_the_limit_still_loads(tmp_path):
    path = tmp_path / "padded.docx"
    path.write_bytes(_padded_docx(8 * MB))
    assert loading(path)["out"].strip() == "loaded"


# ---- text and pages ------------------------------------------------------------------------------


def _long_text(characters: int) -> bytes:
    text = QINGPU.read_text(encoding="utf-8")
    return (text * (characters // len(text) + 1)).encode("utf-8")


def test_text_over_the_character_limit_is_refused_at_once():
    """Regression: a 19 MB .txt took 286 s and 4.6 GB; reading grows faster than the text."""
    data = _long_text(MAX_CHARS + 100_000)
    started = time.monotonic()
    with pytest.raises(LimitError, match=f"more than the loader's limit of {MAX_CHARS:,}"):
        load_source(data, "long.txt")
    assert time.monotonic() - started < 10


def _deep_page(levels: int) -> bytes:
    page = html_page(article_of(FENGJIANG), "utf-8").decode("utf-8")
    head, body = page.split("<body>", 1)
    body, tail = body.rsplit("</body>", 1)
    return f"{head}<body>{'<div>' * levels}{body}{'</div>' * levels}</body>{tail}".encode()


def test_a_page_nested_past_the_parser_depth_names_that_limit():
    """Regression: libxml2 stops at depth 255 and keeps what it has read; this was 'no article text'."""
    with pytest.raises(FormatError, match=f"more than {MAX_DEPTH} levels deep") as caught:
        load_source(_deep_page(300), "deep.html")
    assert "no article text" not in str(caught.value)
    assert load_source(_deep_page(200), "nested.html").report.findings


# ---- the reader's memory and time, through the command -----------------------------------------


@pytest.fixture
def long_report(tmp_path) -> Path:
    """A report of 400,000 characters: under every size limit; ~4 s of CPU and ~250 MB to read here."""
    path = tmp_path / "long.txt"
    path.write_bytes(_long_text(400_000))
    return path


def test_a_report_over_the_reader_memory_limit_fails_alone_naming_it(tmp_path, long_report):
    """The reader process bounds each report's memory: the file fails alone, saying which limit it hit
    and how to change it, the other file loads, and the store holds just that one."""
    store = tmp_path / "store"
    result = ingest(store, long_report, FENGJIANG, env={"RECTKG_INGEST_MEMORY_MB": "30"})
    assert result["rc"] == 1, result
    failed = [line for line in result["err"].splitlines() if line.startswith("failed:")]
    assert len(failed) == 1, result["err"]
    assert str(long_report) in failed[0] and "more than 30 MB of memory" in failed[0], failed
    assert "$RECTKG_INGEST_MEMORY_MB" in failed[0]
    assert FENGJIANG.name in result["out"]
    assert nquads(store).count(b"<https://w3id.org/rectkg/graph/") > 0
    assert result["seconds"] < 120, result


def test_a_report_over_the_reader_time_limit_fails_naming_it(long_report):
    """The same for CPU time, as a reader process reads a file (SIGPROF at the limit)."""
    started = time.process_time()
    reading = read_file(long_report, Limits(memory=2**30, cpu_seconds=1))
    assert reading.loaded is None and not reading.unexpected
    assert str(long_report) in reading.error and "more than 1 s of CPU time" in reading.error
    assert "$RECTKG_INGEST_TIME_LIMIT" in reading.error
    assert time.process_time() - started < 3
    assert read_file(FENGJIANG, Limits(memory=2**30, cpu_seconds=60)).loaded is not None


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_an_over_time_signal_swallowed_once_comes_again_and_none_escapes_the_limits():
    """Python drops an exception raised where it cannot propagate (a finaliser, a gc callback): the
    limit must still end the reading, and no signal may fire after the bounded block."""
    swallowed = 0
    with pytest.raises(reading._OverTime), reading._bounded(Limits(memory=2**30, cpu_seconds=0.2)):
        for _ in range(8):  # 4 s of CPU, then the block ends without a second signal
            try:
                _spin(0.5)
            except reading._OverTime:
                if swallowed:
                    raise
                swallowed += 1
    assert swallowed == 1
    _spin(2 * reading.OVERTIME_REPEAT + 0.1)  # a timer left running would raise here
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _readers(pid: int) -> set[int]:
    """The ingest's reader processes (not multiprocessing's resource tracker)."""
    return {c for c in descendants(pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_reader_killed_mid_report_fails_that_file_and_the_rest_load(tmp_path):
    """A reader the system kills (for memory, or RLIMIT_CPU in a long C call) breaks its pool: the file
    it was reading fails, naming the cause, and the files after it are read by new readers."""
    long_report = tmp_path / "long.txt"
    long_report.write_bytes(_long_text(800_000))
    ingest = subprocess.Popen(
        [RECTKG, "--store", str(tmp_path / "store"), "ingest", str(long_report), str(FENGJIANG), str(QINGPU)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and ingest.poll() is None:  # until one reader is well into long.txt
        readers = _readers(ingest.pid)
        with contextlib.suppress(OSError):
            if readers and max(map(_cpu_seconds, readers)) > 2.5:
                break
        time.sleep(0.1)
    for pid in readers:
        os.kill(pid, signal.SIGKILL)
    out, err = ingest.communicate(timeout=300)
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert ingest.returncode == 1 and len(failed) == 1, err
    assert str(long_report) in failed[0] and "its reader process died" in failed[0]
    assert str(FENGJIANG) in out and str(QINGPU) in out


# ---- soak: the attack's inputs at full size -------------------------------------------------------


@pytest.mark.soak
@pytest.mark.parametrize(
    ("name", "make", "named"),
    [
        ("liar.docx", lambda: _lie_about_size(_padded_docx(2000 * MB), "word/document.xml", 1000), "does not match"),
        ("bomb.docx", lambda: _padded_docx(190 * MB, repeat_body=True), "unpacks to more than"),
        ("long.txt", lambda: _long_text(19 * MB // 3), "characters, more than"),
    ],
)
def test_attack_inputs_are_refused_in_bounded_memory_and_time(tmp_path, name, make, named):
    """The attack run's files through `rectkg ingest`: before, 2.09 GB; over 7 min at 2 GB; 286 s and 4.6 GB."""
    path = tmp_path / name
    path.write_bytes(make())
    store = tmp_path / "store"
    assert ingest(store, FENGJIANG)["rc"] == 0
    before = nquads(store)
    result = ingest(store, path)
    print(f"{name}: {path.stat().st_size / MB:.2f} MB, {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB")
    assert result["rc"] == 1 and named in result["err"] and str(path) in result["err"], result
    assert result["peak_mb"] < 1024 and result["seconds"] < 120, result
    assert nquads(store) == before


# ---- a killed ingest leaves nothing running --------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every live descendant of `pid` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie (dead, not yet reaped by init) is not alive."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_readers_die_with_a_killed_ingest_and_release_its_pipes(tmp_path):
    """Regression: `kill -9` of `rectkg ingest` left its readers and the resource tracker alive (3
    processes, ~205 MB), one blocked writing to a pipe nobody read, holding the caller's pipes open."""
    folder = tmp_path / "reports"
    folder.mkdir()
    text = QINGPU.read_bytes()
    for n in range(40):  # distinct bytes, so none is skipped as an exact copy
        (folder / f"r{n:02}.txt").write_bytes(text + f"\n附件{n}\n".encode())
    ingest = subprocess.Popen(
        [RECTKG, "--store", str(tmp_path / "store"), "ingest", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while len(children := descendants(ingest.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(children) >= 2, "the readers never started"
        time.sleep(1.5)  # let them read, and block on results the writer takes slowly
        children = descendants(ingest.pid)
        ingest.send_signal(signal.SIGKILL)
        ingest.communicate(timeout=60)  # EOF on both pipes: no survivor holds them
        deadline = time.monotonic() + 30
        while (alive := {pid for pid in children if _alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive, f"{len(alive)} of {len(children)} child processes outlived the killed ingest"
    finally:
        ingest.kill()
        for pid in children:  # on a failure, what survived (never a process this test did not see start)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
