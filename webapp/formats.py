"""The media types the endpoint answers in, and the names of its formats.

The writers are graph/answers.py: an endpoint answer is written in the query's worker, row by
row under the row and byte caps, and SELECT JSON and CSV are the same bytes as graph/results.py
writes for the CLI and the saved-query downloads.
"""

from __future__ import annotations

from rdflib import Graph

from graph import answers
from graph.store import Result

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


def result_body(result: Result, name: str) -> str:
    """A whole SELECT/ASK answer in a results format (the endpoint streams its answers instead)."""
    return answers.text(result, name)


def graph_body(graph: Graph, name: str) -> str:
    return answers.graph_text(graph, name)
