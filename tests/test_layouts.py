"""Layouts the corpus does not have, made by rewriting the real reports the way other bodies write.

Each variant keeps the words and changes only the layout, so the findings and measures read from it
must be exactly those of the original.
"""

from __future__ import annotations

import re

import pytest

from loaders.pipeline import read_text
from loaders.structure import CIRCLED, cn_number
from tests.conftest import FENGJIANG, QINGPU

MARKER = re.compile(r"([一二三四五六七八九十]+)是")


def _shape(text: str) -> list[tuple[str, int]]:
    report = read_text(text, "variant.txt")
    return [(f.title, len(f.measures)) for f in report.findings]


def _run_in(text: str) -> str:
    """'1.关于…问题' on its own line, '整改情况:' below → one paragraph."""
    return re.sub(r"^(\d+\.关于[^\n]*问题)\n(整改情况[:：])", r"\1。\2", text, flags=re.M)


def _circled(text: str) -> str:
    """一是…;二是… → ①…;②…"""
    return MARKER.sub(lambda m: CIRCLED[_cn_value(m.group(1)) - 1], text)


def _cn_value(cn: str) -> int:
    return next(n for n in range(1, 21) if cn_number(n) == cn)


def _one_per_line(text: str) -> str:
    """Measures each on its own line, numbered 1. 2. 3."""
    return MARKER.sub(lambda m: f"\n{_cn_value(m.group(1))}.", text)


def _findings_as_chinese_items(text: str) -> str:
    """No category level: findings numbered (一)(二)… directly in the part, run into the paragraph."""
    text = re.sub(r"^[（(][一二三四五六七八九十]+[）)]关于[^\n]*方面\n", "", text, flags=re.M)
    counter = iter(range(1, 100))
    return re.sub(
        r"^\d+\.(关于[^\n]*问题)\n(整改情况[:：])",
        lambda m: f"({cn_number(next(counter))}){m.group(1)}。{m.group(2)}",
        text,
        flags=re.M,
    )


def _windows_page(text: str) -> str:
    """CRLF line ends and full-width indentation, as copied from a web page."""
    return "\r\n".join("\u3000\u3000" + line for line in text.split("\n"))


@pytest.mark.parametrize("variant", [_run_in, _circled, _one_per_line, _findings_as_chinese_items, _windows_page])
def test_fengjiang_variants_keep_findings_and_measures(variant):
    original = FENGJIANG.read_text(encoding="utf-8")
    assert variant(original) != original
    assert _shape(variant(original)) == _shape(original)


@pytest.mark.parametrize("variant", [_circled, _windows_page])
def test_qingpu_variants_keep_findings_and_measures(variant):
    original = QINGPU.read_text(encoding="utf-8")
    assert _shape(variant(original)) == _shape(original)


def test_chinese_numbered_findings_keep_their_printed_number():
    report = read_text(_findings_as_chinese_items(FENGJIANG.read_text(encoding="utf-8")), "v.txt")
    assert [f.number for f in report.findings[:3]] == ["一", "二", "三"]
    assert report.findings[0].category is None


def test_closing_text_without_a_heading_is_not_a_measure():
    original = FENGJIANG.read_text(encoding="utf-8")
    cut = original.index("三、下一步工作打算")
    closing = original[original.index("诚恳欢迎") :]
    report = read_text(original[:cut] + closing, "v.txt")
    last = report.findings[-1]
    assert len(last.measures) == 3
    assert "欢迎" not in last.measures[-1].text


def test_findings_without_the_word_problem_are_proved_by_their_status_block():
    """'1.最低生活保障动态管理不够精准' followed by 整改情况: is a finding although it never says 问题."""
    original = FENGJIANG.read_text(encoding="utf-8")
    variant = re.sub(r"^(\d+\.)关于([^\n]*)的问题$", r"\1\2", original, flags=re.M)
    assert variant != original
    report = read_text(variant, "v.txt")
    assert [len(f.measures) for f in report.findings] == [n for _, n in _shape(original)]
    assert report.findings[0].title == "最低生活保障动态管理不够精准"


def test_items_under_a_problem_heading_stay_its_measures_without_a_label():
    """(1)修订议事规则。… right under 1.关于…问题 (no 整改情况: between) are its measures, though each
    starts like a heading that names a fix: a problem heading's level holds the findings."""
    original = FENGJIANG.read_text(encoding="utf-8")
    variant = original.replace("1.关于局党组议事决策不规范的问题\n整改情况：\n", "1.关于局党组议事决策不规范的问题\n")
    assert variant != original
    assert _shape(variant) == _shape(original)
