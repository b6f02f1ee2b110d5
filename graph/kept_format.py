"""Which release kept a report's counts node: what lets a saved query read its newer facts.

A release may keep more on each rk:ReportCounts node, or beside it, than the one before (the
report's own fields beside its counts, graph/report_counts.py, read by queries/compare-reports.rq;
each finding's parties, graph/finding_parties.py, read by queries/department-profile.rq). A store
an earlier rectkg filled lacks them, and the saved query reading them there would leave those
reports out. So each counts node states `rk:keptFormat`, the format of the write that kept it (and,
in the same request, the rest of its document's nodes), and a saved query reads the kept facts only
where every counts node states at least the format that brought them (queries/catalog.py);
elsewhere it asks the documents. Ingesting each report again brings its nodes up to date, as
`rectkg rebuild` does for all of them at once, on every backend. (A presence test of the new facts
would not do: a report without a title, or without a measure, has none of them in any format.)
"""

from __future__ import annotations

from graph import per_document
from graph.interface import Store
from graph.results import strings
from ontology import iris
from ontology.iris import RK

# The formats, each with what it brought: 1, the report's fields beside its counts (2026-12);
# 2, each finding's parties (2026-12).
FIELDS, PARTIES = 1, 2
FORMAT = PARTIES
PREDICATE = str(RK.keptFormat)
# Findings written as blank nodes (RDF a user loads, never the loader's) cannot be named again in
# the aggregate graph, so their parties are not kept (graph/finding_parties.py): a report holding
# one is kept in the format before, and department-profile asks the documents.
_BLANK_FINDING = f" <{RK.finding}> _:".encode()
_WITH_BLANK_FINDINGS = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?m <{RK.finding}> ?f FILTER(isBlank(?f)) }} }}"
_KEPT_GRAPHS = """SELECT DISTINCT ?g WHERE {{ GRAPH {aggregate} {{ ?n <{graph}> ?g ; <{predicate}> ?kept
  FILTER(?kept >= {format}) }} }}"""
# A node of the class that states no format, or one older than asked.
_UNSTAMPED = """SELECT ?n WHERE {{ GRAPH {aggregate} {{ ?n a <{node_class}>
  FILTER NOT EXISTS {{ ?n <{predicate}> ?kept FILTER(?kept >= {format}) }} }} }} LIMIT 1"""


def stamped(store: Store, node_class: str, at_least: int) -> bool:
    """Whether every node of `node_class` in the aggregate graph was kept in format `at_least` or later."""
    query = _UNSTAMPED.format(
        aggregate=per_document.iri_text(iris.AGGREGATES), node_class=node_class, predicate=PREDICATE, format=at_least
    )
    return not store.select(query).rows


def graphs_kept(store: Store, at_least: int) -> set[str]:
    """The document graphs with a report counts node kept in format `at_least` or later."""
    query = _KEPT_GRAPHS.format(
        aggregate=per_document.iri_text(iris.AGGREGATES), graph=RK.countsGraph, predicate=PREDICATE, format=at_least
    )
    return {row["g"] for row in strings(store.select(query))}


def of_document(data: bytes) -> int:
    """The format a document's N-Triples can be kept in."""
    return FIELDS if _BLANK_FINDING in data else FORMAT


def short_of_format(store: Store) -> set[str]:
    """The document graphs that can be kept in an older format only (as `of_document`)."""
    return {row["g"] for row in strings(store.select(_WITH_BLANK_FINDINGS))}
