"""/search: ranked full-text search over findings, measures, departments (with aliases) and
documents; /search.json for scripts; /search/departments.json for the forms' autocomplete.

The index is built from the graph on first use and rebuilt whenever the store was reopened.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from graph.store import Store
from webapp import db, links
from webapp.data import rows_in
from webapp.textindex import Doc, Index

bp = Blueprint("search", __name__)
KINDS = ("department", "finding", "measure", "document")

SOURCES = {
    "department": """
SELECT ?iri (SAMPLE(STR(?p)) AS ?title) (GROUP_CONCAT(DISTINCT STR(?alt); separator=" ") AS ?text) ("" AS ?context)
WHERE { ?iri a ?c ; skos:prefLabel ?p . FILTER(?c IN (org:Organization, org:OrganizationalUnit))
        OPTIONAL { ?iri skos:altLabel ?alt } }
GROUP BY ?iri""",
    "finding": """
SELECT ?iri (STR(?t) AS ?title) (COALESCE(STR(?lead), "") AS ?text) (CONCAT(STR(?n), " · ", STR(?rt)) AS ?context)
WHERE { ?iri a rk:Finding ; dcterms:title ?t ; rk:number ?n ; rk:report/dcterms:title ?rt .
        OPTIONAL { ?iri rk:lead ?lead } }""",
    "measure": """
SELECT ?iri (STR(?ft) AS ?title) (STR(?t) AS ?text) (CONCAT(STR(?n), " · ", STR(?rt)) AS ?context)
WHERE { ?iri a rk:Measure ; rk:text ?t ; rk:finding ?f . ?f dcterms:title ?ft ; rk:number ?n ;
        rk:report/dcterms:title ?rt }""",
    "document": """
SELECT ?iri (STR(?t) AS ?title) (COALESCE(STR(?id), "") AS ?text) ("" AS ?context)
WHERE { ?iri a rk:NamedDocument ; dcterms:title ?t . OPTIONAL { ?iri dcterms:identifier ?id } }""",
}


def index() -> Index:
    """The search index for the store as it is now (rebuilt after the store was reopened)."""
    return db.cached("search", _build)


def _build(store: Store) -> Index:
    return Index(
        [
            Doc(row["iri"], kind, row["title"], row["text"], row["context"])
            for kind, query in SOURCES.items()
            for row in rows_in(store, query)
        ]
    )


def _hits(kinds: set[str] | None = None):
    query = request.args.get("q", "")
    wanted = {k for k in request.args.getlist("kind") if k in KINDS} or kinds
    return query, index().search(query, limit=current_app.config["SEARCH_LIMIT"], kinds=wanted)


@bp.get("/search")
def page():
    query, hits = _hits()
    return render_template("search.html", q=query, hits=hits, kinds=KINDS)


@bp.get("/search.json")
def as_json():
    query, hits = _hits()
    return jsonify(
        {
            "query": query,
            "hits": [
                {
                    "iri": h.doc.iri,
                    "kind": h.doc.kind,
                    "title": h.doc.title,
                    "context": h.doc.context,
                    "snippet": h.snippet.striptags(),
                    "url": links.entity_url(h.doc.iri),
                    "score": h.score,
                }
                for h in hits
            ],
        }
    )


@bp.get("/search/departments.json")
def departments():
    """Autocomplete: departments whose name or alias contains what was typed, best first."""
    _, hits = _hits({"department"})
    return jsonify([{"label": h.doc.title, "aliases": h.doc.text, "iri": h.doc.iri} for h in hits])
