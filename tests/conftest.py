"""Fixtures: the real sample reports and a real on-disk Oxigraph store built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.store import OxigraphStore
from loaders.pipeline import load_bytes, load_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS = Path(__file__).resolve().parent / "corpus"
QINGPU = SAMPLES / "qingpu-civil-affairs-2026-02-13.txt"
FENGJIANG = SAMPLES / "fengjiang-county-civil-affairs-2026-01-16.txt"
FENGJIANG_GB = CORPUS / "fengjiang-county-civil-affairs-2026-01-16.gb18030.txt"
FENGJIANG_GOLD = CORPUS / "fengjiang-county-civil-affairs-2026-01-16.gold.json"


@pytest.fixture(scope="session")
def qingpu():
    return load_file(QINGPU)


@pytest.fixture(scope="session")
def fengjiang():
    return load_file(FENGJIANG)


@pytest.fixture(scope="session")
def twin():
    """The Fengjiang report as if another county had published it (every 枫江 renamed): it cites
    the same documents and shares problems, but no departments, with Fengjiang."""
    return load_bytes(FENGJIANG.read_text(encoding="utf-8").replace("枫江", "松溪").encode(), "songxi.txt")


@pytest.fixture(scope="session")
def fengjiang_gold():
    return json.loads(FENGJIANG_GOLD.read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path):
    s = OxigraphStore(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, qingpu, fengjiang):
    """Both sample reports in one on-disk store, shared by read-only tests."""
    s = OxigraphStore(tmp_path_factory.mktemp("sample") / "store")
    for loaded in (qingpu, fengjiang):
        s.replace_graph(loaded.graph_iri, loaded.graph)
    yield s
    s.close()
