"""/admin/graphs: replace or remove one document graph over HTTP — the only way the app writes —
/admin/dataset: replace every graph an N-Quads body names, all or none (an RDF file `rectkg ingest`
hands over), and the CLI's reads of a store this server holds.

Off unless a token is configured: ADMIN_TOKEN (RECTKG_ADMIN_TOKEN) for operators, or the per-run
token `rectkg serve` advertises beside the store (graph/handoff.py) so `rectkg ingest`/`remove`
on the served store hand their writes here. Bodies are N-Triples (N-Quads for a dataset) only: a
format that can name remote contexts (JSON-LD) or external entities (RDF/XML) would make the server
fetch URLs. A graph may be any IRI but rectkg's internal graphs (ontology, aggregate, staging): a
user's reference data is loaded under names of its own choosing.
"""

from __future__ import annotations

import hmac
import logging
import re

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph
from werkzeug.exceptions import NotFound

from graph import results
from graph.store import Term, internal_graph
from webapp import db, search
from webapp.errors import Refused
from webapp.settings import SettingsError

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__)
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
# What a token may hold: visible ASCII. Never whitespace: HTTP servers strip it from the ends of a
# header (RFC 9110 5.5; waitress does) before the app sees it, so a token ending in some can't be sent.
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


def check_token(state: BlueprintSetupState) -> None:
    """Refuse at start a configured token no client could send (an env file's trailing space or
    newline), rather than accept it and answer 403 to every request that sends it."""
    token = state.app.config.get("ADMIN_TOKEN")
    if token and not _TOKEN_CHARS.fullmatch(str(token)):
        raise SettingsError(
            "ADMIN_TOKEN holds whitespace or control characters (a trailing space or newline?), "
            "which no client can send; set it again with visible ASCII characters only"
        )


bp.record_once(check_token)


def _tokens() -> list[str]:
    config = current_app.config
    return [token for token in (config.get("ADMIN_TOKEN"), config.get("HANDOFF_TOKEN")) if token]


@bp.before_request
def authorise() -> None:
    tokens = _tokens()
    if not tokens:
        raise NotFound("the admin API is off: configure RECTKG_ADMIN_TOKEN to turn it on")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not _TOKEN_CHARS.fullmatch(given):
        raise Refused(401, "unauthorised", "send the admin token as 'Authorization: Bearer TOKEN'")
    if not any(hmac.compare_digest(given.encode(), token.encode()) for token in tokens):
        raise Refused(403, "forbidden", "the admin token is wrong")


def _graph_iri() -> str:
    return _checked_graph(request.args.get("graph", ""))


def _checked_graph(graph_iri: str) -> str:
    """An absolute IRI that is not one of rectkg's internal graphs."""
    try:
        ox.NamedNode(graph_iri)
    except ValueError:
        graph_iri = ""
    if ":" not in graph_iri or internal_graph(graph_iri):
        raise Refused(400, "bad-graph", "graph must be an absolute IRI, and not one of rectkg's internal graphs")
    return graph_iri


def _body(media_type: str) -> bytes:
    if request.mimetype != media_type:
        raise Refused(400, "unsupported-format", f"send the graph as {media_type}, not {request.mimetype or 'nothing'}")
    return request.get_data()  # over MAX_CONTENT_LENGTH: 413, before any parsing


@bp.put("/admin/graphs")
def replace():
    graph_iri = _graph_iri()
    body = _body(NTRIPLES).decode("utf-8", errors="replace")
    try:
        graph = Graph().parse(data=body, format="nt")
    except Exception as error:  # rdflib raises several parser types; all mean a bad body
        raise Refused(400, "bad-rdf", f"the body is not valid N-Triples: {error}") from error
    db.store().replace_graph(graph_iri, graph)
    _written()
    return Response(status=204)


@bp.put("/admin/dataset")
def replace_dataset():
    """Each graph the N-Quads body names made to hold exactly its quads, all or none."""
    documents = _graphs_of(_body(NQUADS))
    db.store().replace_graphs_together(list(documents.items()))
    _written()
    return Response(status=204)


def _graphs_of(body: bytes) -> dict[str, bytes]:
    """N-Quads grouped by graph, as N-Triples; every quad must name a graph rectkg may write."""
    triples: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(body, format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise Refused(400, "bad-graph", "every quad must name its graph by an IRI")
            triples.setdefault(_checked_graph(quad.graph_name.value), []).append(quad.triple)
    except SyntaxError as error:
        raise Refused(400, "bad-rdf", f"the body is not valid N-Quads: {error}") from error
    if not triples:
        raise Refused(400, "bad-rdf", "the body holds no quads")
    return {graph: ox.serialize(found, format=ox.RdfFormat.N_TRIPLES) or b"" for graph, found in triples.items()}


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


# Reads for the CLI: while this server holds the store, `rectkg query`, `export`, `stats` and
# `validate` read through here (graph/handoff.py), with the same token as handed-off writes and
# none of a visitor's row limits, so a user's scripts answer alike whether or not it is running.


@bp.get("/admin/graphs")
def list_graphs():
    return jsonify(db.store().graphs())


@bp.get("/admin/count")
def count():
    return jsonify(db.store().triple_count())


@bp.get("/admin/export")
def export():
    fmt = request.args.get("format", "")
    if fmt not in EXPORT_FORMATS:
        raise Refused(400, "bad-format", f"format must be one of {', '.join(EXPORT_FORMATS)}")
    return Response(db.store().export(fmt), mimetype="application/octet-stream")


@bp.post("/admin/select")
def select():
    query, bindings = _read_request()
    return jsonify(results.to_wire(db.run_whole(lambda store: store.select(query, bindings))))


@bp.post("/admin/query")
def visitor_query():
    """A query over the dataset a visitor's would read (`Store.query`: documents, not rectkg's own
    graphs), for `rectkg query TEXT`, which must count what /sparql counts."""
    query, _bindings = _read_request()
    body = request.get_json()
    keys = ("default_graphs", "named_graphs")
    dataset = {key: [g for g in body.get(key) or [] if isinstance(g, str)] for key in keys}
    answer = db.run_whole(lambda store: store.query(query, **dataset))
    if isinstance(answer, Graph):
        return Response(answer.serialize(format="nt"), mimetype=NTRIPLES)
    return jsonify(results.to_wire(answer))


@bp.post("/admin/construct")
def construct():
    query, bindings = _read_request()
    graph = db.run_whole(lambda store: store.construct(query, bindings))
    return Response(graph.serialize(format="nt"), mimetype=NTRIPLES)


def _read_request() -> tuple[str, dict[str, Term]]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise Refused(400, "bad-request", 'send {"query": "...", "bindings": {...}} as JSON')
    try:
        bindings = {str(name): results.term_from_wire(cell) for name, cell in (body.get("bindings") or {}).items()}
    except (TypeError, ValueError) as error:
        raise Refused(400, "bad-request", f"bindings must be [kind, value, datatype, lang]: {error}") from error
    return body["query"], bindings
