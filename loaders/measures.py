"""A finding's measures: 一是/二是…, (1)(2)…, ①②… or 1. 2. items, else its whole text.

A sentence before the first marker is the finding's lead; a first sentence restating the
inspectors' finding (巡察指出…) is the lead whether or not measures are enumerated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from loaders.headings import clause_end
from loaders.markers import CIRCLED, DESCRIPTION, PROBLEM_LABEL, PROGRESS_LINE, STATUS_LINE, cn_number
from loaders.model import Finding, Measure, Report, Span


def _description(text: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of a first sentence that restates the problem (巡察指出,…。, after a label such
    as 【问题表现】 that is not part of it): the finding's lead, never a measure, whether measures
    follow it or not."""
    if labelled := PROBLEM_LABEL.match(text, start, end):
        start = labelled.end()
    if not DESCRIPTION.match(text, start, end):
        return None
    stop = clause_end(text, start, ends="。", stop=end)
    return (start, stop + 1) if stop < end else None


def _skip_punct(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in "。.;:, \n":
        pos += 1
    return pos


def read_measures(report: Report, finding: Finding) -> None:
    text = report.text
    start = _skip_punct(text, finding.body.start, finding.body.end)
    described = _description(text, start, finding.body.end)
    if described:
        finding.lead = Span(*described)
        start = _skip_punct(text, described[1], finding.body.end)
    while (progress := PROGRESS_LINE.match(text[start : finding.body.end])) and STATUS_LINE.match(
        text[start + progress.end() : finding.body.end]
    ):
        start += progress.end()
    status = STATUS_LINE.match(text[start : finding.body.end])
    if status:
        start = _skip_punct(text, start + status.end(), finding.body.end)
    markers = list(_markers(text, start, finding.body.end))
    if not markers:
        if start < finding.body.end:
            finding.measures.append(Measure(1, "", text[start : finding.body.end], Span(start, finding.body.end)))
        return
    lead_end = _lead_end(text, start, markers[0][0])
    if lead_end > start and not described:
        finding.lead = Span(start, lead_end)
    for i, (pos, marker) in enumerate(markers):
        end = markers[i + 1][0] if i + 1 < len(markers) else finding.body.end
        body_start = pos + len(marker)
        while end > body_start and text[end - 1] in "\n ;":
            end -= 1
        finding.measures.append(Measure(i + 1, marker, text[pos:end], Span(pos, end)))


def _lead_end(text: str, start: int, first_marker: int) -> int:
    """Where the lead before the first measure ends: trailing blanks, and a label on a line of its
    own between the lead and the measures (该问题正在整改。 then 整改情况: then 1.…), are not part of
    the lead sentence."""
    end = first_marker
    while end > start and text[end - 1] in "\n ":
        end -= 1
    line_start = text.rfind("\n", start, end) + 1
    line = text[line_start:end]
    label = STATUS_LINE.match(line) if line_start > start else None
    if label and label.end() == len(line):
        end = line_start
        while end > start and text[end - 1] in "\n ":
            end -= 1
    return end


def _markers(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """Sequential enumeration markers: 一是, 二是 … or (1) (2) … or ① ② … or 1. 2. — each must follow
    the last. Of the enumerations found, the outermost: the one that starts first, since a measure
    may list its own items (2.创新普法形式。主要做法:(1)…;(2)…) and they are not measures."""
    found = [sequence for family, least in _FAMILIES if len(sequence := _sequence(text, start, end, family)) >= least]
    if found:
        yield from min(found, key=lambda sequence: sequence[0][0])


def _sequence(text: str, start: int, end: int, family) -> list[tuple[int, str]]:
    found, pos, n = [], start, 1
    while True:
        hit = family(text, pos, end, n)
        if hit is None:
            break
        found.append(hit)
        pos, n = hit[0] + len(hit[1]), n + 1
    return found


def _cn_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    marker = cn_number(n) + "是"
    at = text.find(marker, pos, end)
    # A marker starts a clause; "统一是…" inside a sentence is not one.
    while at > 0 and text[at - 1] not in "。;:,\n 】":
        at = text.find(marker, at + 1, end)
    return (at, marker) if at != -1 else None


def _bracket_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    # (1) or its half-width shorthand 1), at the start of a clause.
    pattern = re.compile(rf"(?:^|(?<=[\n。;:,】]))\(?{n}\)", re.M)
    m = pattern.search(text, pos, end)
    return (m.start(), m.group(0)) if m else None


def _line_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    """Measures numbered "1." or "1、", one per line or after a ;/。/, in one paragraph (the first
    may run into its 整改情况: label or follow a lead clause: 该问题正在整改,1.…)."""
    m = re.compile(rf"(?:^|(?<=[\n:;。,】])){n}[.、](?!\d)", re.M).search(text, pos, end)
    return (m.start(), m.group(0)) if m else None


def _circled_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    if n > len(CIRCLED):
        return None
    at = text.find(CIRCLED[n - 1], pos, end)
    return (at, CIRCLED[n - 1]) if at != -1 else None


# Each family of markers with the fewest items that make an enumeration (a lone 一是 does).
_FAMILIES = ((_cn_marker, 1), (_bracket_marker, 2), (_circled_marker, 2), (_line_marker, 2))
