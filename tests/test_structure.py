"""Structure read from the real reports: findings, titles, categories, groups, measures."""

from __future__ import annotations

import re

import pytest

from loaders import structure
from tests.conftest import QINGPU


def test_qingpu_has_63_findings_numbered_as_printed(qingpu):
    r = qingpu.report
    assert [f.number for f in r.findings] == [str(n) for n in range(1, 64)]
    assert len(r.measures) == 186


def test_qingpu_titles_are_the_clause_naming_the_problem(qingpu):
    """The title is what stands after '(n)' up to the first 。 — read independently from the raw text."""
    raw = QINGPU.read_text(encoding="utf-8")
    expected = re.findall(r"^\((\d+)\)([^。]*?问题)。", raw, flags=re.M)
    assert [(f.number, f.title) for f in qingpu.report.findings] == expected


def test_qingpu_finding_39_has_no_group_and_group_numbers_are_kept(qingpu):
    r = qingpu.report
    f39 = r.findings[38]
    assert f39.group is None and f39.category is not None
    numbers = [g.number for g in r.groups if r.group_category[g.order] == 2]
    assert numbers == ["1", "2", "3", "2"]


def test_qingpu_lead_sentences_are_not_measures(qingpu):
    leads = {f.number: qingpu.report.quote(f.lead) for f in qingpu.report.findings if f.lead}
    assert set(leads) == {"36", "37", "38"}
    assert all(not text.startswith("一是") for text in leads.values())


def test_fengjiang_matches_gold_findings_titles_and_measures(fengjiang, fengjiang_gold):
    got = [(f.number, f.title, len(f.measures)) for f in fengjiang.report.findings]
    want = [(str(g["number"]), g["title"], g["measures"]) for g in fengjiang_gold["findings"]]
    assert got == want


def test_fengjiang_categories_and_status(fengjiang, fengjiang_gold):
    r = fengjiang.report
    assert [c.title for c in r.categories] == [c["category"] for c in fengjiang_gold["structure"]["categories"]]
    assert [f.order for f in r.findings if f.status == "in-progress"] == [5, 20]


def test_refs_are_unique_and_plain_where_numbers_do_not_restart(qingpu, fengjiang):
    assert [f.ref for f in qingpu.report.findings] == [f.number for f in qingpu.report.findings]
    refs = [f.ref for f in fengjiang.report.findings]
    assert len(set(refs)) == len(refs) == 22
    assert refs[9] == "(二)2"  # the second finding of the second category, printed "2."


@pytest.mark.parametrize(
    ("text", "going_on"),
    [
        ("一是建立台账。目前正在持续整改,相关制度尚在完善中。", True),
        ("一是开展排查。该问题仍在整改中。", True),
        ("一是持续推进中。", True),
        ("一是建立长效机制,已完成整改。", False),
        ("一是持续整改到位,已建立长效机制。", False),
    ],
)
def test_a_finding_whose_text_says_the_work_goes_on_is_in_progress(text, going_on):
    """The annotation guide: in progress when the text says so (正在整改, 持续整改, 尚未完成…)."""
    assert structure._in_progress(text) is going_on
