"""Which release kept a report's counts node: what lets a saved query read its newer facts.

A release may keep more on each rk:ReportCounts node than the one before (the report's own fields
beside its counts, graph/report_counts.py, read by queries/compare-reports.rq). A store an earlier
rectkg filled has nodes without them, and the saved query reading them there would leave those
reports out. So each node states `rk:keptFormat`, the format of the write that kept it, and the
saved query reads the nodes only where every one states at least the format it needs
(queries/catalog.py); elsewhere it asks the documents. Ingesting each report again brings its node
up to date, as `rectkg rebuild` does for all of them at once, on every backend. (A presence test of
the new facts would not do: a report without a title has none of them in any format.)
"""

from __future__ import annotations

from graph import per_document
from graph.interface import XSD_INTEGER, Store, Term
from ontology import iris
from ontology.iris import RK

# 1: the report's fields beside its counts (2026-12).
FORMAT = 1
PREDICATE = str(RK.keptFormat)
STAMP = Term("literal", str(FORMAT), XSD_INTEGER)
# A node of the class that states no format, or an older one.
_UNSTAMPED = """SELECT ?n WHERE {{ GRAPH {aggregate} {{ ?n a <{node_class}>
  FILTER NOT EXISTS {{ ?n <{predicate}> ?kept FILTER(?kept >= {format}) }} }} }} LIMIT 1"""


def stamped(store: Store, node_class: str) -> bool:
    """Whether every node of `node_class` in the aggregate graph was kept in this format or later."""
    query = _UNSTAMPED.format(
        aggregate=per_document.iri_text(iris.AGGREGATES), node_class=node_class, predicate=PREDICATE, format=FORMAT
    )
    return not store.select(query).rows
