"""/shared?a=…&b=…: the pair dossier of two departments (webapp/dossier.py), as a page to print
and as CSV and XLSX downloads (/shared.csv, /shared.xlsx with the same parameters)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ontology import iris
from webapp import dossier, downloads, i18n, links
from webapp.views import org

bp = Blueprint("shared", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/shared")
def pair():
    found = _dossier()
    return render_template("shared.html", d=found, a=found.a, b=found.b, cue_label=dossier.cue_label)


@bp.get("/shared.csv")
def pair_csv():
    header, body = _table(_dossier())
    response = Response(downloads.with_bom(downloads.csv_text(header, body)), mimetype="text/csv")
    return downloads.attach(response, _file_name("csv"))


@bp.get("/shared.xlsx")
def pair_xlsx():
    header, body = _table(_dossier())
    response = Response(downloads.xlsx_bytes(i18n.message("shared_findings"), header, body), mimetype=XLSX)
    return downloads.attach(response, _file_name("xlsx"))


def _dossier() -> dossier.Dossier:
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        abort(400, description="name two departments: /shared?a=…&b=…")
    org_a, org_b = org.by_label(a), org.by_label(b)
    if org_a is None or org_b is None:
        missing = a if org_a is None else b
        abort(404, description=f"no department is called {missing!r}")
    return dossier.build(a, b, org_a, org_b)


def _table(found: dossier.Dossier) -> tuple[list[str], list[list[str]]]:
    def role(name: str) -> str:
        return i18n.term_label(iris.RK + name)

    def finding_url(finding: str) -> str:
        return request.host_url.rstrip("/") + (links.entity_url(finding) or "")

    return dossier.table(found, i18n.language(), role, finding_url)


def _file_name(extension: str) -> str:
    return downloads.file_name("shared", [request.args["a"], request.args["b"]], extension)
