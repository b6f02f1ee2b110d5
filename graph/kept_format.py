"""Which release's bookkeeping each document's kept nodes come from: what lets a saved query read them.

A release may keep more in the aggregate graph than the one before: the cited titles' totals
(graph/cited_titles.py) and the reports' own fields beside their counts (graph/report_counts.py).
A store an earlier rectkg filled lacks them for the documents it wrote, and a saved query reading
them there would give a short answer. So each document's rk:GraphCitations marker and each
rk:ReportCounts node state `rk:keptFormat`, the format of the write that kept them, and a saved
query whose kept text needs a format reads it only where every such node states at least that
(queries/catalog.py); elsewhere it asks the documents. Ingesting each report again brings its
nodes up to date, as `rectkg rebuild` does for all of them at once, on every backend.

Per document rather than one mark for the store: a write can tell which of the documents it
replaces were kept in this format (their share is in the totals, to be taken out) and which were
not (nothing to take out), so the totals stay right through any mix of old and new writes.
"""

from __future__ import annotations

from graph import per_document
from graph.interface import Store, Term
from ontology import iris
from ontology.iris import RK

# 1: the cited titles' totals and the reports' fields beside their counts (2026-12).
FORMAT = 1
PREDICATE = str(RK.keptFormat)
STAMP = Term("literal", str(FORMAT), "http://www.w3.org/2001/XMLSchema#integer")
# A node of the class that states no format, or an older one.
_UNSTAMPED = """SELECT ?n WHERE {{ GRAPH {aggregate} {{ ?n a <{node_class}>
  FILTER NOT EXISTS {{ ?n <{predicate}> ?kept FILTER(?kept >= {format}) }} }} }} LIMIT 1"""


def stamped(store: Store, node_class: str) -> bool:
    """Whether every node of `node_class` in the aggregate graph was kept in this format or later."""
    query = _UNSTAMPED.format(
        aggregate=per_document.iri_text(iris.AGGREGATES), node_class=node_class, predicate=PREDICATE, format=FORMAT
    )
    return not store.select(query).rows
