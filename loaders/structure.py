"""Report → parts → categories → groups → findings → measures, read from the headings.

Each line's role comes from loaders.levels and each finding's measures from loaders.measures;
this module builds the report's tree from them.

Layouts differ (a finding may be "(7)关于…问题。" run into its paragraph, "1.关于…问题" or
"问题1:…" on its own line followed by "整改情况:", or "(一)…" directly in a part that is itself a
problem category), so a heading's level is decided by what follows it, not by its bracket style
alone: a "1." line is a *group* only when findings "(n)" follow it, and numbered lines under a
bare "整改情况:" are measures. Printed numbers are kept as printed and the order of appearance
separately; nothing is renumbered.
"""

from __future__ import annotations

from loaders.levels import classified, finding_title, title_end
from loaders.markers import (
    BRACKETED,
    CATEGORY,
    CIRCLED_HEADING,
    IN_PROGRESS,
    LABEL_IN_PROGRESS,
    LABELLED,
    NUMBERED,
    PART,
    PROGRESS_LABEL,
    RESULT_LINE,
    Line,
)
from loaders.markers import CIRCLED as CIRCLED  # read from here by other modules
from loaders.markers import cn_number as cn_number
from loaders.measures import read_measures
from loaders.model import Finding, Heading, Report, Span


def parse_structure(report: Report, source: str) -> None:
    """Parts, categories, groups, findings and measures; none found is not an error here (a report
    read in part keeps what was read: see loaders.outline.require_report)."""
    lines, kinds = classified(report.text)
    _build(report, list(lines), list(kinds))
    _parts_as_categories(report)
    _assign_refs(report)


def _assign_refs(report: Report) -> None:
    """Printed numbers restart in each category in some layouts (1. 2. … under every (一)): there
    a finding is referred to as (二)4, elsewhere by its number alone."""
    numbers = [f.number for f in report.findings]
    restart = len(set(numbers)) < len(numbers)
    for f in report.findings:
        category = report.categories[f.category - 1].number if restart and f.category else ""
        f.ref = f"({category}){f.number}" if category else f.number


def _parts_as_categories(report: Report) -> None:
    """Reports without a part for the work done (一、关于…问题的整改情况, 二、关于…) print each
    problem category as a part that holds its findings directly: where two or more parts do so
    and no category heading is printed, those parts are the categories."""
    if not report.parts or any(f.category is not None for f in report.findings):
        return
    ends = [p.span.start for p in report.parts[1:]] + [len(report.text)]
    holding = [
        (part, found)
        for part, end in zip(report.parts, ends, strict=True)
        if (found := [f for f in report.findings if part.span.end <= f.span.start < end])
    ]
    if len(holding) < 2:
        return
    for part, found in holding:
        report.categories.append(Heading(part.number, _strip_end(part.title), len(report.categories) + 1, part.span))
        for f in found:
            f.category = len(report.categories)


def _build(report: Report, lines: list[Line], kinds: list[str]) -> None:
    part_has_findings = _parts_with_findings(kinds)
    part_idx, category, group = -1, None, None
    current: Finding | None = None
    for line, kind in zip(lines, kinds, strict=True):
        if kind == "part":
            part_idx += 1
            current = _close(report, current, line.start)
            category = group = None
            m = PART.match(line.text)
            report.parts.append(Heading(m.group(1), m.group(2), part_idx + 1, Span(line.start, line.end)))
        elif kind == "category" and part_has_findings.get(part_idx, False):
            current = _close(report, current, line.start)
            m = CATEGORY.match(line.text)
            category = len(report.categories) + 1
            group = None
            report.categories.append(Heading(m.group(1), _strip_end(m.group(2)), category, _span(line)))
        elif kind == "group":
            current = _close(report, current, line.start)
            m = NUMBERED.match(line.text)
            group = len(report.groups) + 1
            report.groups.append(Heading(m.group(1), _strip_end(m.group(2)), group, _span(line)))
            report.group_category[group] = category
        elif kind == "finding":
            current = _close(report, current, line.start)
            # A finding numbered like its group (1.…问题 after 1.…holding (1)(2)) is the group's sibling.
            if group is not None and _style(line.text) == _style(report.quote(report.groups[group - 1].span)):
                group = None
            current = _open_finding(report, line, category, group)
        elif current is not None and kind in ("category", "part", "closing"):
            current = _close(report, current, line.start)
    _close(report, current, lines[-1].end if lines else 0)


def _parts_with_findings(kinds: list[str]) -> dict[int, bool]:
    result, idx = {}, -1
    for kind in kinds:
        if kind == "part":
            idx += 1
        elif kind in ("finding", "numbered", "numbered-finding", "category?"):
            result[idx] = True
    return result


def _style(text: str) -> str:
    """The marker style a heading line starts with: 1. and (1) are different levels."""
    return next((name for name, p in (("(n)", BRACKETED), ("n.", NUMBERED)) if p.match(text)), "")


def _strip_end(text: str) -> str:
    return text.rstrip("。.;: ")


def _span(line: Line) -> Span:
    return Span(line.start, line.end)


def _open_finding(report: Report, line: Line, category: int | None, group: int | None) -> Finding:
    m = (
        BRACKETED.match(line.text)
        or LABELLED.match(line.text)
        or NUMBERED.match(line.text)
        or CATEGORY.match(line.text)
        or CIRCLED_HEADING.match(line.text)
    )
    title = finding_title(m.group(2), loose=True) or ""
    title_start = line.start + m.start(2)
    body_start = title_start + max(len(title), title_end(m.group(2)))
    return Finding(
        order=len(report.findings) + 1,
        number=m.group(1),
        title=title,
        span=Span(title_start, title_start + len(title)),
        body=Span(body_start, body_start),
        category=category,
        group=group,
    )


def _close(report: Report, finding: Finding | None, end: int) -> None:
    if finding is None:
        return None
    text = report.text
    # Trailing headings of non-finding parts end the body; so does the closing boilerplate.
    body_end = end
    if result := RESULT_LINE.search(text, finding.body.start, body_end):
        body_end = result.start()
    while body_end > finding.body.start and text[body_end - 1] in "\n ":
        body_end -= 1
    finding.body = Span(finding.body.start, body_end)
    read_measures(report, finding)
    if _in_progress(text[finding.body.start : finding.body.end]):
        finding.status = "in-progress"
    report.findings.append(finding)
    return None


def _in_progress(body: str) -> bool:
    """The finding's own progress label decides (整改进展:长期坚持 is upkeep of work done, 持续推进 is
    work going on); without one, words in its text that say the work goes on."""
    if label := PROGRESS_LABEL.search(body):
        return bool(LABEL_IN_PROGRESS.search(label.group(1)))
    return bool(IN_PROGRESS.search(body))
