"""The write-time bookkeeping every per-document node of the aggregate graph shares.

Search's shares (graph/searchable.py), the dashboard's rows (graph/summaries.py) and each
department's roles (graph/roles.py) each keep nodes in the aggregate graph that depend on one
document graph alone. A write that adds, replaces or removes documents forgets their old nodes and
inserts the new ones in the same request as the documents, so both change together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from graph.binding import term_text
from graph.interface import Term
from graph.terms import ntriples_lines, ntriples_text
from ontology import iris

Triple = tuple[str, str, Term]


def changes(
    writes: Mapping[str, bytes | None],
    forget: Callable[[str], str],
    triples_of: Callable[[str, bytes], Iterable[Triple]],
) -> str:
    """SPARQL Update operations, each after a " ;": `forget` of every written graph (None: removed),
    then one INSERT DATA of `triples_of` every graph written with data."""
    ops = [forget(graph_iri) for graph_iri in writes]
    added = [t for graph_iri, data in writes.items() if data is not None for t in triples_of(graph_iri, data)]
    body = "\n".join(sorted(ntriples_lines(ntriples_text(added))))  # sorted: the same change is the same text
    if body:
        ops.append(f"INSERT DATA {{ GRAPH {iri_text(iris.AGGREGATES)} {{\n{body}\n}} }}")
    return "".join(f" ;\n{op}" for op in ops)


def iri_text(value: str) -> str:
    """An IRI as SPARQL text."""
    return term_text(Term("iri", value))
