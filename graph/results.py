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


def cells(result: Result) -> list[list[str]]:
    return [[_cell(row[v]) if v in row else "" for v in result.variables] for row in result.rows]


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
    bindings = []
    for row in result.rows:
        b = {}
        for name, term in row.items():
            cell = {"type": "uri" if term.kind == "iri" else term.kind, "value": term.value}
            if term.lang:
                cell["xml:lang"] = term.lang
            elif term.datatype and term.kind == "literal":
                cell["datatype"] = term.datatype
            b[name] = cell
        bindings.append(b)
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)
