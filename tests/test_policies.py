"""Policies read from the real reports: the annotation guide's worked examples hold exactly.

Findings are picked by printed number here only to check the guide's examples; the loader never
looks at numbers when it reads policies.
"""

from __future__ import annotations

import pytest

from loaders.pipeline import read_text
from loaders.policies import GENERIC, HEADS
from tests.conftest import QINGPU

INFO_CHECK_OPINION = "关于进一步完善青浦区区级社会救助信息共享核查机制的意见"


def _finding(report, number: str):
    (finding,) = [f for f in report.findings if f.number == number]
    return finding


def _uses(finding) -> dict[str, tuple[str, str | None]]:
    return {u.name: (u.action, u.document) for m in finding.measures for u in m.policies}


@pytest.mark.parametrize(
    ("number", "name", "action", "document"),
    [
        ("7", "“1+3+3”信息核查机制", "established", INFO_CHECK_OPINION),
        ("21", "“黑名单”管理制度", "established", None),
        ("23", "验收签字负责制", "established", None),
        ("32", "“导师帮带制”", "established", None),
        ("34", "“书记末位表态+全程纪实”双控机制", "established", None),
        ("59", "养老机构包保责任制度", "established", None),
    ],
)
def test_guide_worked_examples(qingpu, number, name, action, document):
    uses = _uses(_finding(qingpu.report, number))
    assert uses.get(name) == (action, document)


def test_formalising_document_is_cited_by_the_same_measure(qingpu):
    report = qingpu.report
    for measure in report.measures:
        titles = {c.title for c in measure.citations}
        for use in measure.policies:
            assert use.document is None or use.document in titles


def test_abbreviated_heading_merges_into_the_full_name(qingpu):
    names = _uses(_finding(qingpu.report, "59"))
    assert "包保责任制度" not in names


def test_span_is_the_printed_name(qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        report = loaded.report
        for measure in report.measures:
            for use in measure.policies:
                printed = report.quote(use.span)
                assert measure.span.start <= use.span.start < use.span.end <= measure.span.end
                assert printed.replace("”的", "”") == use.name
    (use,) = [u for m in _finding(qingpu.report, "7").measures for u in m.policies]
    assert qingpu.report.quote(use.span) == "“1+3+3”的信息核查机制"


def test_names_are_names_not_clauses_or_generic_heads(qingpu, fengjiang):
    names = [u.name for loaded in (qingpu, fengjiang) for m in loaded.report.measures for u in m.policies]
    assert len(names) > 40
    for name in names:
        core = name.replace("“", "").replace("”", "")
        assert core.endswith(HEADS) and len(core) <= 30, name
        assert not name.startswith("的") and "," not in name, name
        assert core not in {w + h for w in GENERIC for h in HEADS}, name
        assert core not in {"长效机制", "工作机制", "管理制度", "制度机制"}, name


def test_coordinated_names_are_two_policies(fengjiang):
    uses = _uses(fengjiang.report.findings[1])
    assert uses["院长安全第一责任人制度"][0] == "applied"
    assert uses["夜间值班巡查制度"][0] == "applied"


def test_shared_head_stays_one_name(fengjiang):
    uses = _uses(fengjiang.report.findings[11])
    assert "救助对象就业、参保和医疗费用信息共享机制" in uses


def test_description_before_de_is_not_part_of_the_name(qingpu):
    assert "墓位定价联合审核机制" in _uses(_finding(qingpu.report, "46"))


def test_generic_long_term_mechanism_is_not_a_policy(fengjiang):
    # 二是建立长效机制。: a mechanism with no name
    finding = fengjiang.report.findings[18]
    assert "建立长效机制" in fengjiang.report.text[finding.body.start : finding.body.end]
    assert "长效机制" not in _uses(finding)


@pytest.mark.parametrize(
    ("verb", "action"),
    [
        ("健全", "improved"),
        ("优化完善", "improved"),
        ("严格执行", "applied"),
        ("落实", "applied"),
        ("构建", "established"),
    ],
)
def test_action_follows_the_verb(verb, action):
    text = QINGPU.read_text(encoding="utf-8").replace("建立“黑名单”管理制度", f"{verb}“黑名单”管理制度")
    report = read_text(text, "variant.txt")
    assert _uses(_finding(report, "21"))["“黑名单”管理制度"][0] == action


def test_verb_used_as_modifier_governs_nothing(fengjiang):
    names = [u.name for m in fengjiang.report.measures for u in m.policies]
    assert not any("好做法" in n for n in names)


@pytest.mark.parametrize(
    ("phrase", "names"),
    [
        ("建立健全“立行立改清单”“反馈清单”“对账销号清单”3项清单", {"“立行立改清单”", "“反馈清单”", "“对账销号清单”"}),
        ("制定措施清单、任务清单和责任清单", {"措施清单", "任务清单", "责任清单"}),
        ("实行“签字背书+双审核+双督促”机制", {"“签字背书+双审核+双督促”机制"}),
        ("实行整改落实双审制", {"整改落实双审制"}),
        ("完善制度机制", set()),
        ("建立巡察组原班人马对被巡察党组织不定期“点穴式”督查机制", set()),
    ],
)
def test_phrasings_from_other_reports(phrase, names):
    text = QINGPU.read_text(encoding="utf-8").replace("建立“黑名单”管理制度", phrase)
    assert set(_uses(_finding(read_text(text, "variant.txt"), "21"))) == names
