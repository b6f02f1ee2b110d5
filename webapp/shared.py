"""Dossiers as pages to print and as CSV and XLSX downloads (webapp/dossier.py), each page with its
downloads at the same address plus .csv or .xlsx and the same parameters:

- /shared?a=…&b=…: the pair dossier of two departments that share findings;
- /dossier/department?name=…: one department's (its preferred label or an alias);
- /dossier/report?report=IRI: one report's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from flask import Blueprint, Response, abort, render_template, request, url_for

from ontology import iris
from webapp import around, dossier, downloads, errors, i18n, links
from webapp.views import org

bp = Blueprint("shared", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = {"pair": "shared_findings", "department": "department_dossier", "report": "report_dossier"}


def _pair(paged: bool) -> dossier.Dossier:
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        abort(400, description="name two departments: /shared?a=…&b=…")
    return dossier.build(a, b, _found(a), _found(b), paged)


def _department(paged: bool) -> dossier.Dossier:
    name = request.args.get("name", "")
    if not name:
        abort(400, description=i18n.message("name_department"))
    return dossier.department(name, _found(name), paged)


def _found(name: str) -> str:
    """The department called `name`, or a 404 saying so; its IRI is checked, as the dossier
    writes it into queries."""
    found = org.by_label(name)
    if found is None or not around.IRI.fullmatch(found):
        _not_found(i18n.message("no_department").format(name=name))
    return found


def _report(_paged: bool) -> dossier.Dossier:
    """A report's dossier is never paged: a report has tens of findings."""
    subject = request.args.get("report", "")
    found = dossier.report(subject) if around.IRI.fullmatch(subject) else None  # written into queries
    if found is None:
        _not_found(i18n.message("no_report"))
    return found


def _not_found(said: str) -> NoReturn:
    """A 404 that names what is missing, on the page in its language as in JSON."""
    abort(errors.error_response(404, "not-found", said, said=said))


def _routes(
    path: str, endpoint: str, load: Callable[[bool], dossier.Dossier], stem: str, keys: tuple[str, ...]
) -> None:
    """The page, the CSV (with a BOM, for Excel) and the XLSX of the dossier `load` reads from the
    request (the page its first part, `load(True)`; the downloads every finding); the download's
    name carries the parameters (`keys`)."""

    def page() -> str:
        found = load(True)
        return render_template(
            "dossier.html",
            d=found,
            cue_label=dossier.cue_label,
            every_url=dossier.every_url,
            csv_url=url_for(f"shared.{endpoint}_csv", **request.args),
            xlsx_url=url_for(f"shared.{endpoint}_xlsx", **request.args),
        )

    def as_csv() -> Response:
        header, body = _table(load(False))
        response = Response(downloads.with_bom(downloads.csv_text(header, body)), mimetype="text/csv")
        return downloads.attach(response, _file_name(stem, keys, "csv"))

    def as_xlsx() -> Response:
        found = load(False)
        header, body = _table(found)
        response = Response(downloads.xlsx_bytes(i18n.message(SHEETS[found.kind]), header, body), mimetype=XLSX)
        return downloads.attach(response, _file_name(stem, keys, "xlsx"))

    bp.add_url_rule(path, endpoint, page)
    bp.add_url_rule(path + ".csv", endpoint + "_csv", as_csv)
    bp.add_url_rule(path + ".xlsx", endpoint + "_xlsx", as_xlsx)


def _table(found: dossier.Dossier) -> tuple[list[str], list[list[str]]]:
    def role(name: str) -> str:
        return i18n.term_label(iris.RK + name)

    def finding_url(finding: str) -> str:
        return request.host_url.rstrip("/") + (links.entity_url(finding) or "")

    return dossier.table(found, i18n.language(), role, finding_url)


def _file_name(stem: str, keys: tuple[str, ...], extension: str) -> str:
    return downloads.file_name(stem, [request.args[k] for k in keys], extension)


_routes("/shared", "pair", _pair, "shared", ("a", "b"))
_routes("/dossier/department", "department", _department, "dossier", ("name",))
_routes("/dossier/report", "report", _report, "dossier", ("report",))
