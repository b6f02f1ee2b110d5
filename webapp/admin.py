"""/admin/graphs: replace or remove one document graph over HTTP — the only way the app writes.

Off unless a token is configured: ADMIN_TOKEN (RECTKG_ADMIN_TOKEN) for operators, or the per-run
token `rectkg serve` advertises beside the store (graph/handoff.py) so `rectkg ingest`/`remove`
on the served store hand their writes here. Bodies are N-Triples only: a format that can name
remote contexts (JSON-LD) or external entities (RDF/XML) would make the server fetch URLs.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, request
from rdflib import Graph
from werkzeug.exceptions import NotFound

from graph.store import ONTOLOGY_GRAPH
from ontology import iris
from webapp import db, search
from webapp.errors import Refused

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__)
NTRIPLES = "application/n-triples"


def _tokens() -> list[str]:
    config = current_app.config
    return [token for token in (config.get("ADMIN_TOKEN"), config.get("HANDOFF_TOKEN")) if token]


@bp.before_request
def authorise() -> None:
    tokens = _tokens()
    if not tokens:
        raise NotFound("the admin API is off: configure RECTKG_ADMIN_TOKEN to turn it on")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Refused(401, "unauthorised", "send the admin token as 'Authorization: Bearer TOKEN'")
    if not any(hmac.compare_digest(given.encode(), token.encode()) for token in tokens):
        raise Refused(403, "forbidden", "the admin token is wrong")


def _graph_iri() -> str:
    graph_iri = request.args.get("graph", "")
    unsafe = any(c in graph_iri for c in '<> "{}|^`\\')
    if unsafe or not graph_iri.startswith(iris.GRAPH) or graph_iri == ONTOLOGY_GRAPH:
        raise Refused(400, "bad-graph", f"graph must be a document graph IRI under {iris.GRAPH}")
    return graph_iri


@bp.put("/admin/graphs")
def replace():
    graph_iri = _graph_iri()
    if request.mimetype != NTRIPLES:
        raise Refused(400, "unsupported-format", f"send the graph as {NTRIPLES}, not {request.mimetype or 'nothing'}")
    try:
        graph = Graph().parse(data=request.get_data(as_text=True), format="nt")
    except Exception as error:  # rdflib raises several parser types; all mean a bad body
        raise Refused(400, "bad-rdf", f"the body is not valid N-Triples: {error}") from error
    db.store().replace_graph(graph_iri, graph)
    _written()
    return Response(status=204)


@bp.delete("/admin/graphs")
def remove():
    graph_iri = _graph_iri()
    if not db.store().remove_graph(graph_iri):
        raise NotFound(f"no graph {graph_iri}")
    _written()
    return Response(status=204)


def _written() -> None:
    """After a write: search takes in that document's share now (a fraction of a second), so the
    writer's request pays for it rather than the next visitor's search; the rest is warmed later."""
    try:
        search.live().refresh()
    except Exception as error:  # the write is done; the next search refreshes instead
        log.warning("refreshing the search index after a write failed: %s", error)
    current_app.extensions["rectkg.warm"].poke()
