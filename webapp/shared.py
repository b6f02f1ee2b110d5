"""/shared?a=…&b=…: the findings two departments share (where a shared-responsibility row leads)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from webapp.data import iri, rows
from webapp.views import org

bp = Blueprint("shared", __name__)

# The same sharing rule as queries/shared-responsibility.rq: both lead or partner on the finding.
SHARED = """
SELECT DISTINCT ?orgA ?orgB ?finding ?number ?title ?report ?reportTitle WHERE {
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
    org_a, org_b = org.by_label(a), org.by_label(b)
    if org_a is None or org_b is None:
        missing = a if org_a is None else b
        abort(404, description=f"no department is called {missing!r}")
    findings = rows(SHARED, orgA=iri(org_a), orgB=iri(org_b))
    return render_template("shared.html", a=a, b=b, findings=findings)
