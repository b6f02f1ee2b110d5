"""The write-time bookkeeping every per-document node of the aggregate graph shares.

Search's shares (graph/searchable.py), the dashboard's rows (graph/summaries.py), each
department's roles (graph/roles.py) and each named document's citations (graph/citations.py) each
keep nodes in the aggregate graph that depend on one document graph alone. A write that adds,
replaces or removes documents forgets their old nodes and inserts the new ones in the same request
as the documents, so both change together or not at all.

Roles and citations also mark each document graph holding a report as kept (a marker node naming
the graph), so that `complete` tells a store whose every report was written that way from one
filled before, which the app reads live until `graph.aggregates.rebuild` writes the nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet

from rdflib.namespace import RDF

from graph.binding import term_text
from graph.interface import SYSTEM_GRAPHS, Store, Term
from graph.results import strings
from graph.terms import lines_with, ntriples_lines, ntriples_text, parse_ntriples
from ontology import iris
from ontology.iris import RK

Triple = tuple[str, str, Term]

REPORT_GRAPHS = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?r a <{RK.Report}> }} }}"
_REPORT_KEY = f"> <{RDF.type}> <{RK.Report}> ".encode()


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


def holds_report(data: bytes) -> bool:
    """Whether a document's N-Triples type something rk:Report (what `complete` asks of every graph)."""
    typed = parse_ntriples(b"\n".join(lines_with(data, (_REPORT_KEY,))))
    return any(p == str(RDF.type) and o == str(RK.Report) for _s, p, o in typed)


def report_graphs(store: Store) -> set[str]:
    """Every document graph holding a report."""
    return {row["g"] for row in strings(store.select(REPORT_GRAPHS))} - SYSTEM_GRAPHS


def complete(store: Store, marker_class: str, graph_predicate: str, reports: AbstractSet[str] | None = None) -> bool:
    """Whether every document graph holding a report (`reports`, if read already) has a
    `marker_class` node naming it through `graph_predicate` in the aggregate graph (else the app
    reads what those nodes keep live)."""
    marker = f"?n a <{marker_class}> ; <{graph_predicate}> ?g"
    kept = strings(store.select(f"SELECT ?g WHERE {{ GRAPH {iri_text(iris.AGGREGATES)} {{ {marker} }} }}"))
    return not (report_graphs(store) if reports is None else reports) - {row["g"] for row in kept}


def forget(graph_predicate: str) -> Callable[[str], str]:
    """`changes`' `forget` for nodes that name their document graph through `graph_predicate`."""

    def ops(graph_iri: str) -> str:
        graph, aggregate = iri_text(graph_iri), iri_text(iris.AGGREGATES)
        return f"DELETE WHERE {{ GRAPH {aggregate} {{ ?n <{graph_predicate}> {graph} ; ?p ?o }} }}"

    return ops
