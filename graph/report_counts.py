"""Each report's counts for queries/compare-reports.rq, kept in the aggregate graph and written with the document.

compare-reports sets every report beside the others: its findings, measures and categories, and
how many of its measures cite a named document or state a number. Counted at the query, that is
every report's findings × measures × citations × quantities grouped together: 14 s on the first run
at a thousand reports (6.6 s warm), and again after every write. A report's counts depend on its
own document graph alone, so the write that adds, replaces or removes a document also writes one
`rk:ReportCounts` node per report in it, in the same request (graph/per_document.py), with the
counts as typed values the saved query reads as they are.

The counts are the answers of the same query (`COUNTS`) over the one graph, run on a small
in-memory store holding only the lines it reads (per_document.scratch): what a write keeps and
what the query over the whole store gives are the same by construction, and tests/test_report_counts.py
holds the saved query's answer equal to the live one (queries/live/compare-reports.rq).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from rdflib.namespace import DCTERMS, RDF, RDFS

from graph import kept_format, per_document
from graph.interface import Store, Term
from graph.terms import Scratch, lines_with
from ontology import iris
from ontology.iris import RK

# Per report, named after the properties that keep them (per_document.stated).
COUNTS = """SELECT ?g ?report (COUNT(DISTINCT ?f) AS ?findingsCounted) (COUNT(DISTINCT ?m) AS ?measuresCounted)
       (COUNT(DISTINCT ?cat) AS ?categoriesCounted) (COUNT(DISTINCT ?withDoc) AS ?measuresCitingDocument)
       (COUNT(DISTINCT ?withNum) AS ?measuresStatingNumber)
WHERE { GRAPH ?g {
  ?report a rk:Report .
  OPTIONAL {
    ?f a rk:Finding ; rk:report ?report .
    OPTIONAL { ?f rk:category ?cat }
    OPTIONAL {
      ?m a rk:Measure ; rk:finding ?f .
      OPTIONAL { ?c rk:measure ?m ; a rk:Citation . BIND(?m AS ?withDoc) }
      OPTIONAL { ?q rk:measure ?m ; a rk:Quantity . BIND(?m AS ?withNum) }
    }
  }
} }
GROUP BY ?g ?report"""
# What queries/compare-reports.rq shows of each report beside its counts, so it reads the aggregate
# graph alone (N = 1,000: looking them up in each report's graph took 0.3 of its 0.36 s). A value
# per row, as the report's graph gives them (a report without a title is not compared).
FIELDS = """SELECT ?g ?report ?countsTitle ?countsPlace ?countsPublished ?findingsClaimed ?measuresClaimed
WHERE { GRAPH ?g {
  ?report a rk:Report ; dcterms:title ?t .
  BIND(STR(?t) AS ?countsTitle)
  OPTIONAL { ?report rk:jurisdiction/rdfs:label ?p BIND(STR(?p) AS ?countsPlace) }
  OPTIONAL { ?report dcterms:issued ?countsPublished }
  OPTIONAL { ?report rk:claim [ rk:claimKind "findings" ; rk:claimedValue ?findingsClaimed ] }
  OPTIONAL { ?report rk:claim [ rk:claimKind "measures" ; rk:claimedValue ?measuresClaimed ] }
} }"""
# What a line read for the node holds (terms.lines_with): " <predicate> " rather than
# "> <predicate> ", so that a blank node's lines (a claim or place written as one in RDF a user
# ingests) are read too.
_KEYS = (
    *(f" <{RDF.type}> <{c}> ".encode() for c in (RK.Report, RK.Finding, RK.Measure, RK.Citation, RK.Quantity)),
    *(f" <{p}> ".encode() for p in (RK.report, RK.category, RK.finding, RK.measure)),
    *(f" <{p}> ".encode() for p in (DCTERMS.title, RK.jurisdiction, DCTERMS.issued)),
    *(f" <{p}> ".encode() for p in (RK.claim, RK.claimKind, RK.claimedValue)),
)
_JURISDICTION = f" <{RK.jurisdiction}> ".encode()
_LABEL = f" <{RDFS.label}> ".encode()
_CLASS = Term("iri", str(RK.ReportCounts))
_GRAPH, _REPORT = str(RK.countsGraph), str(RK.countsReport)


def triples(
    graph_iri: str, said: Mapping[str, AbstractSet[tuple[str, Term]]], kept: int = kept_format.FORMAT
) -> list[per_document.Triple]:
    """One node per report in the graph, with its counts and fields, stamped with the format `kept`
    of them and the rest of the document's nodes (graph/kept_format.py)."""
    stamp = ((kept_format.PREDICATE, per_document.integer(kept)),)
    return per_document.stated_nodes(graph_iri, said, iris.report_counts, (_CLASS, _GRAPH, _REPORT), stamp)


def _said(store: Store | Scratch) -> dict[str, dict[str, set[tuple[str, Term]]]]:
    """graph → report → its counts and fields, as its node states them."""
    return per_document.stated_by(store, (COUNTS, FIELDS), "report")


def _in_document(graph_iri: str, data: bytes) -> list[per_document.Triple]:
    small = per_document.scratch(graph_iri, data, _KEYS, _place_labels(data))
    return triples(graph_iri, _said(small).get(graph_iri, {}), kept_format.of_document(data))


def _place_labels(data: bytes) -> list[bytes]:
    """The labels of the places something is said to be in: found by their subjects (an IRI or a
    blank node, as the data spells it), as every rdfs:label line of a report, a third of the
    scratch store's lines, cost 3-4 ms a write."""
    places = {line.rstrip(b" .").split(b" ", 2)[2] for line in lines_with(data, (_JURISDICTION,))}
    return lines_with(data, [place + _LABEL for place in sorted(places)])


def changes(writes: Mapping[str, bytes | None]) -> str:
    """SPARQL Update operations (to run in the same request as the documents' writes) that replace
    each written graph's nodes (None: removed with its document)."""
    return per_document.changes(writes, per_document.forget(_GRAPH), _in_document)


def complete(store: Store) -> bool:
    """Whether every document graph holding a report has its reports' nodes: written (or rebuilt)
    by a rectkg that keeps them, and with them everything else the aggregate graph keeps, which
    the same request writes (graph/aggregates.py `changes`)."""
    return per_document.complete(store, _CLASS.value, _GRAPH)


def fielded(store: Store) -> bool:
    """Whether every report's node states its fields too (kept in this format): what
    queries/compare-reports.rq reads beside the counts."""
    return kept_format.stamped(store, _CLASS.value, kept_format.FIELDS)


def rebuilt(store: Store) -> list[per_document.Triple]:
    """Every report's node, from the documents (for `graph.aggregates.rebuild`)."""
    said, short = _said(store), kept_format.short_of_format(store)
    kept = {g: kept_format.FIELDS if g in short else kept_format.FORMAT for g in said}
    return [t for g in sorted(said) for t in triples(g, said[g], kept[g])]
