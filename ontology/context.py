"""The JSON-LD @context of the rectkg vocabulary, and compact JSON-LD written with it.

Generated from ontology/ (never hand-listed, so a new term is in the context as soon as it is in
the ontology): every class and property of rectkg.ttl, rk: terms and the reused ones it declares
(dcterms:title, skos:prefLabel, oa:start…), becomes a term named by its local name, so a script
reads `finding["title"]`, not `"http://purl.org/dc/terms/title"`. A reused term whose name an rk:
term already has keeps its prefixed name.

Values are coerced only where every statement about them agrees, so the same key always holds
the same property: object properties hold IRIs (`"@type": "@id"`); a datatype property holds
its rdfs:range, or the one datatype all SHACL shapes give its path; a property whose shapes all
say rdf:langString holds Chinese text (`"@language": "zh"`, the loader's language). Where they
disagree (dcterms:title is a plain string on a report, Chinese text on a finding), nothing is
coerced: the key stays `title` and the value says its own type. A value that does not match its
term's coercion is written under the prefixed name (rdflib's compaction), so nothing is lost and
every answer reads back as the same graph.
"""

from __future__ import annotations

import copy
from functools import cache

from rdflib import OWL, RDF, RDFS, SH, XSD, Graph, URIRef

from ontology import iris
from ontology.validate import ontology, shapes

LANGUAGE = "zh"  # the language the loader tags report text with
PATH = "/ns/context.jsonld"  # where the web app serves it
MEDIA_TYPE = "application/ld+json"
_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@cache
def _context() -> dict[str, object]:
    vocabulary, constraints = ontology(), shapes()
    terms: dict[str, object] = dict(iris.PREFIXES)
    for iri in sorted(_declared(vocabulary), key=lambda i: (not i.startswith(iris.RK), i)):
        name = _local_name(iri)
        if name in terms:
            continue  # an rk: term (sorted first) or a prefix has the name: keep the prefixed form
        if (iri, RDF.type, OWL.Class) in vocabulary:
            terms[name] = _compact(iri)
        else:
            terms[name] = {"@id": _compact(iri), **_coercion(vocabulary, constraints, iri)}
    return terms


def context() -> dict[str, object]:
    """The @context object (a copy: rdflib's serialiser may change what it is given)."""
    return copy.deepcopy(_context())


def document() -> dict[str, object]:
    """What the web app serves at PATH: a JSON-LD document holding only the context."""
    return {"@context": context()}


def compact(graph: Graph) -> str:
    """`graph` as compact JSON-LD with the context embedded: a client needs no second request,
    and no processor has to fetch a remote context (which some refuse, as rectkg itself does)."""
    return graph.serialize(format="json-ld", context=context())


def _declared(vocabulary: Graph) -> set[URIRef]:
    kinds = (OWL.Class, *_PROPERTY_KINDS)
    return {s for kind in kinds for s in vocabulary.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def _coercion(vocabulary: Graph, constraints: Graph, prop: URIRef) -> dict[str, str]:
    if (prop, RDF.type, OWL.ObjectProperty) in vocabulary:
        return {"@type": "@id"}
    stated = set(vocabulary.objects(prop, RDFS.range))
    for shape in constraints.subjects(SH.path, prop):
        stated.update(constraints.objects(shape, SH.datatype))
    if len(stated) != 1:
        return {}
    (datatype,) = stated
    if datatype == RDF.langString:
        return {"@language": LANGUAGE}
    if str(datatype).startswith(str(XSD)) and datatype != XSD.string:
        return {"@type": _compact(datatype)}
    return {}


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _compact(iri: str) -> str:
    for prefix, namespace in iris.PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
