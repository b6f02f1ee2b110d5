"""A named document: its title and number, and the measures that cite it with what they do to it."""

from __future__ import annotations

from webapp.data import iri, rows

INFO = """
SELECT ?d ?title ?identifier ?type ?status WHERE {
  ?d dcterms:title ?title .
  OPTIONAL { ?d dcterms:identifier ?identifier }
  OPTIONAL { ?d rk:documentType ?type }
  OPTIONAL { ?d rk:documentStatus ?status }
} LIMIT 1"""

CITED_BY = """
SELECT DISTINCT ?d ?action ?measure ?ordinal ?text ?finding ?number ?findingTitle ?report ?reportTitle WHERE {
  ?c rk:document ?d .
  OPTIONAL { ?c rk:action ?action }
  OPTIONAL {
    ?c rk:measure ?measure . ?measure rk:ordinal ?ordinal ; rk:text ?text ; rk:finding ?finding .
    ?finding rk:ref ?number ; dcterms:title ?findingTitle .  # (二)2: numbers restart
  }
  OPTIONAL { ?c rk:report|rk:measure/rk:finding/rk:report ?report . ?report dcterms:title ?reportTitle }
} ORDER BY ?report ?finding ?ordinal"""


def gather(subject: str) -> dict | None:
    d = iri(subject)
    info = rows(INFO, d=d)
    if not info:
        return None
    return {**info[0], "cited_by": rows(CITED_BY, d=d)}
