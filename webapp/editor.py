"""/editor: a SPARQL editor (CodeMirror 5, served from static/vendor) that runs against /sparql."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ontology import iris

bp = Blueprint("editor", __name__)

EXAMPLE = """SELECT ?finding ?number ?title
WHERE {
  ?finding a rk:Finding ; rk:number ?number ; dcterms:title ?title .
}
LIMIT 20
"""


@bp.get("/editor")
def page():
    """The editor, holding ?query= when a saved query is opened in it, else the prefixes and an example."""
    text = request.args.get("query") or iris.sparql_prefixes() + "\n" + EXAMPLE
    return render_template("editor.html", query=text)
