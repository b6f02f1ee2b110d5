"""/id/…: every IRI the graph mints dereferences here, as Linked Data servers do.

A browser gets an HTML page chosen by the node's type; `Accept` (or `?format=`) gets Turtle,
JSON-LD, N-Triples or RDF/XML describing the node and its evidence.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from werkzeug.exceptions import NotAcceptable

from ontology import iris
from webapp import data, db, formats, links, protocol
from webapp.views import document, fallback_label, finding, generic, org, report

bp = Blueprint("entities", __name__)

TYPES = """SELECT ?s ?type WHERE { ?s a ?type }"""
DESCRIBE = """
CONSTRUCT { ?s ?p ?o . ?e ?ep ?eo }
WHERE { { ?s ?p ?o } UNION { ?s rk:evidence ?e . ?e ?ep ?eo } }"""

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
    if len(graph) > current_app.config["MAX_GRAPH_NODES"]:
        abort(413, description=f"<{subject}> has more than MAX_GRAPH_NODES triples; query /sparql instead")
    return Response(formats.graph_body(graph, name), mimetype=formats.GRAPH_TYPES[name])
