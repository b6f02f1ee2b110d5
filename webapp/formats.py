"""SPARQL result and RDF serialisations for the endpoint, and the media types they answer to.

SELECT/ASK answers use graph/results.py for JSON and CSV (the same writer as the CLI); the SPARQL
XML and TSV formats need RDF term syntax, so they are written here. Graphs go through rdflib.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import Graph

from graph import results
from graph.store import Result, Term
from ontology import iris

# name → (media type, writer); the first media type of each kind is the default for */*.
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# Media types clients also send for the same formats.
RESULT_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
GRAPH_ALIASES = {
    "application/x-turtle": "turtle",
    "text/rdf+n3": "turtle",
    "text/n3": "turtle",
    "text/plain": "ntriples",
    "application/json": "jsonld",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
# ?format= values people (and SPARQLWrapper, which sends format=xml|json|turtle…) use.
FORMAT_NAMES = {
    "ttl": "turtle",
    "n3": "turtle",  # Turtle is N3 without its rules: what N3 clients read
    "nt": "ntriples",
    "n-triples": "ntriples",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
}
GRAPH_FORMAT_NAMES = {**FORMAT_NAMES, "xml": "rdfxml", "json": "jsonld"}
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def result_body(result: Result, name: str) -> str:
    if name == "json":
        return results.to_json(result)
    if name == "xml":
        return to_xml(result)
    if result.boolean is not None:  # CSV/TSV define no boolean form: one column, one row
        return f"boolean\n{str(result.boolean).lower()}\n"
    if name == "csv":
        return results.to_csv(result)
    return to_tsv(result)


def graph_body(graph: Graph, name: str) -> str:
    for prefix, namespace in iris.PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph.serialize(format=RDFLIB_FORMATS[name])


def to_xml(result: Result) -> str:
    """SPARQL 1.1 Query Results XML Format."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.boolean is not None:
        out += ["<head/>", f"<boolean>{str(result.boolean).lower()}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables) + "</head>")
    out.append("<results>")
    for row in result.rows:
        cells = "".join(f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>" for n, t in row.items())
        out.append(f"<result>{cells}</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _xml_term(term: Term) -> str:
    if term.kind == "iri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.lang:
        return f"<literal xml:lang={quoteattr(term.lang)}>{escape(term.value)}</literal>"
    if term.datatype:
        return f"<literal datatype={quoteattr(term.datatype)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def to_tsv(result: Result) -> str:
    """SPARQL 1.1 TSV: a header of ?names, then terms in Turtle syntax."""
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(_tsv_term(row[v]) if v in row else "" for v in result.variables))
    return "\n".join(lines) + "\n"


def _tsv_term(term: Term) -> str:
    if term.kind == "iri":
        return f"<{term.value}>"
    if term.kind == "bnode":
        return f"_:{term.value}"
    text = json.dumps(term.value, ensure_ascii=False)  # escapes quotes, backslashes, tabs, newlines
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype and term.datatype != "http://www.w3.org/2001/XMLSchema#string":
        return f"{text}^^<{term.datatype}>"
    return text
