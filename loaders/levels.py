"""Which role each line of a report plays: part, category, group, finding, closing or text.

A heading's level is decided by what follows it, not by its bracket style alone: a "1." line is
a *group* only when findings "(n)" follow it, numbered lines under a bare "整改情况:" are
measures, a heading that names the fix is a finding when measures follow it, and when no heading
says 问题 the deepest headings with text of their own in the parts that report rectification are
the findings. Each rule is one pass over the lines, in the order `classify` runs them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from loaders.headings import first_clause, fix_title, problem_title
from loaders.markers import (
    BRACKETED,
    CATEGORY,
    CIRCLED_HEADING,
    CLOSING,
    FIRST_ITEM,
    FIRST_MEASURE,
    FORWARD_PART,
    LABELLED,
    NUMBERED,
    ORGANISING_PART,
    PART,
    PROBLEM_KINDS,
    PROGRESS_LINE,
    RECTIFICATION_PART,
    STATUS_AT_END,
    STATUS_LINE,
    Line,
    lines_of,
)


def finding_title(rest: str, *, loose: bool = False) -> str | None:
    """The clause naming the problem (…问题, quotations kept whole); loosely, any first clause, for
    headings that a 整改情况 block or their measures prove to be findings although their title does
    not say 问题 (a heading that names the fix)."""
    if found := problem_title(rest):
        return found[0]
    if loose:
        clause = re.match(r"^(.+?)(?:整改(?:情况|措施|进展)|$)", first_clause(rest))
        if clause and len(clause.group(1).rstrip(". ")) <= 80:
            return clause.group(1).rstrip(". ")
    return None


def title_end(rest: str) -> int:
    """Where a problem heading's title clause ends, its 的整改 included: what follows is its body."""
    found = problem_title(rest)
    return found[1] if found else 0


@lru_cache(maxsize=8)
def classified(text: str) -> tuple[tuple[Line, ...], tuple[str, ...]]:
    """A text's lines and their roles, read once: the structure, the outline and the outline's
    graph all read them for the same report (read-only), and classifying is a tenth of a load."""
    lines = lines_of(text)
    return tuple(lines), tuple(classify(lines))


def classify(lines: list[Line]) -> list[str]:
    """Each line's role in the outline: part, category, group, finding, closing, or text."""
    kinds = [_classify(line) for line in lines]
    _forward_parts(lines, kinds)
    _circled_headings(kinds)
    measure_lines = _measures_under_status(lines, kinds)
    _findings_proved_by_status(lines, kinds, measure_lines)
    _findings_named_by_their_fix(lines, kinds, measure_lines)
    _findings_in_sequence(lines, kinds, measure_lines)
    _only_in_rectification_parts(lines, kinds)
    if not PROBLEM_KINDS.intersection(kinds):
        _findings_by_outline(lines, kinds, measure_lines)
    _resolve_numbered(lines, kinds)
    return kinds


def _classify(line: Line) -> str:
    t = line.text
    if CLOSING.match(t):
        return "closing"
    if PART.match(t) and len(t) < 120:
        return "part"
    m = CATEGORY.match(t)
    if m:
        return "category?" if finding_title(m.group(2)) else "category"
    m = BRACKETED.match(t)
    if m and finding_title(m.group(2)):
        return "finding"
    if LABELLED.match(t):
        return "finding"
    m = CIRCLED_HEADING.match(t)
    if m and finding_title(m.group(2)):
        return "circled"
    m = NUMBERED.match(t)
    if m and finding_title(m.group(2)):
        # A heading alone on its line may be a group; one run into its paragraph is a finding.
        return "numbered-finding" if m.group(2)[title_end(m.group(2)) :].strip("。.;: ") else "numbered"
    if m and _group_shape(m.group(2)):
        return "numbered?"
    return "text"


def _forward_parts(lines: list[Line], kinds: list[str]) -> None:
    """Items under 三、下一步工作打算 ((一)持续巩固…, 1.防止类似问题反弹) are plans, not findings."""
    ahead = False
    for i, line in enumerate(lines):
        if kinds[i] == "part":
            ahead = bool(FORWARD_PART.search(line.text))
        elif ahead and kinds[i] != "closing":
            kinds[i] = "text"


def _circled_headings(kinds: list[str]) -> None:
    """①关于…问题 names a finding where the heading above it is a part, category or group; under a
    heading that is itself a finding ((1)关于…问题 alone on its line) ①②③ are that finding's measures,
    one per line. ① is the deepest marker: nothing nests under it."""
    above: str | None = None
    for i, kind in enumerate(kinds):
        if kind == "circled":
            kinds[i] = "text" if above in ("finding", "numbered-finding", "finding~") else "finding"
        elif kind not in ("text", "closing"):
            above = kind


def _after_progress(lines: list[Line], i: int) -> str:
    """The line after line i, past lines that only state progress (整改进展:已完成整改。): those say
    how far the work has come, not what it was, so they neither prove nor disprove a heading."""
    j = i + 1
    while j < len(lines) and PROGRESS_LINE.match(lines[j].text + "\n"):
        j += 1
    return lines[j].text if j < len(lines) else ""


def _measures_under_status(lines: list[Line], kinds: list[str]) -> set[int]:
    """Lines numbered 1, 2, 3… (or (1), (2)…) right under a bare 整改情况:/整改措施: line are the
    finding's measures, even where one ends its first clause with 问题 and so looks like a heading.
    The run ends at a problem title alone on its line or at one that a status line follows: the
    next finding, whose number may happen to continue the measures' count. Returns those lines."""
    measure_lines: set[int] = set()
    for i, line in enumerate(lines):
        status = STATUS_LINE.match(line.text) or STATUS_AT_END.search(line.text)
        rest = line.text[status.end() :].strip() if status else ""
        # The first item may run into the label (整改情况:(1)…): the run then goes on from (2).
        first = next((p for p in (BRACKETED, NUMBERED) if (m := p.match(rest)) and m.group(1) == "1"), None)
        if not status or (rest and first is None):
            continue
        family, expected = first, 2 if first else 1
        for j in range(i + 1, len(lines)):
            m = next(((p, m) for p in (BRACKETED, NUMBERED) if (m := p.match(lines[j].text))), None)
            if m is None:
                if kinds[j] != "text":
                    break
                continue
            pattern, match = m
            if (family or pattern) is not pattern or int(match.group(1)) != expected or _heads(lines, kinds, j):
                break
            family, expected = pattern, expected + 1
            kinds[j] = "text"
            measure_lines.add(j)
    return measure_lines


def _heads(lines: list[Line], kinds: list[str], i: int) -> bool:
    """Whether line i is a finding's heading rather than the next item of a run of measures."""
    following = lines[i + 1].text if i + 1 < len(lines) else ""
    return kinds[i] == "numbered" or bool(STATUS_LINE.match(following) or PROGRESS_LINE.match(following + "\n"))


def _findings_proved_by_status(lines: list[Line], kinds: list[str], measure_lines: set[int]) -> None:
    """A numbered line followed by (or running into) 整改情况:, or alone on its line before a first
    measure (一是…, ①…), is a finding whatever its wording; a line already read as a measure under
    a 整改情况: label is not (its paragraph may end 。整改进展:已完成整改。)."""
    for i, line in enumerate(lines):
        if kinds[i] not in ("text", "numbered?") or i in measure_lines:
            continue
        if not (NUMBERED.match(line.text) or BRACKETED.match(line.text)):
            continue
        following = _after_progress(lines, i)
        alone = len(line.text) <= 60 and "。" not in line.text.rstrip("。")
        follows = STATUS_LINE.match(following) or (alone and FIRST_MEASURE.match(following))
        if follows or re.search(r"[。.]整改(?:情况|措施|进展)[:]", line.text):
            kinds[i] = "finding"


def _group_shape(rest: str) -> bool:
    """A short heading alone on its line (1.全面贯彻落实党的教育方针): a group if findings follow."""
    return len(rest) <= 30 and not any(c in rest for c in "。,;:")


def _fix_heading(rest: str) -> tuple[str, int] | None:
    """A heading that names the fix: a short first clause without a comma (落实立德树人根本任务。)."""
    found = fix_title(rest, longest=30)
    return found if found and "," not in found[0] else None


def _findings_named_by_their_fix(lines: list[Line], kinds: list[str], measure_lines: set[int]) -> None:
    """(1)落实立德树人根本任务。一是… names the fix, not the problem: it is a finding because
    measures follow its title, in its paragraph (一是, ①, 1., (1) at a clause start) or on the next
    line after a heading that ends with 。. Marked finding~ until its part is known to report
    rectification."""
    for i, line in enumerate(lines):
        if kinds[i] not in ("text", "numbered?") or i in measure_lines:
            continue
        m = BRACKETED.match(line.text) or NUMBERED.match(line.text)
        heading = _fix_heading(m.group(2)) if m else None
        if heading is None:
            continue
        rest, end = m.group(2), heading[1]
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        run_on = rest[end + 1 :].strip()
        if (run_on and FIRST_ITEM.search(rest, end + 1)) or (
            not run_on and rest.endswith("。") and FIRST_ITEM.match(following) and i + 1 not in measure_lines
        ):
            kinds[i] = "finding~"


def _findings_in_sequence(lines: list[Line], kinds: list[str], measure_lines: set[int]) -> None:
    """A heading numbered next after a finding of the same marker style, in the same part, is a
    finding too, though it has no enumerated measures ((5)加强国有资产管理。对全院…)."""
    last: dict[re.Pattern[str], tuple[int, bool]] = {}
    for i, line in enumerate(lines):
        if kinds[i] == "part":
            last.clear()
            continue
        for style in (BRACKETED, NUMBERED):
            m = style.match(line.text)
            if m is None or i in measure_lines:
                continue
            number, finding = int(m.group(1)), kinds[i] in ("finding", "finding~")
            previous = last.get(style)
            follows = not finding and kinds[i] in ("text", "numbered?") and previous == (number - 1, True)
            if follows and _fix_heading(m.group(2)):
                kinds[i], finding = "finding~", True
            last[style] = (number, finding)
            break


def _only_in_rectification_parts(lines: list[Line], kinds: list[str]) -> None:
    """Findings known only by their shape stand in the parts that report rectification (二、巡察
    反馈问题整改落实情况), not in one about how the work was organised (一、强化政治担当…), whose
    paragraphs may be numbered and enumerate steps just the same. Where no part heading says
    which, every part but one about organising the work may hold them."""
    parts = [i for i, k in enumerate(kinds) if k == "part"]
    reporting = _reporting_parts(lines, parts)
    # Before the first part, findings stand only where no part heading says which parts report.
    before = not any(RECTIFICATION_PART.search(lines[i].text) for i in parts)
    part = -1
    for i, kind in enumerate(kinds):
        if kind == "part":
            part = i
        elif kind == "finding~":
            kinds[i] = "finding" if part in reporting or (part == -1 and before) else "text"


def _reporting_parts(lines: list[Line], parts: list[int]) -> set[int]:
    """The parts that report rectification: those whose heading says so (问题, 反馈, 意见), else every
    part but one about how the work was organised (an opening may stop before the reporting part,
    so the organising part is all there is, and its paragraphs are still no findings)."""
    said = {i for i in parts if RECTIFICATION_PART.search(lines[i].text)}
    return said or {i for i in parts if not ORGANISING_PART.search(lines[i].text)}


def _findings_by_outline(lines: list[Line], kinds: list[str], measure_lines: set[int]) -> None:
    """When no heading says 问题 and none is followed by enumerated measures, the findings are the
    headings of the deepest marker style, in the parts that report rectification, that have text of
    their own (a paragraph under them or run on after their title): the level that carries the
    measures. Styles nest in the order a report first uses them ((一) > 1. > (1))."""
    parts = [i for i, k in enumerate(kinds) if k == "part" and not FORWARD_PART.search(lines[i].text)]
    reporting = _reporting_parts(lines, parts)
    order: list[re.Pattern[str]] = []
    candidates: list[tuple[int, re.Pattern[str]]] = []
    inside = not parts
    for i, line in enumerate(lines):
        if kinds[i] == "part":
            inside = i in reporting
            continue
        m, style = next(((m, p) for p in (CATEGORY, NUMBERED, BRACKETED) if (m := p.match(line.text))), (None, None))
        if m is None or style is None or not inside or i in measure_lines or kinds[i] == "closing":
            continue
        if style not in order:
            order.append(style)
        if _carries_text(lines, kinds, i, m.group(2)):
            candidates.append((i, style))
    if candidates:
        deepest = max((style for _, style in candidates), key=order.index)
        for i, style in candidates:
            if style is deepest:
                kinds[i] = "finding"


def _carries_text(lines: list[Line], kinds: list[str], i: int, rest: str) -> bool:
    """A heading-shaped line with text of its own: run on after its title, or a paragraph below."""
    heading = problem_title(rest) or _fix_heading(rest) or ((rest, len(rest)) if _group_shape(rest) else None)
    if heading is None:
        return False
    if rest[heading[1] + 1 :].strip():
        return True
    following = lines[i + 1].text if i + 1 < len(lines) else ""
    headed = any(p.match(following) for p in (PART, CATEGORY, NUMBERED, BRACKETED, LABELLED))
    return bool(following) and kinds[i + 1] == "text" and not headed


def _resolve_numbered(lines: list[Line], kinds: list[str]) -> None:
    """Decide levels by what follows: a numbered problem line is a group when bracketed findings
    follow it, and a (一) problem line is a finding when no finding follows before the next
    category — reports that number findings (一)(二) directly under their parts."""
    after = _next_kinds(kinds, {"text", "closing", "numbered?"})
    for i, kind in enumerate(kinds):
        if kind == "numbered?":
            kinds[i] = "group" if after[i] == "finding" else "text"
    after = _next_kinds(kinds, {"text", "closing"})
    for i, kind in enumerate(kinds):
        if kind == "numbered":
            kinds[i] = "group" if after[i] == "finding" else "finding"
        elif kind == "category?":
            kinds[i] = "category" if after[i] in ("finding", "numbered", "numbered-finding") else "finding"
    for i, kind in enumerate(kinds):
        if kind == "numbered-finding":
            kinds[i] = "finding"


def _next_kinds(kinds: list[str], skip: set[str]) -> list[str | None]:
    """For each line, the kind of the next line after it that is not skipped: one backward pass,
    so a report of many lines costs no more than one of few."""
    after: list[str | None] = [None] * len(kinds)
    upcoming: str | None = None
    for i in range(len(kinds) - 1, -1, -1):
        after[i] = upcoming
        if kinds[i] not in skip:
            upcoming = kinds[i]
    return after
