"""/: the loaded reports (issuer, inspector, dates, counts, claims vs counts) and the most shared
departments, each a link into the rest of the app."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory

from graph.store import Result, Store
from queries import catalog
from webapp import db
from webapp.data import rows_in
from webapp.views import fallback_label, report

bp = Blueprint("dashboard", __name__)
TOP_PAIRS = 10

# Counts in subqueries and labels from the report's own graph (the loader writes a report, and
# the labels of the bodies it names, into one graph): grouping the report's OPTIONALs with its
# findings × measures × labels restated in every graph that names the body took 457 s at 1,000
# reports (1.8 s now). DISTINCT: the same report written into two graphs is listed once.
REPORTS = """
SELECT DISTINCT ?report ?title ?published ?issuer ?issuerLabel ?inspector ?inspectorLabel ?start ?end ?statusDate
       ?findings ?measures
WHERE {
  GRAPH ?g {
    ?report a rk:Report ; dcterms:title ?title .
    OPTIONAL { ?report dcterms:issued ?published }  # as loaders/to_rdf.py writes it (DATE_PROPERTIES)
    OPTIONAL { ?report rk:issuer ?issuer OPTIONAL { ?issuer skos:prefLabel ?issuerLabel } }
    OPTIONAL { ?report rk:inspector ?inspector OPTIONAL { ?inspector skos:prefLabel ?inspectorLabel } }
    OPTIONAL { ?report rk:inspectionStart ?start }
    OPTIONAL { ?report rk:inspectionEnd ?end }
    OPTIONAL { ?report rk:statusDate ?statusDate }
  }
  OPTIONAL {
    SELECT ?report (COUNT(DISTINCT ?f) AS ?found) WHERE { ?f rk:report ?report ; a rk:Finding } GROUP BY ?report
  }
  OPTIONAL {
    SELECT ?report (COUNT(DISTINCT ?m) AS ?taken)
    WHERE { ?f rk:report ?report ; a rk:Finding . ?m rk:finding ?f }
    GROUP BY ?report
  }
  BIND(COALESCE(?found, 0) AS ?findings)
  BIND(COALESCE(?taken, 0) AS ?measures)
}
ORDER BY DESC(?published) ?title ?report"""


@bp.get("/")
def index():
    reports, pairs = shown()
    return render_template("dashboard.html", reports=reports, pairs=pairs.rows[:TOP_PAIRS])


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer it rather than log a 404."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon")


def shown() -> tuple[list[dict], Result]:
    """The reports with their claims (built once per store version) and the most shared pairs
    (the saved query's cached answer): what webapp/warm.py computes before the first visitor."""
    reports = db.cached("dashboard", _reports)
    return reports, db.run(lambda store: catalog.get("shared-responsibility").run(store))


def _reports(store: Store) -> list[dict]:
    reports = rows_in(store, REPORTS)
    claims = report.claims_by_report(store)
    for r in reports:
        r["issuerLabel"] = r["issuerLabel"] or (fallback_label(r["issuer"]) if r["issuer"] else "")
        r["inspectorLabel"] = r["inspectorLabel"] or (fallback_label(r["inspector"]) if r["inspector"] else "")
        r["claims"] = claims.get(r["report"], [])
    return reports
