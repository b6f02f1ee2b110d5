"""The wheel is a working rectkg: build it, install it into a fresh virtual environment, use it.

Offline and quick: the wheel is built without build isolation (the venv's setuptools), and the
fresh environment gets the wheel alone (--no-deps --no-index) while its dependencies come from
the development venv through a path line in a .pth file. A path line adds that folder to
sys.path without running the editable install's hook there, so the only rectkg the fresh
environment can import is the one from the wheel — which the test checks.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests
from servers import free_port, wait_until_answers

from queries import catalog
from tests.conftest import ROOT

PACKAGE_DATA = {"ontology": "*.ttl", "loaders": "*.yaml", "queries": "*.rq", "samples": "*.txt"}
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "data", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "tests"
)


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # build outside the worktree: no build/ litter there
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", source, cwd=work)
    (built,) = (work / "dist").glob("rectkg-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).stdout.strip()
    Path(purelib, "_outer_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--ignore-installed",
        wheel,
        cwd=venv.parent,
    )
    return venv


def test_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, pattern in PACKAGE_DATA.items():
        files = sorted((ROOT / package).glob(pattern))
        if package != "loaders":  # the gazetteer may not exist yet; everything else must
            assert files, f"no {pattern} in {package}/"
        for f in files:
            assert f"{package}/{f.name}" in names, f"{package}/{f.name} missing from the wheel"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "rectkg = rectkg.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_ingests_the_bundled_sample_and_answers_saved_queries(fresh_venv, tmp_path):
    python, rectkg = fresh_venv / "bin" / "python", fresh_venv / "bin" / "rectkg"
    where = _run(
        python,
        "-c",
        "import ontology, samples; from importlib import resources; "
        "print(ontology.__file__); print(resources.files('samples') / 'qingpu-civil-affairs-2026-02-13.txt')",
        cwd=tmp_path,
    ).stdout.split()
    assert all(Path(p).is_relative_to(fresh_venv) for p in where), f"not imported from the wheel: {where}"
    sample = where[1]
    store = tmp_path / "store"

    ingested = _run(rectkg, "--store", store, "ingest", sample, cwd=tmp_path)
    assert "63 findings" in ingested.stdout

    listed = _run(rectkg, "queries", cwd=tmp_path).stdout
    assert all(name in listed for name in catalog.saved_queries())

    findings = _run(rectkg, "--store", store, "query", "--saved", "findings", "--format", "csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(findings.stdout)))
    assert len(rows) == 63 and sum(int(r["measures"]) for r in rows) == 186

    claims = _run(rectkg, "--store", store, "query", "--saved", "claims", "--format", "csv", cwd=tmp_path)
    counted = {r["claim"]: (r["claimed"], r["counted"]) for r in csv.DictReader(io.StringIO(claims.stdout))}
    assert counted["measures"] == ("186", "186")

    assert "valid" in _run(rectkg, "--store", store, "validate", cwd=tmp_path).stdout


def test_installed_wheel_serves_every_page_and_its_assets(fresh_venv, tmp_path):
    """`pip install .` then `rectkg serve`: every screen and the scripts and styles it names come
    from the wheel (an editable install would hide a package missing from it)."""
    rectkg, store = fresh_venv / "bin" / "rectkg", tmp_path / "store"
    _run(rectkg, "--store", store, "ingest", ROOT / "samples", cwd=tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [rectkg, "--store", store, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/", server)
        for page in ("/", "/graph", "/queries", "/sparql"):
            response = requests.get(base + page, headers={"Accept": "text/html"}, timeout=60)
            assert response.status_code == 200, (page, response.text[:500])
            assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', response.text)
            assert assets or page == "/sparql", f"{page} names no script or style"
            for asset in assets:
                assert requests.get(base + asset, timeout=30).status_code == 200, (page, asset)
    finally:
        server.terminate()
        server.wait(timeout=30)
