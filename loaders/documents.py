"""Named documents (every 《…》) and what a measure does with each.

The title is kept exactly as printed (inner 〈〉 and (试行) included) because investigators search
for it verbatim; the type, status words and 文号 are read off the title and what follows it.
"""

from __future__ import annotations

import re

from loaders.model import Citation, Document, Report, Span
from loaders.negation import negated

TITLE = re.compile(r"《([^《》]{2,120})》")
DOC_NUMBER = re.compile(r"\s*\(?\s*([^\s()《》,;。]{0,16}?〔\d{4}〕\s*\d+\s*号)\s*\)?")
# The kind of document is the title's last word; the longest match wins (办法 before 法).
TYPES = (
    "法",
    "条例",
    "办法",
    "意见",
    "方案",
    "通知",
    "指南",
    "清单",
    "规定",
    "制度",
    "准则",
    "计划",
    "目录",
    "提示",
    "建议",
    "规程",
    "规则",
    "细则",
    "标准",
    "规范",
    "决定",
    "纲要",
    "规划",
    "指引",
    "要点",
    "通报",
    "报告",
    "手册",
    "汇编",
    "公约",
    "章程",
    "守则",
    "流程",
    "口径",
    "协议",
)
STATUS_WORDS = re.compile(r"[(](试行|暂行|草案|征求意见稿|修订)[)]|(试行|暂行)")
# The verb nearest before the title in its clause decides the action (制定并印发 → created).
ACTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("created", ("制定", "编制", "建立", "起草", "出台并", "研究制定", "形成", "新建")),
    ("revised", ("修订", "完善", "优化", "修改", "更新")),
    ("issued", ("印发", "下发", "出台", "发布", "转发", "公布")),
    ("studied", ("学习", "解读", "宣贯", "宣讲", "传达", "研读", "培训")),
    ("applied", ("依据", "按照", "对照", "根据", "参照", "落实", "执行", "遵照", "严格执行", "贯彻")),
]
CLAUSE_START = "。;:,\n"
# What a measure does to a document that makes the document's co-issuers its partners.
JOINT_ACTIONS = ("created", "revised", "issued")
# A title names its issuers before this word (上海市A区民政局上海市A区财政局关于…的通知).
ISSUERS_END = "关于"


def document_type(title: str) -> str | None:
    core = STATUS_WORDS.sub("", title).rstrip()
    return max((t for t in TYPES if core.endswith(t)), key=len, default=None)


def status_of(title: str) -> str | None:
    m = STATUS_WORDS.search(title)
    return (m.group(1) or m.group(2)) if m else None


def action_before(text: str, start: int) -> str:
    clause = start
    while clause > 0 and text[clause - 1] not in CLAUSE_START:
        clause -= 1
    window = text[clause:start]
    best, best_pos = "mentioned", -1
    for action, verbs in ACTIONS:
        for verb in verbs:
            pos = window.find(verb)
            # The first verb of the clause governs "制定并印发《…》"; so take the earliest one.
            if pos != -1 and (best_pos == -1 or pos < best_pos):
                best, best_pos = action, pos
    return "mentioned" if best_pos != -1 and negated(window, best_pos) else best


def document(report: Report, title: str) -> Document:
    """The report's node for a title, made on first sight (by whichever reader sees it first)."""
    return report.documents.setdefault(title, Document(title, document_type(title), status_of(title), None))


def issuer_span(text: str, title: re.Match[str]) -> tuple[int, int] | None:
    """Where a title (a TITLE match) prints its issuers: from its start up to 关于, if anything stands there."""
    end = text.find(ISSUERS_END, title.start(1), title.end(1))
    return (title.start(1), end) if end > title.start(1) else None


def _read_titles(report: Report, start: int, end: int) -> list[Citation]:
    text, citations = report.text, []
    for m in TITLE.finditer(text, start, end):
        title = m.group(1).strip()
        number = DOC_NUMBER.match(text, m.end())
        doc = document(report, title)
        if number and not doc.number:
            doc.number = re.sub(r"\s+", "", number.group(1))
        citations.append(Citation(title, action_before(text, m.start()), Span(m.start(), m.end())))
    return citations


def read_all_documents(report: Report) -> None:
    """Titles inside a measure are cited by it; any other title is cited by the report itself."""
    covered = []
    for measure in report.measures:
        measure.citations.extend(_read_titles(report, measure.span.start, measure.span.end))
        covered.append(measure.span)
    for citation in _read_titles(report, 0, len(report.text)):
        if not any(s.start <= citation.span.start < s.end for s in covered):
            report.citations.append(citation)
