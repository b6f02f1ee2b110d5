"""/editor: a SPARQL editor (CodeMirror 5, served from static/vendor) that runs against /sparql.

A SELECT or ASK is answered by /sparql itself; the page asks /editor/labels for the names of the
IRIs in it, so cells read as the pages do. A CONSTRUCT or DESCRIBE has no results table at
/sparql, so /editor/triples answers it as one, a row per triple (主语, 谓语, 宾语) with the same
names; the page offers its downloads (Turtle, N-Triples, JSON-LD) and the graph view beside it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ontology import iris
from webapp import graphview, i18n, links, resulttable

bp = Blueprint("editor", __name__)

EXAMPLE = """SELECT ?finding ?number ?title
WHERE {
  ?finding a rk:Finding ; rk:number ?number ; dcterms:title ?title .
}
LIMIT 20
"""
# The page's words, handed to static/editor.js as one JSON attribute ({n}: a number it fills in).
WORDS: dict[str, tuple[str, str]] = {
    "rows": ("{n} 行", "{n} rows"),
    "triples": ("{n} 个三元组", "{n} triples"),
    "cut": ("（已截断）", " (cut short)"),
    "subject": ("主语", "Subject"),
    "predicate": ("谓语", "Predicate"),
    "object": ("宾语", "Object"),
    "yes": ("是", "true"),
    "no": ("否", "false"),
    "blank": ("（匿名节点）", "(blank node)"),
    "running": ("正在查询…", "Running…"),
    "details": ("详细信息", "Details"),
    "bad-query": ("查询语句有误，请检查后再运行。", "The query has an error; check it and run it again."),
    "timeout": ("查询超时：请缩小查询范围。", "The query ran out of time: ask for less."),
    "busy": ("系统繁忙，请稍后再试。", "The service is busy; try again later."),
    "too-many-queries": ("查询过于频繁，请稍候再试。", "Too many queries; wait a moment."),
    "failed": ("查询未能完成。", "The query could not be answered."),
}
# At most this many IRIs named per /editor/labels request (a page's worth of cells).
MAX_NAMED = 5000


@bp.get("/editor")
def page():
    """The editor, holding ?query= when a saved query is opened in it, else the prefixes and an example."""
    text = request.args.get("query") or iris.sparql_prefixes() + "\n" + EXAMPLE
    words = {key: zh if i18n.language() == "zh" else en for key, (zh, en) in WORDS.items()}
    return render_template("editor.html", query=text, words=words)


@bp.post("/editor/labels")
def labels():
    """IRI → the name a page gives it, for the IRIs of a SELECT answer the editor draws."""
    return jsonify(names(request.form.getlist("iri")[:MAX_NAMED]))


@bp.post("/editor/triples")
def triples():
    """The CONSTRUCT or DESCRIBE in `query` as rows of named cells, run as /sparql runs it (the
    endpoint's workers and limits), cut at MAX_GRAPH_NODES triples and said so."""
    graph = graphview.visitors_graph(current_app.config["MAX_GRAPH_NODES"])
    named = names(sorted({str(t) for triple in graph for t in triple if isinstance(t, URIRef)}))
    rows = [[_cell(t, named) for t in triple] for triple in sorted(graph)]
    return jsonify({"rows": rows, "truncated": bool(getattr(graph, "truncated", False))})


def names(values: list[str]) -> dict[str, str]:
    """What each IRI is called: the ontology's label for its terms, else the graph's label (a
    finding's reference and title); IRIs with neither are left out."""
    found = {v: i18n.term_label(v) for v in values if i18n.has_term_label(v)}
    rest = {v for v in values if v not in found}
    return found | {iri: name.text() for iri, name in resulttable.labels(rest).items()}


def _cell(term: Node, named: dict[str, str]) -> dict[str, str | None]:
    """A term as the table shows it: text, and the page it links to (entity IRIs only)."""
    if isinstance(term, Literal):
        return {"text": str(term), "url": None}
    if isinstance(term, BNode):
        return {"text": "", "url": None, "blank": "1"}
    value = str(term)
    return {"text": named.get(value, value), "url": links.entity_url(value), "iri": value}


