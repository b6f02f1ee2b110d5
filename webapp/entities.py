"""/id/…: every IRI the graph mints dereferences here, as Linked Data servers do.

A browser gets an HTML page chosen by the node's type; `Accept` (or `?format=`) gets Turtle,
JSON-LD (compact, with the vocabulary's context, also for `application/json`), N-Triples or
RDF/XML: the node's concise bounded description both ways, as Linked Data servers give it — what
it says (with its evidence) and what points at it in its own documents (a report's findings, a
finding's measures), within MAX_GRAPH_NODES. The context itself is at /ns/context.jsonld.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from rdflib import BNode, URIRef
from werkzeug.exceptions import NotAcceptable

from ontology import context, iris
from webapp import data, db, formats, links, protocol
from webapp.sparql import TRUNCATED_HEADER, TRUNCATED_REASON
from webapp.views import document, fallback_label, finding, generic, org, report

bp = Blueprint("entities", __name__)

TYPES = """SELECT ?s ?type WHERE { ?s a ?type }"""
DESCRIBE = """
CONSTRUCT { ?s ?p ?o . ?e ?ep ?eo }
WHERE { { ?s ?p ?o } UNION { ?s rk:evidence ?e . ?e ?ep ?eo } }"""
# Links into ?s from the documents that describe it: not from the aggregate graph (whose pair nodes
# point at organisations) nor from documents that merely mention it. Evidence pointing at its source
# report comes last: a report's findings and parts matter more than its 800 quotes when the cap cuts.
INCOMING = """
SELECT ?x ?p ?s WHERE {
  GRAPH ?g { ?x ?p ?s } FILTER EXISTS { GRAPH ?g { ?s ?q ?v } }
} ORDER BY (?p = rk:source) ?p ?x LIMIT %d"""

# rdf:type → (gatherer, template); the first type a node has in this order decides its page.
PAGES = [
    (iris.RK + "Finding", finding.gather, "finding.html"),
    (iris.RK + "Report", report.gather, "report.html"),
    (iris.RK + "NamedDocument", document.gather, "document.html"),
    (str(iris.ORG) + "Organization", org.gather, "org.html"),
    (str(iris.ORG) + "OrganizationalUnit", org.gather, "org.html"),
]


@bp.get("/id/<path:path>")
def show(path: str):
    subject = links.iri_of(path)
    wanted = _wanted()
    if wanted != "html":
        return _rdf(subject, wanted)
    types = {row["type"] for row in data.rows(TYPES, s=data.iri(subject))}
    for type_iri, gather, template in PAGES:
        if type_iri in types:
            page = gather(subject)
            if page is not None:
                return render_template(template, iri=subject, page=page, types=sorted(types))
    page = generic.gather(subject)
    if page is None:
        abort(404, description=f"nothing in the graph is called <{subject}>")
    return render_template("generic.html", iri=subject, page=page, types=sorted(types), name=fallback_label(subject))


@bp.get(context.PATH)
def jsonld_context():
    """The @context every JSON-LD answer embeds, at a stable address for documents of one's own."""
    body = json.dumps(context.document(), ensure_ascii=False, indent=2)
    return Response(body, mimetype=context.MEDIA_TYPE, headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/department")
def by_label():
    """A department named by any of its labels (how result tables link department names)."""
    label = request.args.get("label", "")
    found = org.by_label(label) if label else None
    if found is None:
        abort(404, description=f"no department is called {label!r}")
    return redirect(links.entity_url(found))


def _wanted() -> str:
    if request.args.get("format"):
        return protocol.choose(request, graph=True)[0]
    by_type = {media: name for name, media in formats.GRAPH_TYPES.items()} | {"application/json": "jsonld"}
    best = request.accept_mimetypes.best_match(["text/html", *by_type], default=None)
    if best is None and request.accept_mimetypes:
        raise NotAcceptable(f"can answer in text/html, {', '.join(formats.GRAPH_TYPES.values())}")
    if best in (None, "text/html"):
        return "html"
    return by_type[best]


def _rdf(subject: str, name: str) -> Response:
    text = iris.sparql_prefixes() + DESCRIBE
    graph = db.run(lambda store: store.construct(text, {"s": data.iri(subject)}))
    if len(graph) == 0:
        abort(404, description=f"nothing in the graph is called <{subject}>")
    cap = current_app.config["MAX_GRAPH_NODES"]
    if len(graph) > cap:
        abort(413, description=f"<{subject}> has more than MAX_GRAPH_NODES triples; query /sparql instead")
    cut = _add_incoming(graph, subject, cap)
    response = Response(formats.graph_body(graph, name), mimetype=formats.GRAPH_TYPES[name])
    if cut:
        response.headers[TRUNCATED_HEADER] = str(len(graph))
        response.headers[TRUNCATED_REASON] = f"links into the node were cut at MAX_GRAPH_NODES ({cap} triples)"
    return response


def _add_incoming(graph, subject: str, cap: int) -> bool:
    """Add the links into `subject` that fit under `cap` triples in all; whether some were left out."""
    room = cap - len(graph)
    text = iris.sparql_prefixes() + INCOMING % (room + 1)
    rows = db.run(lambda store: store.select(text, {"s": data.iri(subject)})).rows
    node = URIRef(subject)
    for row in rows[:room]:
        linker = row["x"]
        graph.add((URIRef(linker.value) if linker.kind == "iri" else BNode(linker.value), URIRef(row["p"].value), node))
    return len(rows) > room
