"""Which organisations share responsibility for a finding, worked out once per report at ingest.

"Which departments share findings" is a self-join of involvements over findings; on a thousand
reports the join costs seconds. The loader already knows, for each finding, which organisations
lead or partner on its measures, so it writes them down on the finding (rk:sharedBy, when two or
more do), inside the report's own named graph: the fact lives and dies with the graph it was
derived from, and the corpus-wide pair aggregate (graph/aggregates.py) pairs them up.

The rule is the one queries/live/shared-responsibility.rq applies on the fly: both sides lead or
partner on some measure of the finding; generic bodies (有关部门) and internal units of the
issuing body never count; a pair is ordered by the organisations' IRIs, as STR(?a) < STR(?b).
"""

from __future__ import annotations

from loaders.model import Finding, Report
from ontology import iris

SHARING_ROLES = frozenset({"lead", "partner"})


def sharing_organisations(report: Report, finding: Finding) -> list[str]:
    """Canonical keys of the organisations that lead or partner on the finding, in IRI order."""
    keys = {
        inv.org
        for m in finding.measures
        for inv in m.involvements
        if inv.role in SHARING_ROLES and not _excluded(report, inv.org)
    }
    return sorted(keys, key=iris.organisation)


def _excluded(report: Report, key: str) -> bool:
    """Generic and internal bodies never share; nor does a body this report gives no label."""
    org = report.orgs.get(key)
    return org is None or org.generic or org.internal
