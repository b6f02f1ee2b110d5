"""Protocol answers written out as they are produced, and cut at a row, triple and byte limit.

A row limit alone does not bound an answer: one ~600-byte query that repeats a large literal on
10,000 rows made a 2.31 GB response, all of it held (twice) by the web process (issue 21). So an
answer is written where it is made — row by row, in the query's worker — and counted as it is
written: the row that would take it past `Caps.bytes` is not written, the document is closed
properly, and the cut is reported (`Written`) so the endpoint can announce it in a header. What
is written goes to a sink in chunks; the web process spools them (`Answer`) and streams them on,
so it never holds more than a bounded buffer of any answer.

SELECT/ASK answers: SPARQL JSON (the same bytes as graph/results.py `to_json`), XML, CSV and TSV.
Graphs are collected as N-Triples lines (counted in N-Triples bytes, whatever the format asked
for) and written by rdflib for the other formats, with the project's prefixes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from rdflib import Graph

from graph import results

# Caps, Written, Sink and Answer are the interface's (a Store's write_answer and answer take and give them):
# imported from here as before.
from graph.interface import Answer, Caps, Result, Sink, Term, Written  # noqa: F401
from graph.terms import ntriples_bytes, ntriples_lines
from ontology import context, iris

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
# Bytes a worker gathers before sending them over the pipe.
CHUNK_BYTES = 256 * 1024

class _Layout(NamedTuple):
    head: str
    row: Callable[[dict[str, Term]], str]
    separator: str
    tail: str


# -- SELECT / ASK ----------------------------------------------------------------------------------


def write_boolean(value: bool, name: str, sink: Sink) -> Written:
    """An ASK answer. CSV and TSV define no boolean form: one column, one row."""
    word = str(value).lower()
    if name == "json":
        text = json.dumps({"head": {}, "boolean": value})
    elif name == "xml":
        text = f"{_XML_START}\n<head/>\n<boolean>{word}</boolean>\n</sparql>\n"
    else:
        text = f"boolean\n{word}\n"
    sink(text.encode("utf-8"))
    return Written(1)


def write_rows(
    variables: list[str],
    rows: Iterable[dict[str, Term]],
    name: str,
    caps: Caps,
    sink: Sink,
    *,
    truncated: bool = False,
) -> Written:
    """Solutions in a results format, stopping before the row that would pass a cap.
    `truncated`: the rows given were already cut short (by a backend's own row limit)."""
    if name not in RESULT_FORMATS:
        raise ValueError(f"a SELECT answer cannot be written as {name}")
    layout = _LAYOUTS[name](variables)
    out = _Counted(sink, caps.bytes, len(layout.tail.encode("utf-8")))
    out.write(layout.head)
    count, cut_by = 0, None
    for row in rows:
        if caps.rows is not None and count >= caps.rows:
            cut_by = "rows"
            break
        if not out.fits((layout.separator if count else "") + layout.row(row)):
            cut_by = "bytes"
            break
        count += 1
    out.close(layout.tail)
    if cut_by is None and truncated:
        cut_by = "rows"
    return Written(count, cut_by is not None, cut_by)


def _json_layout(variables: list[str]) -> _Layout:
    """The bytes of `results.to_json`, row by row."""
    head = '{"head": {"vars": ' + json.dumps(variables, ensure_ascii=False) + '}, "results": {"bindings": ['
    return _Layout(head, lambda row: json.dumps(results.json_binding(row), ensure_ascii=False), ", ", "]}}")


_XML_START = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def _xml_layout(variables: list[str]) -> _Layout:
    """SPARQL 1.1 Query Results XML Format."""
    names = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    head = f"{_XML_START}\n<head>{names}</head>\n<results>\n"

    def row(cells: dict[str, Term]) -> str:
        bound = "".join(f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>" for n, t in cells.items())
        return f"<result>{bound}</result>\n"

    return _Layout(head, row, "", "</results>\n</sparql>\n")


def _xml_term(term: Term) -> str:
    if term.kind == "iri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.lang:
        return f"<literal xml:lang={quoteattr(term.lang)}>{escape(term.value)}</literal>"
    if term.datatype:
        return f"<literal datatype={quoteattr(term.datatype)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_layout(variables: list[str]) -> _Layout:
    """The bytes of `results.to_csv`: plain values, as the CLI writes them."""

    def line(values: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(values)
        return out.getvalue()

    return _Layout(line(variables), lambda row: line(results.row_cells(row, variables)), "", "")


def _tsv_layout(variables: list[str]) -> _Layout:
    """SPARQL 1.1 TSV: a header of ?names, then terms in Turtle syntax (`results.to_tsv`, row by row)."""
    return _Layout(results.tsv_head(variables), lambda row: results.tsv_row(row, variables), "", "")


_LAYOUTS: dict[str, Callable[[list[str]], _Layout]] = {
    "json": _json_layout,
    "xml": _xml_layout,
    "csv": _csv_layout,
    "tsv": _tsv_layout,
}


class _Counted:
    """A sink that counts, keeping room for the closing text, and gathers small writes into chunks."""

    def __init__(self, sink: Sink, limit: int | None, reserve: int):
        self._sink, self._limit, self._reserve = sink, limit, reserve
        self._pending: list[bytes] = []
        self._pending_size = 0
        self.size = 0

    def fits(self, text: str) -> bool:
        """Write text if it leaves room for the closing text within the limit; else write nothing."""
        data = text.encode("utf-8")
        if self._limit is not None and self.size + len(data) + self._reserve > self._limit:
            return False
        self._add(data)
        return True

    def write(self, text: str) -> None:
        self._add(text.encode("utf-8"))

    def close(self, text: str) -> None:
        self._add(text.encode("utf-8"))
        self._flush()

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._sink(b"".join(self._pending))
            self._pending, self._pending_size = [], 0


# -- CONSTRUCT / DESCRIBE --------------------------------------------------------------------------


def write_triples(lines: Iterable[str], name: str, caps: Caps, sink: Sink, *, truncated: bool = False) -> Written:
    """Triples given as N-Triples lines (without the line end), each once, stopping before the
    triple that would pass a cap; N-Triples is written as it comes, other formats once gathered."""
    if name not in GRAPH_FORMATS:
        raise ValueError(f"a graph cannot be written as {name}")
    if name == "ntriples":
        out = _Counted(sink, caps.bytes, 0)
        written = _take_triples(lines, caps, out.fits, truncated)
        out.close("")
        return written
    kept: list[str] = []
    counted = _Counted(lambda data: None, caps.bytes, 0)  # counts only: the lines are kept below

    def keep(line: str) -> bool:
        if counted.fits(line):
            kept.append(line)
            return True
        return False

    written = _take_triples(lines, caps, keep, truncated)
    graph = Graph().parse(data="".join(kept), format="nt")
    sink(graph_text(graph, name).encode("utf-8"))
    return written


def _take_triples(lines: Iterable[str], caps: Caps, put: Callable[[str], bool], truncated: bool) -> Written:
    seen: set[str] = set()
    cut_by = None
    for line in lines:
        if line in seen:
            continue
        if caps.triples is not None and len(seen) >= caps.triples:
            cut_by = "triples"
            break
        if not put(line + "\n"):
            cut_by = "bytes"
            break
        seen.add(line)
    if cut_by is None and truncated:
        cut_by = "triples"
    return Written(len(seen), cut_by is not None, cut_by)


def graph_text(graph: Graph, name: str) -> str:
    """A whole graph in one of GRAPH_FORMATS, with the project's prefixes; JSON-LD compact, with
    the vocabulary's context embedded (ontology/context.py)."""
    if name == "jsonld":
        return context.compact(graph)
    for prefix, namespace in iris.PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph.serialize(format=RDFLIB_FORMATS[name])


# -- whole answers -----------------------------------------------------------------------------------


def write(answer: Result | Graph, name: str, caps: Caps, sink: Sink) -> Written:
    """An answer a backend has already gathered, written under the caps."""
    truncated = bool(getattr(answer, "truncated", False))
    if isinstance(answer, Result):
        if answer.boolean is not None:
            return write_boolean(answer.boolean, name, sink)
        written = write_rows(answer.variables, answer.rows, name, caps, sink, truncated=truncated)
    else:
        lines = ntriples_lines(ntriples_bytes(answer).decode("utf-8"))
        written = write_triples(lines, name, caps, sink, truncated=truncated)
    if written.cut_by and getattr(answer, "cut_by", None) == "bytes":  # the backend stopped reading at the cap
        return Written(written.count, True, "bytes")
    return written


def text(answer: Result, name: str) -> str:
    """A whole SELECT/ASK answer as text, with no caps (the endpoint's answers go through Answer)."""
    parts: list[bytes] = []
    write(answer, name, Caps(), parts.append)
    return b"".join(parts).decode("utf-8")
