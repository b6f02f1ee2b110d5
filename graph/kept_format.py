"""Which release's aggregate the whole store has: the mark that lets a saved query read it.

Each release may keep more in the aggregate graph than the one before (the cited titles' totals,
graph/cited_titles.py; the reports' own fields beside their counts, graph/report_counts.py). A store
an earlier rectkg filled lacks them for the documents it wrote, and a later write cannot add them
for the others, so a saved query reading them would give a short answer. The aggregate graph
therefore states `rk:keptFormat`: the oldest format any of its documents was kept in. A write
keeps the mark as it is (never raising it), writes `FORMAT` where the store holds no other report
(a new store: everything kept comes from this write), and leaves it out otherwise; `rectkg rebuild`
writes `FORMAT`. A saved query whose kept text needs a format asks the documents until the store
has it (queries/catalog.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graph import per_document
from graph.interface import Store, Term
from ontology import iris
from ontology.iris import RK

# 1: the cited titles' totals and the reports' fields on their counts (2026-12).
FORMAT = 1
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_KEPT = str(RK.keptFormat)
_aggregate = per_document.iri_text(iris.AGGREGATES)
# Another report's graph than the written ones (a remote store's staging graphs hold writes not made
# yet: another writer's, or one cut short and not yet dropped as stale).
_OTHERS = """SELECT ?g WHERE {{ GRAPH ?g {{ ?r a <{report}> }}
  FILTER(?g NOT IN ({graphs}) && !STRSTARTS(STR(?g), "{staging}")) }} LIMIT 1"""


def marker(store: Store, writes: Mapping[str, bytes | None], aggregate: Sequence[per_document.Triple]) -> list:
    """The mark as a write leaves it (`aggregate`: the aggregate graph's own triples now)."""
    stated = [int(value.value) for _node, predicate, value in aggregate if predicate == _KEPT]
    if stated:
        return [_mark(min(stated))]
    others = _OTHERS.format(
        report=RK.Report, graphs=", ".join(per_document.iri_text(g) for g in writes), staging=iris.STAGING
    )
    return [] if store.select(others).rows else [_mark(FORMAT)]


def rebuilt() -> list[per_document.Triple]:
    """The mark a rebuild leaves: everything kept comes from it."""
    return [_mark(FORMAT)]


def whole(store: Store, wanted: int = FORMAT) -> bool:
    """Whether every document in the store was kept in format `wanted` or later."""
    query = f"SELECT ?kept WHERE {{ GRAPH {_aggregate} {{ {_aggregate} <{_KEPT}> ?kept }} }}"
    return any(int(row["kept"].value) >= wanted for row in store.select(query).rows)


def _mark(kept: int) -> per_document.Triple:
    return (iris.AGGREGATES, _KEPT, Term("literal", str(kept), XSD_INTEGER))
