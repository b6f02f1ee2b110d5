"""/sparql: the SPARQL 1.1 Protocol endpoint, its service description, and the editor for browsers.

A query is admitted by webapp/admission.py (the endpoint's share of the workers, per-client
limits), then its answer is written in the format asked for by the query's worker, under the row,
triple and byte caps (graph/answers.py), and streamed from a spool: the web process never holds
a whole answer, whatever its size.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, url_for
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF

from graph.answers import Answer, Caps, Written
from graph.store import ONTOLOGY_GRAPH
from webapp import admission, db, editor, protocol

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
# A cut answer: the rows (or triples) it holds, and why it was cut.
TRUNCATED_HEADER = "X-Rectkg-Truncated"
TRUNCATED_REASON = "X-Rectkg-Truncated-Reason"
log = logging.getLogger(__name__)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    query = protocol.parse(request)
    if query is None:
        if request.accept_mimetypes.best_match(["text/turtle", "text/html"]) == "text/html":
            return editor.page()
        return Response(service_description(), mimetype="text/turtle")
    if db.remote():  # Oxigraph reads a graph it does not hold as empty; another server may fetch it
        protocol.check_dataset(query, set(db.run(lambda store: store.graphs())) | {ONTOLOGY_GRAPH})
    graph = protocol.form(query) in ("CONSTRUCT", "DESCRIBE")
    name, media = protocol.choose(request, graph=graph)
    config = current_app.config
    caps = Caps(rows=config["MAX_ROWS"], triples=config["MAX_GRAPH_NODES"], bytes=config["MAX_RESULT_BYTES"])
    answer, ticket = admitted_answer(query, name, caps)
    return streamed(answer, media, caps, ticket)


def admitted_answer(query: protocol.ProtocolQuery, name: str, caps: Caps) -> tuple[Answer, admission.Ticket]:
    """A visitor's query answered under the endpoint's admission (its share of the workers, the
    per-client limits) and the caps: every way in for free query text comes through here, so none
    can take the pages' workers. Release the ticket once the answer is sent."""
    ticket = admission.admit(request)
    try:
        answer = db.run(
            lambda store: store.answer(
                query.text,
                name,
                caps,
                default_graphs=query.default_graphs,
                named_graphs=query.named_graphs,
                base_iri=request.base_url,  # relative IRIs resolve against the endpoint, as Oxigraph's server does
            )
        )
    except BaseException:
        ticket.release()
        raise
    return answer, ticket


def streamed(answer: Answer, media: str, caps: Caps, ticket: admission.Ticket) -> Response:
    """The spooled answer sent in chunks; its spool and the endpoint slot are let go once it is sent.
    A cut is announced in TRUNCATED_HEADER (the rows or triples sent) and, in words, in TRUNCATED_REASON."""
    response = Response(answer.chunks(), mimetype=media)
    response.content_length = answer.length
    response.call_on_close(answer.close)
    response.call_on_close(ticket.release)
    written = answer.written
    if written.truncated:
        response.headers[TRUNCATED_HEADER] = str(written.count)
        response.headers[TRUNCATED_REASON] = _cut_reason(written, caps)
    return response


def _cut_reason(written: Written, caps: Caps) -> str:
    if written.cut_by == "bytes":
        log.warning("an endpoint answer was cut at MAX_RESULT_BYTES (%d bytes, %d rows)", caps.bytes, written.count)
        return (
            f"the answer reached MAX_RESULT_BYTES ({caps.bytes} bytes) and was cut after {written.count} rows; "
            "select fewer or shorter values, or page with LIMIT/OFFSET"
        )
    if written.cut_by == "triples":
        return f"the graph reached MAX_GRAPH_NODES ({caps.triples} triples) and was cut"
    return f"the answer reached MAX_ROWS ({caps.rows} rows) and was cut"


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
