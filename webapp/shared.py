"""/shared?a=…&b=…: the findings two departments share (where a shared-responsibility row leads)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from webapp.data import literal, rows

bp = Blueprint("shared", __name__)

# The same sharing rule as queries/shared-responsibility.rq: both lead or partner on the finding.
SHARED = """
SELECT DISTINCT ?a ?b ?finding ?number ?title ?report ?reportTitle ?orgA ?orgB WHERE {
  ?orgA skos:prefLabel ?la . FILTER(STR(?la) = ?a)
  ?orgB skos:prefLabel ?lb . FILTER(STR(?lb) = ?b)
  ?ia rk:measure ?ma ; rk:agent ?orgA ; rk:role ?ra . ?ma rk:finding ?finding .
  ?ib rk:measure ?mb ; rk:agent ?orgB ; rk:role ?rb . ?mb rk:finding ?finding .
  FILTER(?ra IN (rk:lead, rk:partner) && ?rb IN (rk:lead, rk:partner))
  ?finding rk:number ?number ; dcterms:title ?title ; rk:report ?report ; rk:order ?order .
  ?report dcterms:title ?reportTitle .
} ORDER BY ?report ?order"""


@bp.get("/shared")
def pair():
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        abort(400, description="name two departments: /shared?a=…&b=…")
    findings = rows(SHARED, a=literal(a), b=literal(b))
    return render_template("shared.html", a=a, b=b, findings=findings)
