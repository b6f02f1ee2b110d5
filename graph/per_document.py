"""The write-time bookkeeping every per-document node of the aggregate graph shares.

Search's shares (graph/searchable.py), the dashboard's rows (graph/summaries.py), each department's
roles (graph/roles.py), each named document's citations (graph/citations.py) and each report's
counts (graph/report_counts.py) each keep nodes in the aggregate graph that depend on one document
graph alone. A write that adds, replaces or removes documents forgets their old nodes and inserts
the new ones in the same request as the documents, so both change together or not at all.

Roles and citations also mark each document graph holding a report as kept (a marker node naming
the graph), so that `complete` tells a store whose every report was written that way from one
filled before, which the app reads live until `graph.aggregates.rebuild` writes the nodes.

What the app reads it keeps as JSON, one literal per node; what a saved query reads a node also
states as typed values (`stated`): SPARQL cannot read inside JSON, and a saved query answers on
every backend with nothing but SPARQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from rdflib.namespace import RDF

from graph.binding import term_text
from graph.interface import SYSTEM_GRAPHS, XSD_INTEGER, XSD_STRING, Result, Store, Term
from graph.results import strings
from graph.terms import Scratch, lines_with, ntriples_lines, ntriples_text, parse_ntriples
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


def json_share(node: str, node_class: str, predicates: tuple[str, str, str], graph_iri: str, text: str) -> list[Triple]:
    """A node keeping what one document graph gives a reader of the whole corpus, as JSON (`text`),
    with the graph it comes from and a digest, so that the reader reads again only what changed.
    `predicates`: the graph's, the digest's and the JSON's."""
    graph, digest, entries = predicates
    return [
        (node, str(RDF.type), Term("iri", node_class)),
        (node, graph, Term("iri", graph_iri)),
        (node, digest, Term("literal", hashlib.sha1(text.encode("utf-8")).hexdigest(), XSD_STRING)),
        (node, entries, Term("literal", text, XSD_STRING)),
    ]


def json_share_digests(store: Store, predicates: tuple[str, str, str]) -> Result:
    """Each document graph's `json_share` digest (rows ?g ?d), as the store holds it now: one short
    row per document, for a reader to tell which shares to read again."""
    graph, digest, _entries = predicates
    aggregate = iri_text(iris.AGGREGATES)
    return store.select(f"SELECT ?g ?d WHERE {{ GRAPH {aggregate} {{ ?n <{graph}> ?g ; <{digest}> ?d }} }}")


def json_share_texts(store: Store, predicates: tuple[str, str, str], graphs: Iterable[str]) -> dict[str, str]:
    """The JSON of these document graphs' `json_share` nodes, as the store holds it (graph → text)."""
    graph, _digest, entries = predicates
    wanted = " ".join(iri_text(g) for g in graphs)
    if not wanted:
        return {}
    query = (
        f"SELECT ?g ?e WHERE {{ GRAPH {iri_text(iris.AGGREGATES)} {{ ?n <{graph}> ?g ; <{entries}> ?e }} "
        f"VALUES ?g {{ {wanted} }} }}"
    )
    return {row["g"]: row["e"] for row in strings(store.select(query))}


def iri_text(value: str) -> str:
    """An IRI as SPARQL text."""
    return term_text(Term("iri", value))


def plain(value: str) -> Term:
    """A plain literal spelled as every backend reads it back (xsd:string), so that triples built
    here and triples read from the store compare equal as they are."""
    return Term("literal", value, XSD_STRING)


def integer(value: int) -> Term:
    """A count as the aggregate graph states it (xsd:integer)."""
    return Term("literal", str(value), XSD_INTEGER)


def stated(store: Store | Scratch, query: str, key: str) -> dict[str, dict[str, set[tuple[str, Term]]]]:
    """graph → key → the (property, value) pairs the key's node states: `query` selects ?g, the
    `key` column, and columns named after the rk: properties they fill (a row per combination;
    unbound cells state nothing)."""
    out: dict[str, dict[str, set[tuple[str, Term]]]] = {}
    for row in store.select(iris.sparql_prefixes() + query).rows:
        graph_iri = row["g"].value
        if graph_iri not in SYSTEM_GRAPHS:
            said = out.setdefault(graph_iri, {}).setdefault(row[key].value, set())
            said.update((str(RK[name]), value) for name, value in row.items() if name not in ("g", key))
    return out


def stated_by(store: Store | Scratch, queries: Iterable[str], key: str) -> dict[str, dict[str, set[tuple[str, Term]]]]:
    """`stated` of several queries with the same key, merged: graph → key → every pair any states."""
    out: dict[str, dict[str, set[tuple[str, Term]]]] = {}
    for query in queries:
        for graph_iri, keys in stated(store, query, key).items():
            for found, said in keys.items():
                out.setdefault(graph_iri, {}).setdefault(found, set()).update(said)
    return out


def stated_nodes(
    graph_iri: str,
    said: Mapping[str, AbstractSet[tuple[str, Term]]],
    node: Callable[[str, str], str],
    typed: tuple[Term, str, str],
    also: Sequence[tuple[str, Term]] = (),
) -> list[Triple]:
    """One node per key `said` has in the graph (`node(graph, key)`), typed and naming its graph
    and key (`typed`: the class, the graph's and the key's predicates), with what `said` has it
    state and the `also` pairs every such node states."""
    node_class, graph_predicate, key_predicate = typed
    out: list[Triple] = []
    for key, facts in sorted(said.items()):
        at = node(graph_iri, key)
        out += [(at, str(RDF.type), node_class), (at, graph_predicate, Term("iri", graph_iri))]
        out += [(at, key_predicate, Term("iri", key)), *((at, p, value) for p, value in also)]
        out += [(at, p, value) for p, value in in_order(facts)]
    return out


def in_order(said: Iterable[tuple[str, Term]]) -> list[tuple[str, Term]]:
    """Stated values in one order (Terms do not compare): the same state is the same text."""
    return sorted(said, key=lambda pair: (pair[0], pair[1].value))


def scratch(graph_iri: str, data: bytes, keys: tuple[bytes, ...], extra: Iterable[bytes] = ()) -> Scratch:
    """One document's lines that hold one of `keys` (terms.lines_with), and the `extra` lines the
    caller picked, in a store of their own: what a write keeps is what the same query gives over
    the whole store, by construction."""
    small = Scratch()
    small.load(graph_iri, b"\n".join([*lines_with(data, keys), *extra]), "application/n-triples")
    return small


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


@dataclass(frozen=True)
class Keyed:
    """Nodes that keep, per document graph and key (a department, a named document), JSON rows
    about the key in that document, and a marker per document graph holding a report or a row:
    what roles (graph/roles.py) and citations (graph/citations.py) keep alike."""

    marker: Callable[[str], Term]  # the graph's marker node (iris.document_roles …)
    node: Callable[[str, str], Term]  # the (graph, key) node (iris.department_roles …)
    marker_class: Term
    node_class: Term
    graph_predicate: str
    key_predicate: str
    rows_predicate: str
    query: str  # SELECT ?g, the key column and the rows' columns, over every document graph
    key: str  # the key's column
    columns: tuple[str, ...]  # a kept row's columns, in the order `rows_as` takes them
    rows_as: Callable[..., tuple]  # the kept row's type (a NamedTuple)
    lines: tuple[bytes, ...]  # what the N-Triples lines `query` and `facts` read hold (terms.lines_with)
    facts: str = ""  # what each node also states as typed values, for saved queries (`stated`)

    def in_store(self, store: Store | Scratch) -> dict[str, dict[str, list]]:
        """graph → key → its rows there (sorted), worked out from the documents."""
        out: dict[str, dict[str, list]] = {}
        for found in strings(store.select(iris.sparql_prefixes() + self.query)):
            if found["g"] not in SYSTEM_GRAPHS:
                row = self.rows_as(*(found[c] for c in self.columns))
                out.setdefault(found["g"], {}).setdefault(found[self.key], []).append(row)
        for keys in out.values():
            for rows in keys.values():
                rows.sort()
        return out

    def stated_in(self, store: Store | Scratch) -> dict[str, dict[str, set[tuple[str, Term]]]]:
        """graph → key → the typed values its node states (none without `facts`)."""
        return stated(store, self.facts, self.key) if self.facts else {}

    def in_document(self, graph_iri: str, data: bytes) -> list[Triple]:
        """One document's nodes, from its N-Triples."""
        small = scratch(graph_iri, data, self.lines)
        found, said = self.in_store(small).get(graph_iri, {}), self.stated_in(small).get(graph_iri, {})
        return self.triples(graph_iri, found, holds_report(data), said)

    def triples(
        self,
        graph_iri: str,
        found: Mapping[str, Sequence],
        report: bool,
        said: Mapping[str, AbstractSet[tuple[str, Term]]],
    ) -> list[Triple]:
        """One node per key the graph has rows for, with what `said` has it state, and the graph's
        marker when it holds a report or a row (what `complete` counts; a rebuild marks the same graphs)."""
        graph = Term("iri", graph_iri)
        marker = self.marker(graph_iri)
        out: list[Triple] = [(marker, str(RDF.type), self.marker_class), (marker, self.graph_predicate, graph)]
        out = out if report or found else []
        for key, rows in sorted(found.items()):
            node = self.node(graph_iri, key)
            text = json.dumps(sorted(rows), ensure_ascii=False, separators=(",", ":"))
            out += [
                (node, str(RDF.type), self.node_class),
                (node, self.graph_predicate, graph),
                (node, self.key_predicate, Term("iri", key)),
                (node, self.rows_predicate, Term("literal", text, XSD_STRING)),
                *((node, p, value) for p, value in in_order(said.get(key, ()))),
            ]
        return out

    def changes(self, writes: Mapping[str, bytes | None], kept: Mapping[str, list[Triple]] | None = None) -> str:
        """SPARQL Update operations (to run in the same request as the documents' writes) that
        replace each written graph's nodes (None: removed with its document); `kept`: each written
        graph's nodes if the caller worked them out already (`in_document`)."""
        triples_of = self.in_document if kept is None else (lambda graph_iri, _data: kept[graph_iri])
        return changes(writes, forget(self.graph_predicate), triples_of)

    def of(self, store: Store, key: str) -> list:
        """Every row kept about `key` across the document graphs, as the writes stored them (a row
        restated in two graphs once)."""
        kept = f"?n <{self.key_predicate}> {iri_text(key)} ; <{self.rows_predicate}> ?rows"
        query = f"SELECT ?rows WHERE {{ GRAPH {iri_text(iris.AGGREGATES)} {{ {kept} }} }}"
        answer = strings(store.select(query))
        return sorted({self.rows_as(*row) for found in answer for row in json.loads(found["rows"])})

    def complete(self, store: Store, reports: AbstractSet[str] | None = None) -> bool:
        """Whether every document graph holding a report (`reports`, if read already) has its
        marker (else the app reads what these nodes keep live)."""
        return complete(store, self.marker_class.value, self.graph_predicate, reports)

    def rebuilt(self, store: Store) -> list[Triple]:
        """Every document's nodes, from the documents (for `graph.aggregates.rebuild`)."""
        found, said = self.in_store(store), self.stated_in(store)
        with_report = report_graphs(store)
        graphs = (set(found) | with_report) - SYSTEM_GRAPHS
        return [t for g in sorted(graphs) for t in self.triples(g, found.get(g, {}), g in with_report, said.get(g, {}))]
