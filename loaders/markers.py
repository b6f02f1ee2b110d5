"""The marks a report's outline is written with: heading markers, labels, and the text's lines.

One place for the patterns that the level reader (loaders.levels), the measure reader
(loaders.measures) and the outline (loaders.outline) share, so that a new marker style is added once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "一二三四五六七八九十"
# 一、 and its half-width typing 一. (a dot after the Chinese numeral).
PART = re.compile(rf"^([{CN_NUM}]+)[、.]\s*(.+)$")
CATEGORY = re.compile(rf"^\(([{CN_NUM}]+)\)\s*(.+)$")
NUMBERED = re.compile(r"^(\d+)[.、](?!\d)\s*(.+)$")
# (1) and its half-width shorthand 1) (typed without the opening bracket): one level.
BRACKETED = re.compile(r"^\(?(\d+)\)\s*(.+)$")
# "问题1:…" names itself a finding, whatever its title says.
LABELLED = re.compile(rf"^问题\s*(\d+|[{CN_NUM}]+)\s*[:.、](.+)$")


def label(words: str) -> str:
    """A label closes with a colon or stands in 【】: 整改措施: and 【整改措施】 are one label."""
    return rf"(?:【(?:{words})】|(?:{words})[:])"


STATUS_LINE = re.compile(
    "^" + label(r"整改(?:完成|落实|进展)?(?:情况|措施|举措|进展)|具体整改措施|主要整改措施|整改落实措施") + r"\s*"
)
# The same label ending a heading's line (1.关于…问题。整改情况:): the items below are measures.
STATUS_AT_END = re.compile(
    r"[。.]" + label(r"整改(?:完成|落实|进展)?(?:情况|措施|举措)|具体整改措施|主要整改措施") + r"\s*$"
)
# 【问题表现】巡察指出…: the label before a finding's description names it, and is no part of it.
PROBLEM_LABEL = re.compile(label(r"问题表现|问题描述|存在问题|反馈问题|具体问题") + r"\s*")
# 整改成效: states what the measures achieved; it ends the measures and is none of them.
RESULT_LINE = re.compile(r"\n(?:整改成效|取得成效|工作成效)[:]")
# The sentence after 问题N:title。 that restates the inspectors' finding describes the problem.
DESCRIPTION = re.compile(r"(?:巡察|巡视|反馈|检查)(?:组)?(?:指出|发现|反馈)")
# Kinds that are or may become findings once levels are resolved.
PROBLEM_KINDS = {"finding", "numbered", "numbered-finding", "category?"}
# The first item of an enumeration of measures, at the start of a clause.
FIRST_ITEM = re.compile(r"(?:^|(?<=[。;:,】]))(?:一是|①|1[.、](?!\d)|\(1\))")
# Part headings that report on the findings themselves (二、巡察反馈问题整改落实情况).
RECTIFICATION_PART = re.compile(r"问题|反馈|意见")
# Part headings about how the rectification was organised (一、整改工作组织情况, 一、强化政治担当…):
# their numbered paragraphs are steps of the work, never findings, whatever else the report holds.
# (组织建设, 党的全面领导 are categories of findings, not this.)
ORGANISING_PART = re.compile(
    r"组织(?:领导|整改|开展|实施)|整改工作(?:组织|开展)|(?:开展|总体|基本|领导)情况|政治(?:担当|责任|站位)|主体责任"
)
# Labelled lines that state a finding's progress, deadline or owner rather than its measures
# (整改进展:已完成整改。, 整改状态:完成); when a 整改措施: line follows, the measures start there.
PROGRESS_LINE = re.compile(
    "^"
    + label(r"整改进展(?:情况)?|整改状态|进展情况|完成情况|整改时限|完成时限|责任领导|责任单位|责任部门")
    + r"[^\n]*\n"
)
FIRST_MEASURE = re.compile(r"^(?:一是|①)")
# Parts that look ahead (三、下一步工作打算) hold plans, not findings, whatever their items say.
FORWARD_PART = re.compile(r"下一步|打算|努力方向|今后|工作安排|工作计划")
# Closing matter after the last finding: invitations to comment, contact details.
CLOSING = re.compile(r"^(?:欢迎|诚恳欢迎|如有意见|联系电话|电子邮箱|通讯地址|通信地址|邮政编码)")
IN_PROGRESS = re.compile(
    r"(正在推进|正在整改|正在持续整改|持续整改中|仍在整改|需长期推进|需长期坚持|持续推进中|尚未完成|未完成整改|阶段性成效|正按计划|分年度|逐步推进)"
)

# A finding's own progress label (整改进展:已整改到位 / 长期坚持 / 持续推进,…): where printed, it
# decides the status, not words in the measures; in progress when it says the work goes on.
PROGRESS_LABEL = re.compile(label(r"整改进展(?:情况)?|进展情况|完成情况") + r"([^\n]*)")
LABEL_IN_PROGRESS = re.compile(r"正在|持续推进|推进中|尚未|未完成|阶段性|逐步|按计划")

CN_DIGITS = {c: i + 1 for i, c in enumerate(CN_NUM)}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# ①关于…问题 at the start of a line: a finding where no finding of another style holds it,
# else one of its measures, one per line.
CIRCLED_HEADING = re.compile(rf"^([{CIRCLED}])\s*(.+)$")


@dataclass
class Line:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lines_of(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        if raw:
            out.append(Line(raw, pos))
        pos += len(raw) + 1
    return out


def cn_number(n: int) -> str:
    """1 → 一, 11 → 十一, 21 → 二十一: the spelling of 一是/二是 markers."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUM[tens - 1]) + "十" + (CN_NUM[ones - 1] if ones else "")
