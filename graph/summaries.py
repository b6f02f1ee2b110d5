"""The dashboard's row of each report, kept in the aggregate graph and written with the document.

The dashboard lists every report with its metadata, its finding and measure counts and its
headline claims beside what the graph counts. Worked out over the whole store that is five queries
over every report (1.6 s at a thousand reports, 10 s before they were reshaped), paid by the first
visit after each write. Each report's row depends on its own document graph alone, so, as search's
shares (graph/searchable.py), the write that adds, replaces or removes a document also writes its
`rk:ReportSummary` node in the aggregate graph, in the same request: the rows as JSON. The
dashboard then reads one literal per document (`stored`).

The rows are the answers of the same queries (`by_graph`) over the one graph, run on a small
in-memory store holding only the lines those queries read: what the write stores and what the
whole-store queries give are the same by construction (tests/test_summaries.py holds them equal).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph import per_document
from graph.interface import SYSTEM_GRAPHS, XSD_STRING, Store, Term
from graph.results import strings
from graph.terms import Scratch, lines_with
from ontology import iris
from ontology.iris import RK

_iri = per_document.iri_text

# Counts in subqueries and labels from the report's own graph (the loader writes a report, and
# the labels of the bodies it names, into one graph): grouping the report's OPTIONALs with its
# findings × measures × labels restated in every graph that names the body took 457 s at 1,000
# reports (1.8 s now).
REPORTS = """
SELECT DISTINCT ?g ?report ?title ?published ?issuer ?issuerLabel ?inspector ?inspectorLabel ?start ?end ?statusDate
       ?findings ?measures
WHERE {
  GRAPH ?g {
    ?report a rk:Report ; dcterms:title ?title .
    OPTIONAL { ?report dcterms:issued ?published }  # as loaders/to_rdf.py writes it (DATE_PROPERTIES)
    OPTIONAL { ?report rk:issuer ?issuer OPTIONAL { ?issuer skos:prefLabel ?issuerLabel } }
    OPTIONAL { ?report rk:inspector ?inspector OPTIONAL { ?inspector skos:prefLabel ?inspectorLabel } }
    OPTIONAL { ?report rk:inspectionStart ?start }
    OPTIONAL { ?report rk:inspectionEnd ?end }
    OPTIONAL { ?report rk:statusDate ?statusDate }
  }
  OPTIONAL {
    SELECT ?report (COUNT(DISTINCT ?f) AS ?found) WHERE { ?f rk:report ?report ; a rk:Finding } GROUP BY ?report
  }
  OPTIONAL {
    SELECT ?report (COUNT(DISTINCT ?m) AS ?taken)
    WHERE { ?f rk:report ?report ; a rk:Finding . ?m rk:finding ?f }
    GROUP BY ?report
  }
  BIND(COALESCE(?found, 0) AS ?findings)
  BIND(COALESCE(?taken, 0) AS ?measures)
}"""

CLAIMS = """
SELECT ?r ?kind ?value ?label WHERE {
  ?r rk:claim ?c . ?c rk:claimKind ?kind ; rk:claimedValue ?value .
  OPTIONAL { ?c rdfs:label ?label }
} ORDER BY ?kind"""

# How the graph counts what a claim kind states; kinds without a counter are shown uncompared.
COUNTERS = {
    "findings": "SELECT ?r (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a rk:Finding ; rk:report ?r } GROUP BY ?r",
    "findings-rectified": "SELECT ?r (COUNT(DISTINCT ?f) AS ?n) "
    'WHERE { ?f a rk:Finding ; rk:report ?r ; rk:status "completed" } GROUP BY ?r',
    "measures": "SELECT ?r (COUNT(DISTINCT ?m) AS ?n) "
    "WHERE { ?f rk:report ?r . ?m rk:finding ?f ; a rk:Measure } GROUP BY ?r",
}
# The lines those queries read: their predicates, and the types they select on.
_PREDICATES = (
    DCTERMS.title, DCTERMS.issued, SKOS.prefLabel, RDFS.label, RK.issuer, RK.inspector, RK.inspectionStart,
    RK.inspectionEnd, RK.statusDate, RK.report, RK.finding, RK.claim, RK.claimKind, RK.claimedValue, RK.status,
)  # fmt: skip
_KEYS = tuple(f"> <{p}> ".encode() for p in _PREDICATES) + tuple(
    f"> <{RDF.type}> <{c}> ".encode() for c in (RK.Report, RK.Finding, RK.Measure)
)
_TYPE, _SUMMARY_CLASS = str(RDF.type), Term("iri", str(RK.ReportSummary))
_GRAPH, _ROWS = str(RK.summaryGraph), str(RK.summaryRows)
Row = dict  # a report's fields as strings, its counts, and "claims": [{kind, value, label, claimed, counted, mismatch}]


def claims_by_report(store: Store, r: Term | None = None) -> dict[str, list[dict]]:
    """Every report's claims (only r's if given), counted with one query per counter: the
    dashboard lists every report, and a query per report and counter took minutes at 1,000."""
    bound = {"r": r} if r is not None else {}
    prefixes = iris.sparql_prefixes()
    counts = {
        kind: {c["r"]: int(c["n"]) for c in strings(store.select(prefixes + q, bound))} for kind, q in COUNTERS.items()
    }
    out: dict[str, list[dict]] = {}
    for claim in strings(store.select(prefixes + CLAIMS, bound)):
        claimed = float(claim["value"])
        counted = counts[claim["kind"]].get(claim["r"], 0) if claim["kind"] in counts else None
        mismatch = counted not in (None, claimed)
        out.setdefault(claim["r"], []).append({**claim, "claimed": claimed, "counted": counted, "mismatch": mismatch})
    for found in out.values():  # one order whichever store answers: a document's own, or the whole
        found.sort(key=lambda claim: (claim["kind"], claim["claimed"], claim["label"]))
    return out


def by_graph(store: Store | Scratch) -> dict[str, list[Row]]:
    """The dashboard's rows of the reports in each document graph, worked out from the documents."""
    claims = claims_by_report(store)
    out: dict[str, list[Row]] = {}
    for row in strings(store.select(iris.sparql_prefixes() + REPORTS)):
        graph_iri = row.pop("g")
        if graph_iri not in SYSTEM_GRAPHS:
            out.setdefault(graph_iri, []).append({**row, "claims": claims.get(row["report"], [])})
    return out


def ordered(rows: Iterable[Row]) -> list[Row]:
    """Each report once (the same report written into two graphs is one row), newest first, then
    by title and IRI, as the dashboard lists them."""
    # A report's claims follow from the report (claims_by_report), so its other fields tell rows apart.
    unique = {tuple(value for name, value in sorted(row.items()) if name != "claims"): row for row in rows}
    by_title = sorted(unique.values(), key=lambda row: (row["title"], row["report"]))
    return sorted(by_title, key=lambda row: row["published"], reverse=True)


def rows_in(graph_iri: str, data: bytes) -> list[Row]:
    """One document's rows, from its N-Triples: the lines the queries read, in a store of their own."""
    small = Scratch()
    small.load(graph_iri, b"\n".join(lines_with(data, _KEYS)), "application/n-triples")
    return by_graph(small).get(graph_iri, [])


def changes(writes: Mapping[str, bytes | None]) -> str:
    """SPARQL Update operations (to run in the same request as the documents' writes) that replace
    each written graph's summary node (None: removed with its document)."""
    return per_document.changes(writes, _forget, lambda graph_iri, data: triples(graph_iri, rows_in(graph_iri, data)))


def triples(graph_iri: str, rows: list[Row]) -> list[tuple[str, str, Term]]:
    """A document's summary node; none for a document without a report (reference data)."""
    if not rows:
        return []
    node = iris.report_summary(graph_iri)
    spelled = sorted(json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for row in rows)
    text = "[" + ",".join(spelled) + "]"  # one spelling whatever order the engine gave the rows in
    return [
        (node, _TYPE, _SUMMARY_CLASS),
        (node, _GRAPH, Term("iri", graph_iri)),
        (node, _ROWS, Term("literal", text, XSD_STRING)),
    ]


def stored(store: Store) -> list[Row] | None:
    """Every report's row as the writes stored them, in the dashboard's order; None while a
    document graph holding a report has none (written before summaries were kept: the caller
    works the rows out from the documents until `graph.aggregates.rebuild` stores them)."""
    aggregate = _iri(iris.AGGREGATES)
    found = strings(
        store.select(f"SELECT ?g ?rows WHERE {{ GRAPH {aggregate} {{ ?n <{_GRAPH}> ?g ; <{_ROWS}> ?rows }} }}")
    )
    reports = strings(store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?r a <{RK.Report}> }} }}"))
    if {row["g"] for row in reports} - {row["g"] for row in found} - SYSTEM_GRAPHS:
        return None
    return ordered(r for row in found for r in json.loads(row["rows"]))


def _forget(graph_iri: str) -> str:
    node, graph = _iri(iris.report_summary(graph_iri)), _iri(iris.AGGREGATES)
    return f"DELETE WHERE {{ GRAPH {graph} {{ {node} ?p ?o }} }}"
