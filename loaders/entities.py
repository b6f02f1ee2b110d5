"""Organisations and their roles in each measure.

By the annotation guide the issuing body leads every measure; other organisations are found in
the measure text and given the role their cue words say.
"""

from __future__ import annotations

from loaders.model import Involvement, Organisation, Report, Span


def issuer_canonical(report: Report) -> str | None:
    """The bureau behind the issuing Party group: 中共上海市青浦区民政局党组 → 青浦区民政局."""
    if not report.bureau:
        return None
    place = (report.place or "").removeprefix(report.parent_place or "")
    return f"{place}{report.bureau}"


def read_entities(report: Report) -> None:
    canonical = issuer_canonical(report)
    if canonical is None:
        return
    org = report.orgs.setdefault(canonical, Organisation(canonical, "government-department", report.place))
    if report.issuer_name:
        org.aliases.add(report.issuer_name)
    report.issuer = canonical
    span = report.title_span or Span(0, 0)
    for measure in report.measures:
        measure.involvements.append(
            Involvement(canonical, "lead", report.issuer_name or canonical, "issuing body", span)
        )
