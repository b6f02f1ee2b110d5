"""A named document: its title and number, and the measures that cite it with what they do to it."""

from __future__ import annotations

from ontology import iris
from webapp import around
from webapp.data import iri, rows
from webapp.views import first_part

INFO = """
SELECT ?d ?title ?identifier ?type ?status WHERE {
  ?d dcterms:title ?title .
  OPTIONAL { ?d dcterms:identifier ?identifier }
  OPTIONAL { ?d rk:documentType ?type }
  OPTIONAL { ?d rk:documentStatus ?status }
} LIMIT 1"""

# The citations of one document, its IRI written in (checked first), then the page's part of them
# described, each citation's measure and report read LATERAL, for that citation. As plain OPTIONALs
# with a path, Oxigraph worked out the report of every citation in the store to join them (5.3 s at
# 100 reports for the most cited document, 63 s at 1,000).
CITATIONS = "SELECT ?c WHERE { ?c rk:document <%s> }"
CITED_BY = """
SELECT DISTINCT ?action ?measure ?ordinal ?text ?finding ?number ?findingTitle ?report ?reportTitle WHERE {
  VALUES ?c { %s }
  OPTIONAL { ?c rk:action ?action }
  LATERAL { OPTIONAL {
    ?c rk:measure ?measure . ?measure rk:ordinal ?ordinal ; rk:text ?text ; rk:finding ?finding .
    ?finding rk:ref ?number ; dcterms:title ?findingTitle } }  # (二)2: numbers restart
  LATERAL { OPTIONAL {
    { ?c rk:report ?report } UNION { ?c rk:measure/rk:finding/rk:report ?report }
    ?report dcterms:title ?reportTitle } }
}"""
PAGE = 50  # citations listed before "show more"


def gather(subject: str) -> dict | None:
    if not around.IRI.fullmatch(subject):  # it is written into CITATIONS
        return None
    info = rows(INFO, d=iri(subject))
    if not info:
        return None
    citations = sorted((r["c"] for r in rows(CITATIONS % subject)), key=iris.document_order)
    shown, more = first_part(citations, PAGE, "cited-by")
    cited = rows(CITED_BY % " ".join(f"<{c}>" for c in shown)) if shown else []
    cited.sort(key=lambda r: iris.document_order(r["measure"] or r["report"]))
    return {**info[0], "cited_by": cited, "shown": len(shown), "total": len(citations), "more_url": more}

