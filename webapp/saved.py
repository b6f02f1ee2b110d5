"""/queries: every saved query as a form with typed inputs, a linked result table, its SPARQL, and
downloads at /queries/NAME.csv|.tsv|.json with the parameters in the URL, so results are links.
Everything a person reads is in the page's language: summaries, descriptions, parameter and column
titles, coded values by their labels and entities by their names (webapp/resulttable.py).

The downloads are written by graph/results.py, the CLI's writer: the CSV is the same bytes as
`rectkg query --saved NAME --format csv` with the same parameters, after a UTF-8 byte-order mark
(webapp/downloads.py); each file is named after the query and its parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from graph import results
from graph.store import Result, Term
from queries import catalog
from queries.catalog import SavedQuery
from webapp import choices, db, downloads, i18n, resulttable, tables
from webapp.sparql import TRUNCATED_HEADER

bp = Blueprint("saved", __name__)

DOWNLOADS = {
    "csv": ("text/csv", results.to_csv),
    "tsv": ("text/tab-separated-values", results.to_tsv),
    "json": ("application/sparql-results+json", results.to_json),
}
# `?titles=1` on a CSV download: the header row names the columns by their titles in the
# page's language (?lang=, else the cookie), for a spreadsheet a person reads; without it the CSV
# is the CLI's bytes, for scripts.
TITLES_ARG = "titles"
# `?narrow=1`: the button listing a report's findings was pressed; a finding chosen before (of
# another report) is left out, so the form lists the report's findings rather than answering.
NARROW_ARG = "narrow"
# The visitor asks the whole corpus anyway, where a large store's form asks for a parameter first.
WHOLE_ARG = "whole"
INPUT_TYPES = {"date": "date", "integer": "number", "iri": "url", "string": "text"}
# Columns a result is faceted by, where it has them (their values repeat: reports, places, roles,
# categories, statuses, kinds and types of things).
FACETS = ("report", "place", "department_place", "report_place", "role", "roles", "category", "status", "kind", "type")


# Saved queries whose answer a dossier prints in full: (endpoint, its parameter, the query's).
DOSSIERS = {
    "department-profile": ("shared.department", "name", "department"),
    "findings": ("shared.report", "report", "report"),
}


def _dossier_url(name: str, values: dict[str, str]) -> str | None:
    """The dossier of what the query was asked about (a department, a report), if it has one."""
    if name not in DOSSIERS or not values.get(DOSSIERS[name][2]):
        return None
    endpoint, arg, param = DOSSIERS[name]
    return url_for(endpoint, **{arg: values[param]})


def _row_links(result: Result, rows: list[dict[str, Term]]) -> list[str | None]:
    """Where each row leads when no cell is an entity IRI (pairs of departments → their findings)."""
    if {"dept_a", "dept_b"} <= set(result.variables):
        return [url_for("shared.pair", a=r["dept_a"].value, b=r["dept_b"].value) for r in rows]
    return [None] * len(rows)


def _table(query: SavedQuery, result: Result) -> tables.Table[dict[str, Term]]:
    """The answer's rows (up to MAX_ROWS) as the table the URL asks for: sorted, filtered,
    faceted by the columns in FACETS it has, one page of it."""
    shown = resulttable.Shown(query, result)
    source = tables.Source(
        columns=result.variables,
        titles=resulttable.titles(query, result.variables),
        value=shown.value,
        label=shown.label,
        facets=[c for c in FACETS if c in result.variables],
    )
    return tables.build(result.rows[: current_app.config["MAX_ROWS"]], source)


@bp.get("/queries")
def index():
    return render_template("queries.html", queries=catalog.saved_queries().values(), describe=resulttable.description)


@bp.get("/queries/choices/<enumeration>.json")
def narrowed_choices(enumeration: str):
    """A narrowed drop-down's choices under one value (`within`: a report's findings), for the
    form's script to fill the drop-down in place when the report is chosen."""
    if enumeration not in catalog.NARROWED:
        abort(404, description=f"no choices to narrow called {enumeration!r}")
    found = choices.within_value(enumeration, request.args.get("within"))
    return jsonify([{"value": v, "label": label} for _, pairs in found for v, label in pairs])


@bp.get("/queries/<name>")
def show(name: str):
    base, _, extension = name.rpartition(".")
    if extension in DOWNLOADS and base in catalog.saved_queries():
        return download(catalog.get(base), extension)
    if name not in catalog.saved_queries():
        abort(404, description=f"no saved query {name!r}")
    query = catalog.get(name)
    values = _values(query)
    if request.args.get(NARROW_ARG):  # the form's "list this report's findings", sent without its script
        values = {k: v for k, v in values.items() if k not in choices.narrowed_params(query)}
    missing = [p.name for p in query.params if p.required and p.name not in values and p.default is None]
    asked = [] if missing else _asked_first(query, values)
    # A query that cannot run yet opens as its form: the visitor came to fill it in.
    result = None if missing or asked else db.run(lambda store: query.run(store, values))
    picker = choices.form(query, values)
    table = _table(query, result) if result is not None else None
    return render_template(
        "query.html",
        query=query,
        describe=resulttable.description,
        values=values,
        picker=picker,
        input_types=INPUT_TYPES,
        result=result,
        missing=missing,
        asked=asked,
        reports=choices.reports() if asked else 0,
        whole_url=_query_url(name, {**values, WHOLE_ARG: "1"}),
        whole=_whole(),
        cut=result is not None and (result.truncated or len(result.rows) > current_app.config["MAX_ROWS"]),
        table=table,
        cells=resulttable.cells(query, result, table.rows) if table is not None else [],
        row_links=_row_links(result, table.rows) if table is not None else [],
        downloads=_downloads(name, values),
        dossier=_dossier_url(name, values) if result is not None else None,
        sparql=resulttable.without_comments(query.text),
    )


def _downloads(name: str, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, link, class) of each download: the formats, then the CSV with titled columns."""
    found = [(ext.upper(), _query_url(f"{name}.{ext}", values), f"download-{ext}") for ext in DOWNLOADS]
    titled = {**values, TITLES_ARG: "1", "lang": i18n.language()}
    found.append((i18n.message("csv_titled"), _query_url(f"{name}.csv", titled), "download-csv-titled"))
    return found


def _query_url(name: str, values: dict[str, str]) -> str:
    """A link to the query's page or download; parameters go in the query string by hand, as one
    may be called `name`."""
    url = url_for("saved.show", name=name)
    return f"{url}?{urlencode(values)}" if values else url


def _asked_first(query: SavedQuery, values: dict[str, str]) -> list[str]:
    """The parameters the form asks for before it reads the whole corpus: in a store of more than
    LARGE_STORE_REPORTS reports, a query whose answer without any of its `asks_first` parameters is
    every finding, measure or body of the corpus (at a thousand reports 10-47 s, past the time
    limit, for tens of thousands of rows) opens as its form. WHOLE_ARG asks the corpus anyway."""
    if not query.asks_first or _whole() or any(values.get(n) for n in query.asks_first):
        return []
    return list(query.asks_first) if choices.large() else []


def _whole() -> bool:
    return request.args.get(WHOLE_ARG) == "1"


def download(query: SavedQuery, extension: str) -> Response:
    media, write = DOWNLOADS[extension]
    values = _values(query)
    result = db.run(lambda store: query.run(store, values))
    if extension == "csv" and request.args.get(TITLES_ARG):
        result = _titled(query, result)
    body = write(result)
    if extension == "csv":  # for Excel on Chinese Windows, which reads a CSV without a BOM as GBK
        body = downloads.with_bom(body)
    response = Response(body, mimetype=media)
    downloads.attach(response, downloads.file_name(query.name, list(values.values()), extension))
    if result.truncated:
        response.headers[TRUNCATED_HEADER] = str(current_app.config["MAX_ROWS"])
    return response


def _titled(query: SavedQuery, result: Result) -> Result:
    """The answer for a person: columns named by their titles and coded values by their labels,
    in the page's language (IRIs and other values as answered)."""
    named = dict(zip(result.variables, resulttable.titles(query, result.variables), strict=True))
    rows = [{named[k]: _labelled(query, k, v) for k, v in row.items()} for row in result.rows]
    return Result(list(named.values()), rows, result.boolean, result.truncated)


def _labelled(query: SavedQuery, column: str, term: Term) -> Term:
    if term.kind != "literal" or column not in query.value_labels:
        return term
    return Term("literal", resulttable.value_label(query, column, term.value))


def _values(query: SavedQuery) -> dict[str, str]:
    """The query's parameters given in the URL; empty fields mean "use the default", as in the CLI."""
    return {p.name: request.args[p.name] for p in query.params if request.args.get(p.name)}
