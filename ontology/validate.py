"""SHACL validation of loader output against ontology/shapes.ttl (with the ontology for classes)."""

from __future__ import annotations

from importlib import resources

from rdflib import Graph


def _ontology_file(name: str) -> str:
    return resources.files("ontology").joinpath(name).read_text(encoding="utf-8")


def shapes() -> Graph:
    return Graph().parse(data=_ontology_file("shapes.ttl"), format="turtle")


def ontology() -> Graph:
    return Graph().parse(data=_ontology_file("rectkg.ttl"), format="turtle")


def validate_graph(data: bytes | Graph) -> tuple[bool, str]:
    from pyshacl import validate  # imported here: the web app reads shapes() for its JSON-LD context only

    graph = data if isinstance(data, Graph) else Graph().parse(data=data, format="nt")
    conforms, _report, text = validate(graph, shacl_graph=shapes(), ont_graph=ontology(), inference="none")
    return bool(conforms), text
