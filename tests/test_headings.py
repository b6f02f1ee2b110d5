"""A heading's first clause is read as a reader reads it: a sentence never ends inside a quotation.

Titles of findings are cut at the first 。.;: outside “…”, ‘…’, 《…》 and brackets (the annotation
guide, "Finding title"); a trailing 的整改/的整改情况 names the report's work and is dropped.
"""

from __future__ import annotations

import pytest

from loaders.headings import clause_end, fix_title, problem_title


@pytest.mark.parametrize(
    ("rest", "title"),
    [
        ("关于“理论学习流于形式。局党组学习不够”问题的整改", "关于“理论学习流于形式。局党组学习不够”问题"),
        ("关于“学用结合不紧密;思路不多”问题的整改情况", "关于“学用结合不紧密;思路不多”问题"),
        ("关于“‘一岗双责’落实不力。研判不足”问题的整改。一是…", "关于“‘一岗双责’落实不力。研判不足”问题"),
        ("关于落实《条例(试行)。》不到位的问题。一是…", "关于落实《条例(试行)。》不到位的问题"),
        ("关于资金(1.5万元)使用不规范问题", "关于资金(1.5万元)使用不规范问题"),
        ("关于医保政策宣传解读不到位问题的整改。一是…", "关于医保政策宣传解读不到位问题"),
        ("关于“" + "长" * 120 + "”问题的整改", "关于“" + "长" * 120 + "”问题"),
    ],
)
def test_problem_titles_keep_quotations_whole(rest, title):
    assert problem_title(rest)[0] == title


NOT_PROBLEMS = ["落实立德树人根本任务。一是…", "在“贯彻落实党的理论”方面", "关于" + "长" * 90 + "问题"]


@pytest.mark.parametrize("rest", NOT_PROBLEMS)
def test_a_clause_that_names_no_problem_or_is_too_long_is_no_problem_title(rest):
    assert problem_title(rest) is None


def test_a_lone_closing_mark_does_not_swallow_the_line():
    assert clause_end("学习不够”问题。一是") == len("学习不够”问题")


def test_an_unclosed_quotation_runs_to_the_end():
    assert clause_end("关于“学习不够。一是") == len("关于“学习不够。一是")


@pytest.mark.parametrize(
    ("rest", "found"),
    [
        ("落实立德树人根本任务。一是…", ("落实立德树人根本任务", 10)),
        ("全面贯彻落实党的教育方针", ("全面贯彻落实党的教育方针", 12)),
        ("对全院固定资产开展全面清查,完善资产台账,盘活闲置设备126台(套)并建立长效管理制度和定期盘点机制。", None),
        ("整改情况:对…", None),
    ],
)
def test_a_heading_that_names_the_fix_is_a_short_first_clause(rest, found):
    assert fix_title(rest, longest=30) == found
