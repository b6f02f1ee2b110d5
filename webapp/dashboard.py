"""/: the loaded reports (issuer, inspector, dates, counts, claims vs counts) and the most shared
departments, each a link into the rest of the app."""

from __future__ import annotations

from flask import Blueprint, render_template

from queries import catalog
from webapp import db
from webapp.data import rows
from webapp.views import fallback_label, report

bp = Blueprint("dashboard", __name__)
TOP_PAIRS = 10

REPORTS = """
SELECT ?report ?title ?published ?issuer ?issuerLabel ?inspector ?inspectorLabel ?start ?end ?statusDate
       (COUNT(DISTINCT ?f) AS ?findings) (COUNT(DISTINCT ?m) AS ?measures)
WHERE {
  ?report a rk:Report ; dcterms:title ?title .
  OPTIONAL { ?report rk:published ?published }
  OPTIONAL { ?report rk:issuer ?issuer OPTIONAL { ?issuer skos:prefLabel ?issuerLabel } }
  OPTIONAL { ?report rk:inspector ?inspector OPTIONAL { ?inspector skos:prefLabel ?inspectorLabel } }
  OPTIONAL { ?report rk:inspectionStart ?start }
  OPTIONAL { ?report rk:inspectionEnd ?end }
  OPTIONAL { ?report rk:statusDate ?statusDate }
  OPTIONAL { ?f rk:report ?report ; a rk:Finding OPTIONAL { ?m rk:finding ?f } }
}
GROUP BY ?report ?title ?published ?issuer ?issuerLabel ?inspector ?inspectorLabel ?start ?end ?statusDate
ORDER BY DESC(?published) ?title"""


@bp.get("/")
def index():
    reports = rows(REPORTS)
    for r in reports:
        r["issuerLabel"] = r["issuerLabel"] or (fallback_label(r["issuer"]) if r["issuer"] else "")
        r["inspectorLabel"] = r["inspectorLabel"] or (fallback_label(r["inspector"]) if r["inspector"] else "")
        r["claims"] = report.claims(r["report"])
    pairs = db.run(lambda store: catalog.get("shared-responsibility").run(store))
    return render_template("dashboard.html", reports=reports, pairs=pairs.rows[:TOP_PAIRS])
