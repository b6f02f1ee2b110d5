"""A negated verb takes no action (issue 18, item 7): 未组织学习《X》 does not study X.

The annotation guide: "A negated verb (未组织学习《X》, 没有制定) takes no action on X: the document
is mentioned only." The same holds for a named rule: 未落实“三重一大”决策制度 applies nothing. The
report is invented; the measures quote the problem before stating the fix, as real ones do.
"""

from __future__ import annotations

import pytest

from loaders.pipeline import read_text

REPORT = """中共澄江区文化旅游局党组关于区委巡察反馈意见整改进展情况的通报
根据区委统一部署，2025年3月3日至4月30日，区委第二巡察组对中共澄江区文化旅游局党组开展了常规巡察。
一、整改落实情况
(一)关于理论学习不够深入的问题
整改情况:一是{first}。二是{second}。
二、下一步工作
局党组将持续巩固整改成果。
"""


def _measures(first: str, second: str = "开展全员培训2期"):
    return read_text(REPORT.format(first=first, second=second), "variant.txt").measures


def _actions(first: str) -> dict[str, str]:
    return {c.title: c.action for c in _measures(first)[0].citations}


@pytest.mark.parametrize(
    ("measure", "title", "action"),
    [
        (
            "针对此前未组织学习《党委(党组)理论学习中心组学习规则》的问题，补学相关内容",
            "党委(党组)理论学习中心组学习规则",
            "mentioned",
        ),
        ("局党组没有及时制定《文物安全巡查制度》，现已整改", "文物安全巡查制度", "mentioned"),
        ("针对尚未按照《财务报销管理办法》审核的票据，逐张复核", "财务报销管理办法", "mentioned"),
        ("组织学习《党委(党组)理论学习中心组学习规则》", "党委(党组)理论学习中心组学习规则", "studied"),
        ("对未成年人保护工作依据《未成年人保护法》开展检查", "未成年人保护法", "applied"),
        ("对未整改到位的单位依据《问责办法》追责", "问责办法", "applied"),
    ],
)
def test_negated_verb_mentions_the_document(measure, title, action):
    assert _actions(measure)[title] == action


def test_negated_verb_sets_up_no_policy():
    (first, second) = _measures("此前未落实“三重一大”决策制度，造成决策不规范", "严格执行“三重一大”决策制度")
    assert not first.policies
    assert [(u.name, u.action) for u in second.policies] == [("“三重一大”决策制度", "applied")]
