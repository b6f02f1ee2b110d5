"""Headline claims in the phrasings and places of issue 18: whole reports, expected claims first.

Each report is invented (places and bodies are fictional) and built around one preamble style: the
number after its noun, totals spread over several paragraphs, a paragraph with one total, several
money amounts. Nothing here is keyed on a place or a body; the claims reader sees only the text.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from loaders.claims import claims_in, paragraph_claims
from loaders.pipeline import read_text

BODY = """一、整改落实情况
(一)关于理论学习不够深入的问题
整改情况:一是组织党组理论学习中心组专题学习3次。二是开展全员培训2期。
(二)关于财务管理不规范的问题
整改情况:一是修订《财务报销管理办法》。二是对2023年以来的报销凭证开展全面清查。
二、下一步工作
{closing}
中共{body}党组
2025年10月8日
"""


def _report(preamble: str, closing: str = "局党组将持续巩固整改成果，推动整改常态化长效化。") -> str:
    body = "云岭县农业农村局"
    head = (
        f"中共{body}党组关于县委巡察反馈意见整改进展情况的通报\n"
        f"根据县委统一部署，2025年3月3日至4月30日，县委第一巡察组对中共{body}党组开展了常规巡察，"
        "并于2025年6月10日反馈了巡察意见。\n"
    )
    return head + preamble + "\n" + BODY.format(closing=closing, body=body)


def _claims(text: str) -> list[tuple[str, Decimal]]:
    return [(c.kind, Decimal(c.value)) for c in read_text(text, "variant.txt").claims]


def _as_dict(text: str) -> dict[str, Decimal]:
    return dict(_claims(text))


NOUN_FIRST = (
    "截至2025年9月30日，县委第一巡察组三个方面共发现反馈各类问题16个，已全部完成整改；"
    "局党组制定整改措施48条，已全部落实到位。"
)

SPREAD = (
    "截至2025年10月31日，巡察反馈25个问题，已完成整改19个、正在整改6个，整改完成率76%；制定整改措施62条。\n"
    "局党组坚持把严肃追责问责贯穿整改全过程，对相关责任人批评帮助5人、责令检查1人、交由纪委调查1人。\n"
    "坚持以制促改，制定及修改完善制度12项。"
)

SINGLE = "截至2025年8月31日，县委巡察组反馈的问题已基本整改到位，局党组共制定整改措施35项。"

MONEY = (
    "截至2025年9月30日，巡察反馈问题16个，已完成整改14个，其余2个正在整改；细化整改措施41条，"
    "累计出台制度规范27项；追回违规发放补贴资金12.6万元，清退多领报酬3.4万元，挽回经济损失20万元。"
)


@pytest.mark.parametrize(
    ("preamble", "expected"),
    [
        (
            NOUN_FIRST,
            {"aspects": 3, "findings": 16, "findings-rectified": 16, "measures": 48, "measures-completed": 48},
        ),
        (
            SPREAD,
            {
                "findings": 25,
                "findings-rectified": 19,
                "findings-in-progress": 6,
                "rectification-rate-percent": 76,
                "measures": 62,
                "persons-criticised": 5,
                "persons-ordered-to-self-examine": 1,
                "persons-referred-for-investigation": 1,
                "rules-established-or-improved": 12,
            },
        ),
        (SINGLE, {"measures": 35}),
    ],
    ids=["noun-first", "spread-over-paragraphs", "single-total"],
)
def test_preamble_styles(preamble, expected):
    assert _as_dict(_report(preamble)) == {k: Decimal(v) for k, v in expected.items()}


def test_every_money_amount_is_a_claim_of_its_own():
    claims = _claims(_report(MONEY))
    assert [v for k, v in claims if k == "funds-recovered-wan-yuan"] == [Decimal("12.6"), Decimal("3.4"), Decimal(20)]
    others = {k: v for k, v in claims if k != "funds-recovered-wan-yuan"}
    assert others == {
        "findings": 16,
        "findings-rectified": 14,
        "findings-in-progress": 2,
        "measures": 41,
        "rules-established-or-improved": 27,
    }


def test_a_part_of_an_amount_is_not_another_amount():
    preamble = "截至2025年9月30日，巡察反馈的8个问题已完成整改8个，共追回资金30万元，其中清退违规补贴5万元。"
    claims = _claims(_report(preamble))
    assert [v for k, v in claims if k == "funds-recovered-wan-yuan"] == [30]


def test_one_number_is_one_kind_of_rule_count():
    """建立完善制度11项 is one count of rules made or improved, not also 11 revised (完善制度11项)."""
    kinds = [k for k, _ in claims_in("共制定整改措施18项，建立完善制度11项")]
    assert "rules-established-or-improved" in kinds
    claims = _claims(
        _report("截至2025年9月30日，巡察反馈的8个问题，已整改到位6个；共制定整改措施18项，建立完善制度11项。")
    )
    assert ("rules-established-or-improved", 11) in claims and "rules-revised" not in dict(claims)


def test_set_phrases_with_one_are_no_count():
    """一个问题一个问题抓整改 is how the work is done, not 1 finding."""
    preamble = (
        "局党组坚持一个问题一个问题抓整改，每一个问题都明确责任领导。截至2025年9月30日，已完成整改5个，"
        "正在整改2个；制定整改措施20条。"
    )
    claims = _as_dict(_report(preamble))
    assert "findings" not in claims
    assert (claims["findings-rectified"], claims["findings-in-progress"], claims["measures"]) == (5, 2, 20)


def test_totals_after_the_findings_are_not_headline_totals():
    """The next-steps part talks of problems still open; the headline lacks a findings total."""
    preamble = "截至2025年9月30日，巡察反馈的问题中，已完成整改5个，正在整改2个；制定整改措施20条。"
    closing = "对尚在推进的2个问题，局党组将明确时限、持续跟踪，确保整改到位。"
    claims = _as_dict(_report(preamble, closing))
    assert "findings" not in claims and claims["findings-in-progress"] == 2


def test_a_lone_total_outside_the_headline_counts_only_with_the_inspection_named():
    """涉及3个问题的整改 before the headline is no total; 巡察组共反馈问题16个 alone is one."""
    headline = "\n截至2025年9月30日，已完成整改14个，正在整改2个，制定整改措施40条。"
    preamble = "局党组对照反馈意见逐条梳理问题清单，其中涉及3个问题的整改由局领导牵头。" + headline
    assert "findings" not in _as_dict(_report(preamble))
    preamble = "县委第一巡察组共反馈问题16个。" + headline
    assert _as_dict(_report(preamble))["findings"] == 16


@pytest.mark.parametrize(
    ("phrase", "kind", "value"),
    [
        ("反馈问题16个", "findings", "16"),
        ("三个方面共发现反馈各类问题16个", "findings", "16"),
        ("整改措施48条", "measures", "48"),
        ("巡察反馈25个问题,已完成整改19个、正在整改6个,整改完成率76%", "rectification-rate-percent", "76"),
        ("巡察反馈25个问题,已完成整改19个、正在整改6个", "findings-in-progress", "6"),
        ("批评帮助5人", "persons-criticised", "5"),
        ("责令检查1人", "persons-ordered-to-self-examine", "1"),
        ("交由纪委调查1人", "persons-referred-for-investigation", "1"),
        ("制度规范27项", "rules-established-or-improved", "27"),
        ("制定及修改完善制度12项", "rules-established-or-improved", "12"),
        ("追回资金8600元", "funds-recovered-wan-yuan", "0.86"),
        # Seen in openings of published reports (tests/corpus/openings).
        ("反馈意见提出了11项问题", "findings", "11"),
        ("6个方面18个突出问题", "findings", "18"),
        ("4个方面问题细化为具体问题23个", "findings", "23"),
        ("巡察反馈35个具体问题,整改完成28个,阶段性完成7个", "findings-rectified", "28"),
        ("已完成整改20个,剩余3个正在持续推进", "findings-in-progress", "3"),
        ("巡察移交的4个立行立改问题,均已全部办结", "findings-immediately-rectified", "4"),
        ("立行立改问题5个均已整改到位", "findings-immediately-rectified", "5"),
        ("对2名干部进行谈话提醒", "persons-reminded", "2"),
        # Aspects between the noun and the count: the count of findings is the second number.
        ("巡察反馈问题共3个方面10个", "findings", "10"),
        ("巡察反馈问题4个方面15个，已全部完成整改", "findings", "15"),
        ("巡察反馈问题4个方面15个，已全部完成整改", "aspects", "4"),
        ("对3名责任人进行批评教育", "persons-criticised", "3"),
        ("共反馈问题4大类19个", "aspects", "4"),
        ("制定完善制度10项", "rules-established-or-improved", "10"),
        ("研究制定基础性、长效性的机制制度40项", "rules-established-or-improved", "40"),
        ("给予政务处分0人;组织处理0人;诫勉0人", "persons-admonished", "0"),
        ("巡察反馈的697个问题,完成整改688个,未完成5个,总体完成率98.71%", "findings-unrectified", "5"),
    ],
)
def test_phrasings(phrase, kind, value):
    assert (kind, value) in {(c.kind, c.value) for c in paragraph_claims(phrase)}


def test_a_problem_not_yet_rectified_is_no_rectified_count():
    assert "findings-rectified" not in {c.kind for c in paragraph_claims("巡察反馈12个问题,未整改完成2个")}


def test_claim_evidence_quotes_the_number_in_every_style():
    for preamble in (NOUN_FIRST, SPREAD, SINGLE, MONEY):
        report = read_text(_report(preamble), "variant.txt")
        for claim in report.claims:
            assert report.quote(claim.span) == claim.text


def test_a_single_total_headline_is_the_one_that_names_the_inspection():
    preamble = (
        "局党组将反馈意见细化为问题清单，涉及7个问题的整改由分管领导牵头。\n"
        "截至2025年9月30日，县委巡察组反馈的问题已全部完成整改，共制定整改措施26条。"
    )
    assert _as_dict(_report(preamble)) == {"measures": 26}


def test_plans_in_the_next_steps_part_are_no_claims():
    """下一步…再修订完善制度3项 is work to come: only what stands before the findings adds to the headline."""
    preamble = "截至2025年9月30日，巡察反馈的8个问题已完成整改8个；制定整改措施20条。"
    closing = "下一步，局党组将对照巡察反馈意见，再修订完善制度3项，给予提醒谈话的干部持续跟踪。"
    assert _as_dict(_report(preamble, closing)) == {"findings": 8, "findings-rectified": 8, "measures": 20}
