"""Any other node (measure, involvement, evidence, claim…): its properties and what points to it."""

from __future__ import annotations

from webapp.data import iri, rows

OUT = """
SELECT ?s ?p ?o ?label WHERE {
  ?s ?p ?o . OPTIONAL { ?o skos:prefLabel|dcterms:title|rdfs:label ?label }
} ORDER BY ?p LIMIT 500"""

IN = """
SELECT ?s ?x ?p ?label WHERE {
  ?x ?p ?s . OPTIONAL { ?x skos:prefLabel|dcterms:title|rdfs:label ?label }
} ORDER BY ?p ?x LIMIT 200"""


def gather(subject: str) -> dict | None:
    s = iri(subject)
    out = rows(OUT, s=s)
    incoming = rows(IN, s=s)
    if not out and not incoming:
        return None
    return {"properties": out, "incoming": incoming}
