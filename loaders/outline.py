"""The outline as read: every numbered heading, its level by marker style and nesting, its role.

`rectkg outline FILE` prints it, and a report whose findings cannot be read is kept with a
warning that names the headings seen: both let a reader see why a layout was (not) understood
without reading the loader. Levels come from the markers alone (一、 > (一) > 1. > (1) > ①, in the
order a report nests them, 问题N: wherever it stands); roles come from loaders.levels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.errors import StructureError
from loaders.levels import classified
from loaders.markers import BRACKETED, CATEGORY, CIRCLED_HEADING, FORWARD_PART, LABELLED, NUMBERED, PART
from loaders.model import Report

# Marker styles, each with how its marker is printed.
STYLES: list[tuple[str, re.Pattern[str], str]] = [
    ("一、", PART, "{}、"),
    ("(一)", CATEGORY, "({})"),
    ("问题N:", LABELLED, "问题{}:"),
    ("1.", NUMBERED, "{}."),
    ("(1)", BRACKETED, "({})"),
    ("①", CIRCLED_HEADING, "{}"),
]
MARKER = {style: template for style, _, template in STYLES}
# Lines that start almost like a heading but not quite (一,…, 1 关于…, (1…, 第一、…): shown, never read.
NEAR = re.compile(r"^(?:[一二三四五六七八九十]+[,:]|\d+\s+[^\d\s]|\(\d+[^)\d]|第[一二三四五六七八九十]+[、.])")
# Words that make a text a rectification report, when no title says so.
VOCABULARY = re.compile(r"整改|巡察|巡视")
ROLES = {"part": "part", "category": "category", "group": "group", "finding": "finding", "closing": "closing"}
SHOWN = 12  # headings named in a warning


@dataclass
class Node:
    line: int  # 1-based line of the normalised text
    style: str
    number: str
    title: str
    level: int = 0
    role: str = "not-a-finding"
    why: str = ""
    measures: int = 0
    children: list[Node] = field(default_factory=list)
    printed: str = ""  # the marker as printed (1) for the style (1), when it differs

    @property
    def label(self) -> str:
        """The heading as printed, shortened: (1)关于…, 1)关于…"""
        return (self.printed or MARKER[self.style].format(self.number)) + self.title

    @property
    def inside(self) -> bool:
        """A numbered line within a finding's text (one of its measures): a leaf under the finding."""
        return self.why.startswith("inside")


@dataclass
class Outline:
    roots: list[Node]
    near: list[tuple[int, str]]  # (line, text) of lines that nearly matched a heading

    def walk(self) -> list[Node]:
        out: list[Node] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


def heading_of(text: str) -> tuple[str, str, str] | None:
    """(style, number, rest) of a heading line, None for any other line."""
    for style, pattern, _ in STYLES:
        if m := pattern.match(text):
            return style, m.group(1), m.group(2)
    return None


def read_outline(report: Report) -> Outline:
    """The heading tree of a report already read (its findings give the measure counts)."""
    lines, kinds = classified(report.text)
    measures = {f.span.start: len(f.measures) for f in report.findings}
    categories = {c.span.start for c in report.categories}
    nodes, near, ahead = [], [], False
    for index, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        found = heading_of(line.text)
        if found is None:
            if NEAR.match(line.text):
                near.append((index + 1, line.text[:60]))
            continue
        style, number, rest = found
        ahead = bool(FORWARD_PART.search(line.text)) if style == "一、" else ahead
        node = Node(index + 1, style, number, rest[:60], printed=_printed(line.text, style, number, rest))
        node.role = ROLES.get(kind, "not-a-finding")
        if kind == "part" and line.start in categories:
            node.role = "part, read as a category"
        node.why = _why(kind, style, ahead, report, line.start)
        counted = [n for start, n in measures.items() if line.start <= start < line.end]
        if kind == "finding" and not counted:  # dropped by loaders.truncation
            node.role, node.why = "not-a-finding", "the text is cut short inside it"
        node.measures = next(iter(counted), 0)
        nodes.append(node)
    roots = _nest(nodes)
    for root in roots:
        _unfounded(root)
    return Outline(roots, near)


def _printed(text: str, style: str, number: str, rest: str) -> str:
    """The marker as the line prints it, where it is not the style's usual form (1) for (1))."""
    marker = text[: len(text) - len(rest)].rstrip()
    return "" if marker == MARKER[style].format(number) else marker


def _unfounded(part: Node) -> None:
    """Categories and groups of a part that holds no finding are only numbered paragraphs."""
    below = Outline(part.children, []).walk()
    if any(n.role == "finding" for n in below):
        return
    for node in below:
        if node.role in ("category", "group"):
            node.role, node.why = "not-a-finding", "its part holds no findings: how the work was organised"


def _why(kind: str, style: str, ahead: bool, report: Report, start: int) -> str:
    """Why a numbered line is not a finding, in the words of the annotation guide."""
    if kind in ROLES:
        return ""
    if ahead:
        return "a plan: its part looks ahead (下一步, 打算)"
    inside = any(f.body.start <= start < f.body.end for f in report.findings)
    if inside:
        return "inside a finding's text: one of its measures or their items"
    if style in ("一、", "(一)"):
        return "holds no finding"
    return "no problem statement or measures follow it, or its part is about how the work was organised"


def _nest(nodes: list[Node]) -> list[Node]:
    """Levels by marker style in order of first nesting: a style seen on the stack closes the
    levels below it; a new style opens one deeper. A numbered line inside a finding's text is a
    leaf under that finding, whatever its style ((1)…;(2)… measures under a finding 3))."""
    roots: list[Node] = []
    stack: list[Node] = []
    for node in nodes:
        holder = next((n for n in reversed(stack) if n.role == "finding"), None) if node.inside else None
        if holder is not None:
            node.level = holder.level + 1
            holder.children.append(node)
            continue
        while stack and node.style in {n.style for n in stack} and stack[-1].style != node.style:
            stack.pop()
        if stack and stack[-1].style == node.style:
            stack.pop()
        node.level = len(stack) + 1
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def render(outline: Outline) -> list[str]:
    """One line per heading, indented by level: marker, title, role (and why), measure count."""
    out = []
    for node in outline.walk():
        role = node.role + (f" ({node.why})" if node.why else "")
        count = f", {node.measures} measure{'' if node.measures == 1 else 's'}" if node.role == "finding" else ""
        out.append(f"{'  ' * (node.level - 1)}L{node.level} {node.label} — {role}{count}")
    if outline.near:
        out.append("lines that nearly matched a heading:")
        out += [f"  line {n}: {text}" for n, text in outline.near]
    return out


def require_report(report: Report, source: str) -> None:
    """A text without findings is still a report when it has a title or speaks of rectification:
    it is kept with a warning naming the headings seen. Any other text is refused."""
    if report.findings:
        return
    if not report.title and not VOCABULARY.search(report.text):
        raise StructureError(
            source,
            "no findings found and not a rectification report; expected a title like "
            "'…关于…整改进展情况的通报' and headings like '(1)关于…问题' or '1.关于…问题的整改'",
        )
    seen = [node.label[:24] for node in read_outline(report).walk()][:SHOWN]
    report.warnings.append(
        "no findings could be read; title, dates, claims and documents were kept. Headings seen: "
        + ("; ".join(seen) if seen else "none")
    )
