"""The first clause of a heading, read the way a reader reads it: quotations are not cut.

Reports quote the inspectors' feedback in their headings (`(1)关于“理论学习流于形式。局党组……不够”
问题的整改`), so a sentence never ends inside “…”, ‘…’, "…" (typed half-width), 《…》 or brackets; a trailing 的整改 /
的整改情况 names the report's own work, not the problem, and is not part of a title.
"""

from __future__ import annotations

import re

OPENERS = {"“": "”", "‘": "’", "《": "》", "(": ")", "〔": "〕", "【": "】", "「": "」", "『": "』"}
CLOSERS = {v: k for k, v in OPENERS.items()}
# Where a heading's first clause ends (outside quotation marks and brackets).
CLAUSE_END = "。.;:"
# 的整改 / 的整改情况 / 整改情况 after …问题: the report's work on the problem, not its title.
WORK_SUFFIX = re.compile(r"(?:的)?整改(?:落实)?(?:情况|进展情况)?$")
MAX_TITLE = 80
# Quoted feedback may run long (the inspectors' whole sentence): a title that quotes may be longer.
MAX_QUOTED_TITLE = 200
# Typed on a half-width keyboard, “…” becomes "…": one mark that opens and closes by turns.
ASCII_QUOTE = '"'
_MARKS = re.compile("[" + re.escape("".join(OPENERS) + "".join(CLOSERS) + CLAUSE_END + ASCII_QUOTE) + "]")


def clause_end(text: str, start: int = 0, ends: str = CLAUSE_END, stop: int | None = None) -> int:
    """Index of the first of `ends` (。.;: by default) at depth 0 in text[start:stop] (stop, or
    len(text), when there is none).

    A lone closing mark (a quotation opened on an earlier line) is ignored rather than trusted,
    so a damaged heading never swallows the rest of its paragraph. Only marks are visited, so a
    long line costs one regex scan."""
    depth: list[str] = []
    stop = len(text) if stop is None else stop
    # "…" quotes only where they pair up: one stray " must not swallow the paragraph either.
    paired = text.count(ASCII_QUOTE, start, stop) % 2 == 0
    for m in _MARKS.finditer(text, start, stop):
        c, i = m.group(), m.start()
        if c == ASCII_QUOTE:
            if not paired:
                continue
            if depth and depth[-1] == ASCII_QUOTE:
                depth.pop()
            else:
                depth.append(ASCII_QUOTE)
        elif c in OPENERS:
            depth.append(OPENERS[c])
        elif depth and c == depth[-1]:
            depth.pop()
        elif not depth and c in ends:
            # A decimal point (1.5万元) is not the end of a clause.
            if c == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                continue
            return i
    return stop


def first_clause(text: str) -> str:
    return text[: clause_end(text)]


def problem_title(rest: str) -> tuple[str, int] | None:
    """(title, end of the clause) when the heading's first clause names a problem (…问题), its
    trailing 的整改/的整改情况 dropped; None otherwise."""
    end = clause_end(rest)
    clause = rest[:end].rstrip()
    bare = WORK_SUFFIX.sub("", clause) if not clause.endswith("问题") else clause
    longest = MAX_QUOTED_TITLE if "“" in bare or ASCII_QUOTE in bare else MAX_TITLE
    if bare.endswith("问题") and 2 < len(bare) <= longest:
        return bare, end
    return None


def fix_title(rest: str, *, longest: int = 40) -> tuple[str, int] | None:
    """(title, end of the clause) for a heading that names the fix (落实立德树人根本任务。…): a
    short first clause that ends with 。 or the line; None for a sentence that runs on."""
    end = clause_end(rest)
    clause = rest[:end].rstrip()
    if not clause or len(clause) > longest or (end < len(rest) and rest[end] not in "。"):
        return None
    return clause, end
