"""Report → parts → categories → groups → findings → measures, read from the headings.

Layouts differ (a finding may be "(7)关于…问题。" run into its paragraph, "1.关于…问题" or
"问题1:…" on its own line followed by "整改情况:", or "(一)…" directly in a part that is itself a
problem category), so a heading's level is decided by what follows it, not by its bracket style
alone: a "1." line is a *group* only when findings "(n)" follow it, and numbered lines under a
bare "整改情况:" are measures. Printed numbers are kept as printed and the order of appearance
separately; nothing is renumbered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from loaders.headings import clause_end, first_clause, fix_title, problem_title
from loaders.model import Finding, Heading, Measure, Report, Span

CN_NUM = "一二三四五六七八九十"
PART = re.compile(rf"^([{CN_NUM}]+)、\s*(.+)$")
CATEGORY = re.compile(rf"^\(([{CN_NUM}]+)\)\s*(.+)$")
NUMBERED = re.compile(r"^(\d+)[.、](?!\d)\s*(.+)$")
BRACKETED = re.compile(r"^\((\d+)\)\s*(.+)$")
# "问题1:…" names itself a finding, whatever its title says.
LABELLED = re.compile(rf"^问题\s*(\d+|[{CN_NUM}]+)\s*[:.、](.+)$")
STATUS_LINE = re.compile(
    r"^(?:整改(?:完成|落实|进展)?(?:情况|措施|举措|进展)|具体整改措施|主要整改措施|整改落实措施)[:]\s*"
)
# The same label ending a heading's line (1.关于…问题。整改情况:): the items below are measures.
STATUS_AT_END = re.compile(r"[。.](?:整改(?:完成|落实|进展)?(?:情况|措施|举措)|具体整改措施|主要整改措施)[:]\s*$")
# 整改成效: states what the measures achieved; it ends the measures and is none of them.
RESULT_LINE = re.compile(r"\n(?:整改成效|取得成效|工作成效)[:]")
# The sentence after 问题N:title。 that restates the inspectors' finding describes the problem.
DESCRIPTION = re.compile(r"(?:巡察|巡视|反馈|检查)(?:组)?(?:指出|发现|反馈)")
# Kinds that are or may become findings once levels are resolved.
PROBLEM_KINDS = {"finding", "numbered", "numbered-finding", "category?"}
# The first item of an enumeration of measures, at the start of a clause.
FIRST_ITEM = re.compile(r"(?:^|(?<=[。;:,]))(?:一是|①|1[.、](?!\d)|\(1\))")
# Part headings that report on the findings themselves (二、巡察反馈问题整改落实情况).
RECTIFICATION_PART = re.compile(r"问题|反馈|意见")
# Labelled lines that state a finding's progress, deadline or owner rather than its measures
# (整改进展:已完成整改。); when a 整改措施: line follows, the measures start there.
PROGRESS_LINE = re.compile(
    r"^(?:整改进展(?:情况)?|进展情况|完成情况|整改时限|完成时限|责任领导|责任单位|责任部门)[:][^\n]*\n"
)
FIRST_MEASURE = re.compile(r"^(?:一是|①)")
# Parts that look ahead (三、下一步工作打算) hold plans, not findings, whatever their items say.
FORWARD_PART = re.compile(r"下一步|打算|努力方向|今后|工作安排|工作计划")
# Closing matter after the last finding: invitations to comment, contact details.
CLOSING = re.compile(r"^(?:欢迎|诚恳欢迎|如有意见|联系电话|电子邮箱|通讯地址|通信地址|邮政编码)")
IN_PROGRESS = re.compile(
    r"(正在推进|正在整改|需长期推进|需长期坚持|持续推进中|尚未完成|未完成整改|阶段性成效|正按计划|分年度|逐步推进)"
)

CN_DIGITS = {c: i + 1 for i, c in enumerate(CN_NUM)}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


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


def _finding_title(rest: str, *, loose: bool = False) -> str | None:
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


def _title_end(rest: str) -> int:
    """Where a problem heading's title clause ends, its 的整改 included: what follows is its body."""
    found = problem_title(rest)
    return found[1] if found else 0


def classify(lines: list[Line]) -> list[str]:
    """Each line's role in the outline: part, category, group, finding, closing, or text."""
    kinds = [_classify(line) for line in lines]
    _forward_parts(lines, kinds)
    measure_lines = _measures_under_status(lines, kinds)
    _findings_proved_by_status(lines, kinds)
    _findings_named_by_their_fix(lines, kinds, measure_lines)
    _findings_in_sequence(lines, kinds, measure_lines)
    _only_in_rectification_parts(lines, kinds)
    if not PROBLEM_KINDS.intersection(kinds):
        _findings_by_outline(lines, kinds, measure_lines)
    _resolve_numbered(lines, kinds)
    return kinds


def parse_structure(report: Report, source: str) -> None:
    """Parts, categories, groups, findings and measures; none found is not an error here (a report
    read in part keeps what was read: see loaders.outline.require_report)."""
    lines = lines_of(report.text)
    kinds = classify(lines)
    _build(report, lines, kinds)
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


def _classify(line: Line) -> str:
    t = line.text
    if CLOSING.match(t):
        return "closing"
    if PART.match(t) and len(t) < 120:
        return "part"
    m = CATEGORY.match(t)
    if m:
        return "category?" if _finding_title(m.group(2)) else "category"
    m = BRACKETED.match(t)
    if m and _finding_title(m.group(2)):
        return "finding"
    if LABELLED.match(t):
        return "finding"
    m = NUMBERED.match(t)
    if m and _finding_title(m.group(2)):
        # A heading alone on its line may be a group; one run into its paragraph is a finding.
        return "numbered-finding" if m.group(2)[_title_end(m.group(2)) :].strip("。.;: ") else "numbered"
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


def _findings_proved_by_status(lines: list[Line], kinds: list[str]) -> None:
    """A numbered line followed by (or running into) 整改情况:, or alone on its line before a first
    measure (一是…, ①…), is a finding whatever its wording."""
    for i, line in enumerate(lines):
        if kinds[i] not in ("text", "numbered?") or not (NUMBERED.match(line.text) or BRACKETED.match(line.text)):
            continue
        following = lines[i + 1].text if i + 1 < len(lines) else ""
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
    which, every part may hold them."""
    parts = [i for i, k in enumerate(kinds) if k == "part"]
    reporting = {i for i in parts if RECTIFICATION_PART.search(lines[i].text)}
    part = -1
    for i, kind in enumerate(kinds):
        if kind == "part":
            part = i
        elif kind == "finding~":
            kinds[i] = "finding" if not reporting or part in reporting else "text"


def _findings_by_outline(lines: list[Line], kinds: list[str], measure_lines: set[int]) -> None:
    """When no heading says 问题 and none is followed by enumerated measures, the findings are the
    headings of the deepest marker style, in the parts that report rectification, that have text of
    their own (a paragraph under them or run on after their title): the level that carries the
    measures. Styles nest in the order a report first uses them ((一) > 1. > (1))."""
    parts = [i for i, k in enumerate(kinds) if k == "part" and not FORWARD_PART.search(lines[i].text)]
    reporting = {i for i in parts if RECTIFICATION_PART.search(lines[i].text)} or set(parts)
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
    for i, kind in enumerate(kinds):
        if kind == "numbered?":
            nxt = next((k for k in kinds[i + 1 :] if k not in ("text", "closing", "numbered?")), None)
            kinds[i] = "group" if nxt == "finding" else "text"
    for i, kind in enumerate(kinds):
        nxt = next((k for k in kinds[i + 1 :] if k not in ("text", "closing")), None)
        if kind == "numbered":
            kinds[i] = "group" if nxt == "finding" else "finding"
        elif kind == "category?":
            kinds[i] = "category" if nxt in ("finding", "numbered", "numbered-finding") else "finding"
    for i, kind in enumerate(kinds):
        if kind == "numbered-finding":
            kinds[i] = "finding"


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
    )
    title = _finding_title(m.group(2), loose=True) or ""
    title_start = line.start + m.start(2)
    body_start = title_start + max(len(title), _title_end(m.group(2)))
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
    _read_measures(report, finding)
    if IN_PROGRESS.search(text[finding.body.start : finding.body.end]):
        finding.status = "in-progress"
    report.findings.append(finding)
    return None


def _description(text: str, start: int, end: int) -> int | None:
    """End of a first sentence that restates the problem (巡察指出,…。): the finding's lead, never a
    measure, whether measures follow it or not."""
    if not DESCRIPTION.match(text, start, end):
        return None
    stop = clause_end(text, start, ends="。", stop=end)
    return stop + 1 if stop < end else None


def _skip_punct(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in "。.;:, \n":
        pos += 1
    return pos


def _read_measures(report: Report, finding: Finding) -> None:
    text = report.text
    start = _skip_punct(text, finding.body.start, finding.body.end)
    described = _description(text, start, finding.body.end)
    if described:
        finding.lead = Span(start, described)
        start = _skip_punct(text, described, finding.body.end)
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
    lead_end = markers[0][0]
    while lead_end > start and text[lead_end - 1] in "\n ":
        lead_end -= 1
    if lead_end > start and not described:
        finding.lead = Span(start, lead_end)
    for i, (pos, marker) in enumerate(markers):
        end = markers[i + 1][0] if i + 1 < len(markers) else finding.body.end
        body_start = pos + len(marker)
        while end > body_start and text[end - 1] in "\n ;":
            end -= 1
        finding.measures.append(Measure(i + 1, marker, text[pos:end], Span(pos, end)))


def _markers(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """Sequential enumeration markers: 一是, 二是 … or (1) (2) … or ① ② … — each must follow the last."""
    for family, least in ((_cn_marker, 1), (_bracket_marker, 2), (_circled_marker, 2), (_line_marker, 2)):
        found = _sequence(text, start, end, family)
        if len(found) >= least:
            yield from found
            return


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
    while at > 0 and text[at - 1] not in "。;:,\n ":
        at = text.find(marker, at + 1, end)
    return (at, marker) if at != -1 else None


def _bracket_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    pattern = re.compile(rf"(?:^|(?<=[\n。;:]))\({n}\)", re.M)
    m = pattern.search(text, pos, end)
    return (m.start(), m.group(0)) if m else None


def _line_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    """Measures numbered "1." or "1、", one per line or after a ;/。 in one paragraph (the first
    may run into its 整改情况: label)."""
    m = re.compile(rf"(?:^|(?<=[\n:;。])){n}[.、](?!\d)", re.M).search(text, pos, end)
    return (m.start(), m.group(0)) if m else None


def _circled_marker(text: str, pos: int, end: int, n: int) -> tuple[int, str] | None:
    if n > len(CIRCLED):
        return None
    at = text.find(CIRCLED[n - 1], pos, end)
    return (at, CIRCLED[n - 1]) if at != -1 else None
