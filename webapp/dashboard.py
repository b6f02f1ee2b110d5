"""/: the loaded reports (issuer, inspector, dates, counts, claims vs counts) and the most shared
departments, each a link into the rest of the app."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_from_directory

from graph import summaries
from graph.store import Store
from ontology import iris
from webapp import db
from webapp.views import fallback_label

bp = Blueprint("dashboard", __name__)
TOP_PAIRS = 10
REPORTS_PER_PAGE = 50  # a thousand report cards took half a second to render
# The most shared pairs, as the first rows of the saved query `shared-responsibility` (same order),
# without reading its whole answer (27,000 pairs at a thousand reports, 2-4 s after each write):
# the TOP_PAIRS-th largest count first, then only the pairs that reach it.
_PAIR_GRAPH = f"GRAPH <{iris.AGGREGATES}>"
THRESHOLD = f"""SELECT ?findings WHERE {{ {_PAIR_GRAPH} {{ ?pair rk:pairFindings ?findings }} }}
ORDER BY DESC(?findings) LIMIT {TOP_PAIRS}"""
TOP = f"""SELECT ?dept_a ?dept_b ?findings WHERE {{
  {_PAIR_GRAPH} {{ ?pair rk:pairFindings ?findings FILTER(?findings >= %s)
    ?pair rk:pairFirstLabel ?dept_a ; rk:pairSecondLabel ?dept_b }}
}} ORDER BY DESC(?findings) ?dept_a ?dept_b LIMIT {TOP_PAIRS}"""


@bp.get("/")
def index():
    reports, pairs = shown()
    pages = max(1, -(-len(reports) // REPORTS_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown_reports = reports[(page - 1) * REPORTS_PER_PAGE : page * REPORTS_PER_PAGE]
    return render_template("dashboard.html", reports=shown_reports, pairs=pairs, page=page, pages=pages)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer it rather than log a 404."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon")


def shown() -> tuple[list[dict], list[dict]]:
    """The reports with their claims and the most shared pairs, each built once per store version:
    what webapp/warm.py computes before the first visitor."""
    return db.cached("dashboard", _reports), db.cached("dashboard-pairs", _top_pairs)


def _top_pairs(store: Store) -> list[dict]:
    counts = store.select(iris.sparql_prefixes() + THRESHOLD).rows
    if not counts:
        return []
    least = min(int(row["findings"].value) for row in counts)
    return store.select(iris.sparql_prefixes() + TOP % least).rows


def _reports(store: Store) -> list[dict]:
    """Every report's row as its write stored it (graph/summaries.py): one literal per document
    rather than counting the whole graph; worked out from the documents while some have none."""
    reports = summaries.stored(store)
    if reports is None:
        reports = summaries.ordered(row for rows in summaries.by_graph(store).values() for row in rows)
    for r in reports:
        r["issuerLabel"] = r["issuerLabel"] or (fallback_label(r["issuer"]) if r["issuer"] else "")
        r["inspectorLabel"] = r["inspectorLabel"] or (fallback_label(r["inspector"]) if r["inspector"] else "")
    return reports
