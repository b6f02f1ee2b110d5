"""Each named document's citations in each document, kept in the aggregate graph and written with the document.

The graph explorer summarises a named document (how many measures and reports cite it, in which
categories) and draws its edges to them. Read live, that is every citation of the document joined
to its measure, finding and category across the union of every graph: the most cited document at a
thousand reports has 1,469 citations, and the first expansion of a measure after an ingest, which
describes the documents it cites, took 552 ms p50. A document's citations in one document graph
depend on that graph alone, so, as the departments' roles (graph/roles.py), the write that adds,
replaces or removes a document also writes, in the same request, one `rk:DocumentCitations` node
per named document it cites: each citation's measure, report, category and action as JSON. The
explorer then reads one short literal per document graph citing it (webapp/around.py), and the
document's page lists its citations from the same literals (webapp/views/document.py).

Each written document holding a report also gets one `rk:GraphCitations` marker, citing or not,
so the app can tell a store whose every report was written this way (`complete`) from one filled
before, which is read live until `graph.aggregates.rebuild` writes the nodes.

The rows are the answers of the same query (`CITATIONS`) over the one graph, run on a small
in-memory store holding only the lines it reads: what the write stores and what the live query
gives are the same by construction (tests/test_citations.py holds them equal). Each node also
states as typed values (`CITERS`) the reports and findings citing the document there, the reports'
titles and the document's title and type, which queries/documents-across-reports.rq reads: 12 s
cold, 7.6 s warm at a thousand reports when it joined every citation across the union of every
graph, 1.45-2.23 s when it looked the titles and types up in each document graph, 0.78-1.17 s
now. A document's title and type are taken from each graph citing it: the loader mints its IRI
from its title and reads its type off the title, so every graph states the same.
"""

from __future__ import annotations

from typing import NamedTuple

from rdflib.namespace import DCTERMS, RDF

from graph import per_document
from graph.interface import Term
from ontology import iris
from ontology.iris import RK

_iri = per_document.iri_text

# In each document graph: which citation cites which named document, from which measure (the
# measure's finding's category) or report, with which action ("" where there is none).
CITATIONS = """SELECT DISTINCT ?g ?document ?measure ?report ?category ?action ?c WHERE { GRAPH ?g {
  ?c a rk:Citation ; rk:document ?document .
  OPTIONAL { ?c rk:measure ?measure OPTIONAL { ?measure rk:finding/rk:category ?category } }
  OPTIONAL { ?c rk:report ?report }
  OPTIONAL { ?c rk:action ?action } } }"""
# What each document's node also states for queries/documents-across-reports.rq: the reports and
# findings citing the document there (a report through its preamble, or a measure's finding's),
# the citing reports' titles, and the document's title and type, so that the query reads the
# aggregate graph alone instead of looking each of them up in its document graph. The values are
# stated apart, not as (report, title, finding) rows, so only titled reports and their findings are
# stated, as the query over the documents counts only those: in a graph of two reports, one
# untitled, the untitled one's findings would otherwise count under the other's title.
CITERS = """SELECT DISTINCT ?g ?document ?citingReport ?citingFinding ?citingReportTitle ?citedTitle ?citedDocumentType
WHERE { GRAPH ?g {
  ?c a rk:Citation ; rk:document ?document .
  { ?c rk:report ?citingReport }
  UNION { ?c rk:measure ?measure . ?measure rk:finding ?citingFinding . ?citingFinding rk:report ?citingReport }
  ?citingReport dcterms:title ?reportTitle .
  OPTIONAL { ?document dcterms:title ?documentTitle }
  OPTIONAL { ?document rk:documentType ?citedDocumentType }
  BIND(STR(?reportTitle) AS ?citingReportTitle)
  BIND(STR(?documentTitle) AS ?citedTitle) } }"""
_KEYS = (
    f"> <{RDF.type}> <{RK.Citation}> ".encode(),
    *(f"> <{p}> ".encode() for p in (RK.document, RK.measure, RK.report, RK.action, RK.finding, RK.category)),
    *(f"> <{p}> ".encode() for p in (DCTERMS.title, RK.documentType)),
)
_GRAPH, _DOCUMENT = str(RK.citationsGraph), str(RK.citationsDocument)
_ROWS = str(RK.citationRows)
_CITED_CLASS, _GRAPH_CLASS = Term("iri", str(RK.DocumentCitations)), Term("iri", str(RK.GraphCitations))


class Cited(NamedTuple):
    """One citation of a named document: by a measure (with its finding's category) or by a report,
    with its action ("" for what it does not have)."""

    measure: str
    report: str
    category: str
    action: str
    citation: str


KEPT = per_document.Keyed(
    iris.graph_citations,
    iris.document_citations,
    _GRAPH_CLASS,
    _CITED_CLASS,
    _GRAPH,
    _DOCUMENT,
    _ROWS,
    CITATIONS,
    "document",
    ("measure", "report", "category", "action", "c"),
    Cited,
    _KEYS,
    CITERS,
)
changes, rebuilt, complete = KEPT.changes, KEPT.rebuilt, KEPT.complete
of = KEPT.of  # every citation of a named document, across the documents
