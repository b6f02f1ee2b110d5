"""A text cut short: the opening of a report as a search engine or a site's listing stores it.

Search engines keep the first few hundred characters of a page and cut wherever the count ends:
inside a sentence, a number, a 《 title, a quotation or a finding. What stands before the cut
(title, dates, claims, complete findings) is read as usual, but the last finding has lost part of
its measures, so it is dropped rather than loaded with a wrong count: a wrong finding misleads
more than a missing one. The report says what happened in a reading warning.

A complete report ends with a full stop, a signature, a date or its contact lines; a heading alone
or a short line (an issuer's name) at the end is no cut by itself, since those are never closed
by punctuation, but a numbered line inside a finding's text is one of its measures, which are.
"""

from __future__ import annotations

import re

from loaders.markers import CIRCLED, CLOSING, CN_NUM
from loaders.model import Finding, Report

# The marks a search engine appends where it cut: ... or ….
ELLIPSIS = re.compile(r"(?:\.{3,}|…+)$")
# Marks that close a sentence (after half-width normalising): a line ending with one is complete.
CLOSED = tuple("。!?;”’)」』】》")
# A heading alone on its line is never closed by punctuation, so it is no evidence of a cut.
HEADING = re.compile(rf"^(?:[{CN_NUM}]+、|\([{CN_NUM}\d]+\)|\d+[.、]|问题\s*\w+\s*[:.、]|[{CIRCLED}])")
# Lines after the text proper close a page without punctuation: contact lines (联系电话:…, 欢迎…),
# bylines (来源:… 编辑:… 审核:…) and links to the neighbouring articles (上一篇:…, 下一篇:…).
CLOSING_LINE = re.compile(
    r"^(?:(?:联系|举报|咨询|监督|通讯|通信)?(?:电话|地址|邮箱|电子邮箱|传真|邮编|邮政编码)"
    r"|来源|编辑|责任编辑|审核|审校|校对|核稿|作者|供稿|通讯员|摄影|上一篇|下一篇|相关链接|附件)\s*:"
)
DATE_AT_END = re.compile(r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\)?$")
# A sentence shorter than this at the end is a signature, a name or a caption, not a cut paragraph.
SHORTEST_PARAGRAPH = 20
WARNING = "the text is cut short"
CLAUSE_ENDS = ("。", "；", ";", "！", "？", "!", "?", "，", ",", "\n")


def stops_mid_sentence(text: str, *, in_finding: bool = False) -> bool:
    """Whether the text's last line is a paragraph cut off inside a sentence (or marked as cut).
    `in_finding`: the line is in a finding's text, where a numbered line is a measure (1.联合…开展),
    which ends with punctuation like any sentence, not a heading."""
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    if not last or ELLIPSIS.search(last):
        return bool(last)
    if last.endswith(CLOSED) or DATE_AT_END.search(last) or _closing(last):
        return False
    if HEADING.match(last):  # a measure in a finding (1.联合…开展); elsewhere (二)关于…问题 alone
        return in_finding or "。" in last
    return len(last) >= SHORTEST_PARAGRAPH


def _closing(line: str) -> bool:
    return bool(CLOSING.match(line) or CLOSING_LINE.match(line))


def drop_cut_finding(report: Report) -> None:
    """Drop the last finding when the text is cut inside it (or right after its heading), and
    say that the text is cut short. Called after read_metadata, so the cut finding's text gave no
    headline claims, and before require_report, which then sees the findings that are left."""
    end = len(report.text.rstrip())
    last = report.findings[-1] if report.findings else None
    last_line = report.text.rfind("\n", 0, end) + 1
    cut = stops_mid_sentence(report.text, in_finding=last is not None and last.body.start <= last_line < last.body.end)
    if last is not None and last.body.end >= end and (cut or not _has_text(report, last)):
        report.findings.pop()
        report.warnings.append(f"{WARNING}: its last finding, {_label(last)}, stops before its end and was not loaded")
    elif cut:
        report.warnings.append(f"{WARNING}: it stops mid-sentence; what stands before the cut was read")
    if cut:
        _drop_claims_in_cut_clause(report, end)


def _drop_claims_in_cut_clause(report: Report, end: int) -> None:
    """A total in the clause the cut falls in may be half of what it said (其余2个… may go on 已完成),
    and a wrong claim misleads more than a missing one; the clauses before it were said whole."""
    start = max(report.text.rfind(stop, 0, end) for stop in CLAUSE_ENDS) + 1
    report.claims[:] = [claim for claim in report.claims if claim.span.end <= start]


def _has_text(report: Report, finding: Finding) -> bool:
    """A finding whose heading ends the text has no text of its own: the page was cut after it."""
    return bool(report.quote(finding.body).strip())


def _label(finding: Finding) -> str:
    return f"({finding.ref or finding.number}) {finding.title[:30]}"
