"""RDF terms between rectkg's `Term`, rdflib, pyoxigraph and N-Triples text, converted and
escaped by Oxigraph: the helpers the embedded store, the remote store and the aggregate's
bookkeeping share, so that none of them imports another.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from graph.interface import QueryError, Result, StoreError, Term


def to_ox(term: Term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if term.kind == "iri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def from_ox(node) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term("iri", node.value)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    lang = node.language
    dt = None if lang else node.datatype.value
    return Term("literal", node.value, dt, lang)


def rows(solutions, names: list[str]) -> list[dict[str, Term]]:
    """Solutions as rows of Terms. Cells are read in variable order (no lookup by name) and each
    distinct term is converted once per answer: labels and IRIs repeat down a column, and building
    Terms was most of the product's overhead over raw pyoxigraph on answers of thousands of rows."""
    return list(iter_rows(solutions, names))


def iter_rows(solutions, names: list[str]) -> Iterator[dict[str, Term]]:
    """`_rows` one at a time, for answers written while the query runs (graph/answers.py)."""
    memo: dict = {}

    def term(node) -> Term:
        found = memo.get(node)
        if found is None:
            found = memo[node] = from_ox(node)
        return found

    for sol in solutions:
        yield {name: term(node) for name, node in zip(names, sol, strict=True) if node is not None}

def graph_node(graph_iri: str) -> ox.NamedNode:
    """A checked graph name, so it can go into update text: `rectkg remove` passes user input."""
    try:
        return ox.NamedNode(graph_iri)
    except ValueError as error:
        raise StoreError(f"{graph_iri!r} is not a graph name: {error}") from error


def ntriples_bytes(triples: Iterable[tuple]) -> bytes:
    """rdflib triples (a Graph, or the loader's list) as N-Triples, each term written by Oxigraph
    (its N-Triples form, escaped as its serialiser does): many times faster than rdflib's writer.
    Each distinct term (each literal object) is converted once, and lines are joined here rather
    than through ox.Triple objects, whose construction cost more than all the rest. A term Oxigraph
    refuses (an IRI that is not one) raises StoreError before anything is written."""
    nodes: dict = {}
    # Literals by object, not value: rdflib hashes a Literal in Python on every lookup, and the loader
    # hands over each recurring literal as one object. The dict keeps each one alive: no id is reused.
    literals: dict[int, tuple[Literal, str]] = {}

    def node(term) -> str:
        found = nodes.get(term)
        if found is None:
            found = nodes[term] = str(rdflib_to_ox(term))
        return found

    def obj(term) -> str:
        if type(term) is not Literal:
            return node(term)
        found = literals.get(id(term))
        if found is None:
            found = literals[id(term)] = (term, str(rdflib_to_ox(term)))
        return found[1]

    try:
        lines = [f"{node(s)} {node(p)} {obj(o)} .\n" for s, p, o in triples]
    except (ValueError, TypeError) as error:
        raise StoreError(f"not valid RDF, store unchanged: {error}") from error
    return "".join(lines).encode("utf-8")


def ntriples_text(triples: Iterable[tuple[str, str, Term]]) -> str:
    """(subject, predicate, object Term) triples as N-Triples, written (and escaped) by Oxigraph:
    the body of the INSERT/DELETE DATA blocks graph.aggregates sends with every write."""
    out = [ox.Triple(ox.NamedNode(s), ox.NamedNode(p), to_ox(o)) for s, p, o in triples]
    return (ox.serialize(out, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def ntriples_lines(text: str) -> list[str]:
    """N-Triples text as its lines, one triple each. Split at line feeds only: Oxigraph's writer
    leaves U+2028, U+2029 and U+0085 in literals unescaped, and str.splitlines breaks at them too."""
    return [line for line in text.split("\n") if line]


def parse_ntriples(data: bytes) -> Iterator[tuple[str, str, str]]:
    """N-Triples as (subject, predicate, object) values, parsed by Oxigraph: what graph.aggregates
    reads a document's pair nodes with, tens of times faster than rdflib's parser."""
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        yield triple.subject.value, triple.predicate.value, triple.object.value


def lines_with(data: bytes, keys: Iterable[bytes]) -> list[bytes]:
    """The lines of N-Triples `data` holding one of `keys` (e.g. `> <predicate> `), found by bytes.find:
    three times faster than one regular expression over a report's three megabytes, and the write
    path's bookkeeping (graph/aggregates.py, graph/searchable.py) runs this once per write."""
    lines: dict[int, bytes] = {}  # by start, so a line holding two keys is taken once
    for key in keys:
        at = data.find(key)
        while at != -1:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end == -1 else end
            lines[start] = data[start:end]
            at = data.find(key, end)
    return list(lines.values())


def rdflib_to_ox(term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype))
        return ox.Literal(str(term))
    raise TypeError(f"{term!r} is not an RDF term")


def result(answer: ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples) -> Result:
    """pyoxigraph's answer to a SELECT or ASK query as a Result."""
    if isinstance(answer, ox.QueryBoolean):
        return Result([], [], bool(answer))
    if not isinstance(answer, ox.QuerySolutions):
        raise QueryError("expected a SELECT or ASK query")
    names = [v.value for v in answer.variables]
    return Result(names, rows(answer, names))


def load(store: ox.Store, graph_iri: str, data: bytes, media_type: str) -> None:
    """Add serialised triples to a named graph without a detour through rdflib (many times faster)."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise StoreError(f"cannot read RDF sent as {media_type!r}")
    try:
        store.load(data, format=fmt, to_graph=graph_node(graph_iri))
    except (OSError, SyntaxError) as error:
        raise StoreError(f"reading {graph_iri} failed: {error}") from error


class Scratch:
    """Graphs in a pyoxigraph store in memory, read as a Store reads them (SELECT over the union of
    its graphs): where graph/searchable.py reads one document's share and graph/remote.py gathers an
    export, without the embedded store's bookkeeping (aggregate, write markers, files)."""

    def __init__(self) -> None:
        self.store = ox.Store()

    def load(self, graph_iri: str, data: bytes, media_type: str = "application/n-triples") -> None:
        load(self.store, graph_iri, data, media_type)

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        """As Store.select: `bindings` fill variables as RDF terms, never as query text."""
        subs = {ox.Variable(name): to_ox(term) for name, term in (bindings or {}).items()}
        try:
            return result(self.store.query(query, use_default_graph_as_union=True, substitutions=subs))
        except (SyntaxError, RuntimeError) as error:
            raise QueryError(str(error)) from error
