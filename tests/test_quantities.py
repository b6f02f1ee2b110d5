"""Quantities and dated events read from the real reports, and from rewritten sentences of them.

Findings are picked by printed number or order only to check a given sentence; the loader never
looks at them.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from loaders.pipeline import read_text
from tests.conftest import FENGJIANG, QINGPU


def _finding(report, number: str):
    (finding,) = [f for f in report.findings if f.number == number]
    return finding


def _quantities(finding) -> list[tuple[str, str, str, bool]]:
    return [(q.value, q.unit, q.counted, q.approximate) for m in finding.measures for q in m.quantities]


def _events(finding) -> list[tuple[str, str, str]]:
    return [(e.date, e.precision, e.part) for m in finding.measures for e in m.events]


@pytest.mark.parametrize(
    ("number", "quantity"),
    [
        ("7", ("464", "户", "救助家庭", False)),
        ("7", ("5", "类", "救助对象", False)),
        ("3", ("50", "次", "飞行检查", True)),
        ("53", ("94", "percent", "机构直接聘用人员占比", False)),
        ("6", ("8.7", "percent", "社会组织", False)),
        ("6", ("10", "项", "核心审计内容", False)),
        ("10", ("2", "场", "专题婚育咨询活动", False)),
        ("5", ("41", "家", "社会组织", False)),  # 其余41家: what 46家社会组织 counted, a measure earlier
        ("6", ("1", "家", "第三方机构", False)),  # 聘请1家具备…资质的第三方机构
    ],
)
def test_qingpu_quantities(qingpu, number, quantity):
    assert quantity in _quantities(_finding(qingpu.report, number))


@pytest.mark.parametrize(
    ("order", "quantity"),
    [
        (1, ("3127", "户", "城乡低保家庭", False)),
        (1, ("5306", "人", "城乡低保家庭", False)),
        (3, ("412", "名", "困境儿童", False)),
        (3, ("1300", "人次", "服务", True)),
        (3, ("3", "名", "儿童", False)),  # 3名存在心理危机倾向的儿童
        (2, ("2", "处", "隐患", False)),
        (4, ("9.72", "万元", "资金", False)),
        (4, ("63", "人", "问题对象", False)),
        (7, ("2", "次", "考核不合格", False)),
        (12, ("12000", "条", "救助资金发放记录", True)),
        (17, ("49.6", "岁", "干部平均年龄", False)),
    ],
)
def test_fengjiang_quantities(fengjiang, order, quantity):
    assert quantity in _quantities(fengjiang.report.findings[order - 1])


def test_span_is_the_number_and_unit(qingpu, fengjiang):
    count = 0
    for loaded in (qingpu, fengjiang):
        report = loaded.report
        for measure in report.measures:
            for q in measure.quantities:
                quote = report.quote(q.span)
                assert measure.span.start <= q.span.start < q.span.end <= measure.span.end
                assert re.match(r"^(约|大约)?[\d.一二两三四五六七八九十百]+[万亿千]?(余|多)?", quote), quote
                assert Decimal(q.value) > 0
                count += 1
    assert count > 150


def test_dates_document_numbers_slogans_and_bare_numbers_are_not_quantities(qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        report = loaded.report
        for measure in report.measures:
            for q in measure.quantities:
                assert not (q.unit == "年" and len(q.value) == 4), report.quote(q.span)
                around = report.text[q.span.start - 1 : q.span.end + 1]
                assert "〔" not in around and "号" not in around, around
    values = {(q.value, q.unit) for m in qingpu.report.measures for q in m.quantities}
    assert not any(v.startswith("12345") for v, _ in values)  # 12345市民服务热线
    fj = {(q.value, q.unit) for m in fengjiang.report.measures for q in m.quantities}
    assert ("12", "号") not in fj and ("2025", "年") not in fj
    # “一人一档”, “一点一案”: slogans inside quotes
    assert ("1", "人") not in {(v, u) for v, u, _, _ in _quantities(fengjiang.report.findings[2])}


def _rewrite(path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("printed", "value", "unit", "approximate"),
    [
        ("两次", "2", "次", False),
        ("十二次", "12", "次", False),
        ("约3次", "3", "次", True),
        ("3次左右", "3", "次", True),
    ],
)
def test_numerals_and_approximations(printed, value, unit, approximate):
    text = _rewrite(QINGPU, "召开1次彩票公益金专题研讨会", f"召开{printed}彩票公益金专题研讨会")
    quantities = _quantities(_finding(read_text(text, "variant.txt"), "3"))
    assert (value, unit, "彩票公益金专题研讨会", approximate) in quantities


def test_money_in_yi_and_plain_yuan():
    text = _rewrite(FENGJIANG, "追回资金9.72万元", "追回资金1.5亿元，退还3500元")
    quantities = _quantities(read_text(text, "variant.txt").findings[3])
    assert ("1.5", "亿元", "资金", False) in quantities
    assert ("3500", "元") in {(v, u) for v, u, _, _ in quantities}


def test_month_event(fengjiang):
    finding = fengjiang.report.findings[1]
    (event,) = [e for m in finding.measures for e in m.events]
    assert (event.date, event.precision, event.part) == ("2025-11-01", "month", "")
    assert fengjiang.report.quote(event.span) == "2025年11月"
    assert "完成施工" in event.label


def test_year_period_keeps_both_ends(qingpu):
    assert _events(_finding(qingpu.report, "52")) == [("2026-01-01", "year", "start"), ("2035-01-01", "year", "end")]


def test_since_year_is_a_year_event(fengjiang):
    assert _events(fengjiang.report.findings[3]) == [("2022-01-01", "year", "")]


def test_full_date_and_day_period():
    text = _rewrite(FENGJIANG, "于2025年11月完成施工", "于2025年11月15日完成施工")
    assert _events(read_text(text, "variant.txt").findings[1]) == [("2025-11-15", "day", "")]
    text = _rewrite(FENGJIANG, "于2025年11月完成施工", "于2025年10月8日至11月15日完成施工")
    assert _events(read_text(text, "variant.txt").findings[1]) == [
        ("2025-10-08", "day", "start"),
        ("2025-11-15", "day", "end"),
    ]


def test_event_spans_are_dates(qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        for measure in loaded.report.measures:
            for event in measure.events:
                assert re.fullmatch(
                    r"\d{4}年(\d{1,2}月(\d{1,2}日)?)?|\d{4}—\d{4}年|\d{1,2}月\d{1,2}日", loaded.report.quote(event.span)
                )


def test_ordinal_is_not_a_count():
    text = _rewrite(QINGPU, "召开1次彩票公益金专题研讨会", "召开第3次彩票公益金专题研讨会")
    assert ("3", "次") not in {(v, u) for v, u, _, _ in _quantities(_finding(read_text(text, "variant.txt"), "3"))}


def test_numeral_before_a_word_starting_with_yi_is_still_a_count(fengjiang):
    # 重点保障家庭每年复核一次、一般保障家庭每半年复核一次: two counts, not a slogan
    once = [q for q in _quantities(fengjiang.report.findings[0]) if q[:2] == ("1", "次")]
    assert len(once) == 2


@pytest.mark.parametrize(
    ("printed", "value", "unit"),
    [
        ("3场次", "3", "场次"),
        ("三场次", "3", "场次"),
        ("120人次", "120", "人次"),
        ("40户次", "40", "户次"),
        ("四十户次", "40", "户次"),
        ("两批次", "2", "批次"),
        ("6家次", "6", "家次"),
    ],
)
def test_compound_units_stay_whole(printed, value, unit):
    """3场次 is three sessions, not 3场 of something called 次…: the unit keeps both characters."""
    text = _rewrite(QINGPU, "召开1次彩票公益金专题研讨会", f"召开{printed}彩票公益金专题研讨会")
    quantities = _quantities(_finding(read_text(text, "variant.txt"), "3"))
    assert (value, unit, "彩票公益金专题研讨会", False) in quantities
