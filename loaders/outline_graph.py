"""The outline as read (loaders.outline), placed in the report's graph so pages can show it.

`rectkg outline FILE` reads the heading tree from the source; the web app's report page must show
the same tree without re-reading source files. Parts, categories, groups and findings are nodes
already, so each only gains its place in the tree (level, position, printed marker). Only the
numbered headings that are none of these (plans, paragraphs on how the work was organised, items
inside a finding's text) become small rk:OutlineHeading nodes, with the reason they are not
findings; lines that nearly matched a heading are kept on the report as rk:nearHeading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from loaders.levels import classified
from loaders.model import Heading, Report
from loaders.outline import MARKER, Node, read_outline

log = logging.getLogger(__name__)

# Why a numbered line is not a finding (loaders.outline._why and _unfounded), by the start of the
# reason it prints → the rk:OutlineReason individual that names it in both languages.
REASONS: tuple[tuple[str, str], ...] = (
    ("a plan", "planAhead"),
    ("inside a finding's text", "insideFinding"),
    ("its part holds no findings", "workOrganisation"),
    ("holds no finding", "holdsNoFinding"),
    ("no problem statement or measures follow", "noMeasures"),
    ("the text is cut short", "cutShort"),
)
CLOSING = "closingPart"  # the outline's role "closing": a closing paragraph, no reason printed
FALLBACK_REASON = "noMeasures"
# Outline roles (loaders.outline) → the kinds of structural node a heading line may be.
KINDS: dict[str, tuple[str, ...]] = {
    "part": ("part",),
    "part, read as a category": ("part", "category"),
    "category": ("category",),
    "group": ("group",),
    "finding": ("finding",),
}


@dataclass(frozen=True)
class Entry:
    """One heading of the outline: the structural nodes it is (kind, order), or, when it is none,
    its title and reason; its level, position (1-based, document order) and marker as printed."""

    position: int
    level: int
    marker: str
    nodes: tuple[tuple[str, int], ...]
    title: str = ""
    reason: str = ""


def reason_of(why: str) -> str:
    """The rk:OutlineReason local name for a reason as loaders.outline prints it."""
    for start, name in REASONS:
        if why.startswith(start):
            return name
    log.warning("outline reason not named in the ontology, kept as %s: %r", FALLBACK_REASON, why)
    return FALLBACK_REASON


def outline_entries(report: Report) -> tuple[list[Entry], list[str]]:
    """Every heading of the report's outline in document order, as the graph will hold it, and
    the lines that nearly matched a heading (as `rectkg outline` lists them)."""
    outline = read_outline(report)
    lines, _kinds = classified(report.text)
    kinds = {
        "part": report.parts,
        "category": report.categories,
        "group": report.groups,
        "finding": report.findings,
    }
    entries = []
    for position, node in enumerate(outline.walk(), start=1):
        line = lines[node.line - 1]
        marker = node.printed or MARKER[node.style].format(node.number)
        found = tuple((kind, _order_on(kinds[kind], line.start, line.end)) for kind in KINDS.get(node.role, ()))
        if found and all(order is not None for _, order in found):
            entries.append(Entry(position, node.level, marker, found))  # type: ignore[arg-type]
        else:
            entries.append(_heading(node, position, marker))
    return entries, [text for _, text in outline.near]


def _heading(node: Node, position: int, marker: str) -> Entry:
    if node.role in KINDS:  # a structural role with no node on its line: say so, keep the heading
        log.warning("outline heading %r read as %s has no node in the graph", node.label[:24], node.role)
    reason = CLOSING if node.role == "closing" else reason_of(node.why)
    return Entry(position, node.level, marker, (), node.title, reason)


def _order_on(items: list[Heading], start: int, end: int) -> int | None:
    """The order of the heading (or finding) whose span starts on the line [start, end)."""
    return next((item.order for item in items if start <= item.span.start < end), None)
