"""Result tables as CSV, TSV, JSON or a terminal table: one writer for the CLI and the web app.

The CLI's `--format csv` and the web app's `.csv` download are the same bytes for the same
query and parameters, because both call `to_csv` here; the endpoint's answers (graph/answers.py)
are written row by row from the same cells, so each format has one writer of its terms. TSV is
SPARQL 1.1 TSV everywhere (terms in Turtle syntax), read back by pyoxigraph as written.

Why not pyoxigraph's own writer (`QuerySolutions.serialize`)? It writes a whole answer at once
from a query's solutions, while these write rows a backend already turned into Terms (a query's
worker, a remote server's JSON) and the endpoint must stop before the row that passes a cap and
still close the document; and the endpoint's JSON and CSV are the CLI's bytes. Writing the
sample's 21,548 quads from a query, pyoxigraph is 1.7-5 times faster (CSV 392 against 671 ms, TSV
512 against 1,374, JSON 754 against 1,885, XML 393 against 1,985; 2 cores at load 6, so the ratios
hold, not the times): an uncapped answer straight from the embedded store is where it would pay.
tests/test_result_formats.py holds these writers to pyoxigraph's parsers.
"""

from __future__ import annotations

import csv
import io
import json

from graph.interface import XSD_STRING, Result, Term

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


def to_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.variables)
    writer.writerows(cells(result))
    return out.getvalue()


def to_tsv(result: Result) -> str:
    """SPARQL 1.1 TSV, the same bytes as the endpoint's (graph/answers.py writes them row by row)."""
    return tsv_head(result.variables) + "".join(tsv_row(row, result.variables) for row in result.rows)


def tsv_head(variables: list[str]) -> str:
    return "\t".join("?" + v for v in variables) + "\n"


def tsv_row(row: dict[str, Term], variables: list[str]) -> str:
    """One row of SPARQL TSV: each term in Turtle syntax, empty where unbound."""
    return "\t".join(tsv_cell(row[v]) if v in row else "" for v in variables) + "\n"


def tsv_cell(term: Term) -> str:
    """A term in Turtle syntax. Literals are escaped by json.dumps, whose escapes (quotes, backslashes,
    tabs, line ends, other controls as \\uXXXX) are all Turtle's: the same text as pyoxigraph's own
    term writer (str of an ox.Literal) on every term of the sample, in half its time (64,644 terms:
    349 ms against 724 ms, the conversion to pyoxigraph terms included)."""
    if term.kind == "iri":
        return f"<{term.value}>"
    if term.kind == "bnode":
        return f"_:{term.value}"
    text = json.dumps(term.value, ensure_ascii=False)
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype and term.datatype != XSD_STRING:
        return f"{text}^^<{term.datatype}>"
    return text


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
