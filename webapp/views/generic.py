"""Any other node (measure, involvement, evidence, claim…): its properties and what points to it.

Each value is shown as a person reads it: a term of the ontology by its label, a node by its label
(or the kind and number its IRI names), a coded literal (a place's level, a claim's kind, yes/no)
by its label in queries/labels.yaml — never the code the loader wrote.
"""

from __future__ import annotations

from rdflib.namespace import RDFS

from ontology import iris
from webapp import dossier, i18n, resulttable
from webapp.data import iri, rows
from webapp.views import fallback_label

OUT = """
SELECT ?s ?p ?o ?label ?isIri WHERE {
  ?s ?p ?o . OPTIONAL { ?o skos:prefLabel|dcterms:title|rdfs:label ?label } BIND(isIRI(?o) AS ?isIri)
} ORDER BY ?p LIMIT 500"""

IN = """
SELECT ?s ?x ?p ?label WHERE {
  ?x ?p ?s . OPTIONAL { ?x skos:prefLabel|dcterms:title|rdfs:label ?label }
} ORDER BY ?p ?x LIMIT 200"""

# rk: properties whose literals are codes → the vocabulary of queries/labels.yaml naming them.
CODED = {
    "level": "place-levels",
    "orgType": "org-types",
    "status": "statuses",
    "claimKind": "claims",
    "unit": "units",
    "datePrecision": "date-precisions",
    "periodPart": "period-parts",
    "approximate": "booleans",
    "generic": "booleans",
    "internalUnit": "booleans",
    "collective": "booleans",
}
# An event's rdfs:label is a code too (inspectionStart …).
EVENT_KINDS = "event-kinds"


def gather(subject: str) -> dict | None:
    s = iri(subject)
    out = rows(OUT, s=s)
    incoming = rows(IN, s=s)
    if not out and not incoming:
        return None
    for row in out:
        iri_value = row["isIri"] == "true"
        row["text"] = _value(row["o"], row["label"]) if iri_value else _literal(row["p"], row["o"])
    for row in incoming:
        row["text"] = _value(row["x"], row["label"])
    return {"properties": out, "incoming": incoming}


def _value(node: str, label: str) -> str:
    """A node as named: the ontology's label for its terms (classes, roles), else the graph's."""
    if i18n.has_term_label(node):
        return i18n.term_label(node)
    return _literal(str(RDFS.label), label) if label else fallback_label(node)


def _literal(prop: str, value: str) -> str:
    if prop == iris.RK + "cue":
        return dossier.cue_label(value, i18n.language())
    vocabulary = CODED.get(prop.removeprefix(iris.RK)) if prop.startswith(iris.RK) else None
    if prop == str(RDFS.label):
        vocabulary = EVENT_KINDS
    return resulttable.vocabulary_label(vocabulary, value) if vocabulary else value
