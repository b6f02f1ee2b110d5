"""/sparql: the SPARQL 1.1 Protocol endpoint, its service description, and the editor for browsers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF

from graph.store import ONTOLOGY_GRAPH
from webapp import db, editor, formats, protocol

bp = Blueprint("sparql", __name__)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = "http://www.w3.org/ns/formats/"
SD_FORMATS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}
TRUNCATED_HEADER = "X-Rectkg-Truncated"


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    query = protocol.parse(request)
    if query is None:
        if request.accept_mimetypes.best_match(["text/turtle", "text/html"]) == "text/html":
            return editor.page()
        return Response(service_description(), mimetype="text/turtle")
    if db.remote():  # Oxigraph reads a graph it does not hold as empty; another server may fetch it
        protocol.check_dataset(query, set(db.run(lambda store: store.graphs())) | {ONTOLOGY_GRAPH})
    limit = current_app.config["MAX_ROWS"]
    answer = db.run(
        lambda store: store.query(
            query.text,
            default_graphs=query.default_graphs,
            named_graphs=query.named_graphs,
            max_rows=limit,
            base_iri=request.base_url,  # relative IRIs resolve against the endpoint, as Oxigraph's server does
        )
    )
    if isinstance(answer, Graph):
        name, media = protocol.choose(request, graph=True)
        response = Response(formats.graph_body(answer, name), mimetype=media)
        truncated = getattr(answer, "truncated", False)
    else:
        name, media = protocol.choose(request, graph=False)
        response = Response(formats.result_body(answer, name), mimetype=media)
        truncated = answer.truncated
    if truncated:
        response.headers[TRUNCATED_HEADER] = str(limit)
    return response


def service_description() -> str:
    """SPARQL 1.1 Service Description: formats, the union default graph and each document graph."""
    graph = Graph()
    graph.bind("sd", SD)
    service = URIRef(url_for("sparql.endpoint", _external=True))
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in SD_FORMATS.values():
        graph.add((service, SD.resultFormat, URIRef(FORMATS_NS + name)))
    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for iri in db.run(lambda store: store.graphs()):
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(iri)))
    return graph.serialize(format="turtle")
