"""Bad input gets a clear error naming the file, and nothing is written."""

from __future__ import annotations

import pytest
from rdflib.compare import isomorphic

from loaders.errors import DecodeError, LoaderError, StructureError
from loaders.pipeline import load_bytes, load_file
from tests.conftest import FENGJIANG_GB, QINGPU


def test_gb18030_copy_gives_an_isomorphic_graph(fengjiang):
    gb = load_file(FENGJIANG_GB)
    assert gb.encoding == "gb18030"
    assert gb.graph_iri == fengjiang.graph_iri
    assert isomorphic(gb.graph, fengjiang.graph)


def test_utf8_bom_is_accepted():
    data = QINGPU.read_bytes()
    assert len(load_bytes(b"\xef\xbb\xbf" + data, "bom.txt").report.findings) == 63


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", DecodeError, "empty"),
        (b"   \n\n", DecodeError, "empty"),
        (bytes(range(256)) * 20, DecodeError, "binary"),
        ("no findings here, 只有一句话。".encode(), StructureError, "no findings"),
        ("abc".encode("utf-16"), DecodeError, ""),
    ],
)
def test_bad_input_is_rejected_with_the_file_name(data, error, words):
    with pytest.raises(error) as caught:
        load_bytes(data, "bad.txt")
    assert str(caught.value).startswith("bad.txt")
    assert words in str(caught.value)


def test_truncated_report_is_rejected():
    data = QINGPU.read_bytes()
    with pytest.raises(LoaderError):
        load_bytes(data[:2000], "head.txt")


def test_cut_inside_a_character_is_called_truncated():
    data = QINGPU.read_bytes()
    cut = len(data) // 2
    while not 0xE0 <= data[cut] <= 0xEF:  # the first byte of a three-byte character
        cut += 1
    with pytest.raises(DecodeError, match="truncated"):
        load_bytes(data[: cut + 1], "cut.txt")


def test_latin1_bytes_report_the_offset():
    data = "中文".encode() + b"\xff\xfe\xfa" + "内容".encode()
    with pytest.raises(DecodeError) as caught:
        load_bytes(data, "mixed.txt")
    assert "byte 6" in str(caught.value)
