"""rectkg's own results writers (graph/results.py, graph/answers.py) read back by pyoxigraph's
results parsers as the very terms the query gave: the hand-written writers are kept because they
write row by row under the caps, and this holds them to the library's reading of each format.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph import answers, results
from graph.embedded import OxigraphStore
from graph.interface import Caps
from graph.terms import from_ox

# Literals that need escaping in every format, a language, a datatype, a blank node, an unbound cell.
QUERY = r"""
SELECT ?a ?b WHERE {
  VALUES (?a ?b) {
    ("tab\there \"quoted\" back\\slash" <http://example.org/x>)
    ("line\nbreak\r\nand\u2028separator"@zh "42"^^<http://www.w3.org/2001/XMLSchema#integer>)
    ("<b>&amp;</b>" UNDEF)
  }
}"""
FORMATS = {
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore(None)


def _expected(store: OxigraphStore) -> list[dict]:
    solutions = store._store.query(QUERY)
    names = [v.value for v in solutions.variables]
    return [{n: from_ox(t) for n, t in zip(names, s, strict=True) if t is not None} for s in solutions]


def _read(data: bytes, fmt: str) -> list[dict]:
    solutions = ox.parse_query_results(data, format=FORMATS[fmt])
    names = [v.value for v in solutions.variables]
    return [{n: from_ox(t) for n, t in zip(names, s, strict=True) if t is not None} for s in solutions]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_endpoint_writers_read_back_as_written(store, fmt):
    result = store.select(QUERY)
    parts: list[bytes] = []
    answers.write_rows(result.variables, result.rows, fmt, Caps(), parts.append)
    assert _read(b"".join(parts), fmt) == _expected(store)


def test_the_cli_tsv_and_json_read_back_as_written(store):
    result = store.select(QUERY)
    assert _read(results.to_tsv(result).encode(), "tsv") == _expected(store)
    assert _read(results.to_json(result).encode(), "json") == _expected(store)
    assert results.to_tsv(result) == answers.text(result, "tsv")


def test_blank_nodes_read_back_as_blank_nodes(store):
    result = store.select("SELECT (BNODE() AS ?b) {}")
    for fmt in FORMATS:
        [row] = _read(answers.text(result, fmt).encode(), fmt)
        assert row["b"].kind == "bnode"
    assert results.to_csv(result).splitlines()[1].startswith("_:")
