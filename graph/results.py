"""Result tables as CSV, TSV, JSON or a terminal table: one writer for the CLI and the web app.

The CLI's `--format csv` and the web app's `.csv` download are the same bytes for the same
query and parameters, because both call `to_csv` here.
"""

from __future__ import annotations

import csv
import io
import json

from graph.store import Result, Term

FORMATS = ("table", "csv", "tsv", "json")


def strings(result: Result) -> list[dict[str, str]]:
    """Rows as plain strings (missing cells are empty), which is what pages and JSON want."""
    return [{name: (row[name].value if name in row else "") for name in result.variables} for row in result.rows]


def cells(result: Result) -> list[list[str]]:
    return [row_cells(row, result.variables) for row in result.rows]


def row_cells(row: dict[str, Term], variables: list[str]) -> list[str]:
    """One row's values in column order, empty where unbound."""
    return [_cell(row[v]) if v in row else "" for v in variables]


def _cell(term: Term) -> str:
    """A term as SPARQL 1.1 CSV writes it: a blank node as `_:label`, so it is not read as a string."""
    return "_:" + term.value if term.kind == "bnode" else term.value


def to_csv(result: Result, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(result.variables)
    writer.writerows(cells(result))
    return out.getvalue()


def to_tsv(result: Result) -> str:
    return to_csv(result, delimiter="\t")


def to_json(result: Result) -> str:
    """SPARQL 1.1 Query Results JSON, so any SPARQL tool can read a downloaded file."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean})
    bindings = [json_binding(row) for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def to_wire(result: Result) -> dict:
    """A Result as JSON that comes back as the same Result (`from_wire`): how a server holding the
    store answers the CLI's reads. Unlike SPARQL JSON it keeps `truncated` and every Term exactly."""
    return {
        "variables": result.variables,
        "rows": [{name: term_to_wire(term) for name, term in row.items()} for row in result.rows],
        "boolean": result.boolean,
        "truncated": result.truncated,
    }


def from_wire(data: dict) -> Result:
    rows = [{name: term_from_wire(cell) for name, cell in row.items()} for row in data["rows"]]
    return Result(list(data["variables"]), rows, data["boolean"], bool(data["truncated"]))


def term_to_wire(term: Term) -> list:
    return [term.kind, term.value, term.datatype, term.lang]


def term_from_wire(cell: list) -> Term:
    kind, value, datatype, lang = cell
    if kind not in ("iri", "literal", "bnode"):
        raise ValueError(f"not a term kind: {kind!r}")
    return Term(kind, str(value), datatype, lang)


def json_binding(row: dict[str, Term]) -> dict[str, dict[str, str]]:
    """One row as a SPARQL JSON results binding (graph/answers.py writes them one at a time)."""
    binding = {}
    for name, term in row.items():
        cell = {"type": "uri" if term.kind == "iri" else term.kind, "value": term.value}
        if term.lang:
            cell["xml:lang"] = term.lang
        elif term.datatype and term.kind == "literal":
            cell["datatype"] = term.datatype
        binding[name] = cell
    return binding
