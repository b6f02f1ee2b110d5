"""What rectkg needs of a triple store, and what a store answers with: the one module every backend
builds on.

The embedded store (graph/embedded.py), a SPARQL server (graph/remote.py) and a running server's
admin API (graph/handoff.py) each implement `Store` here, and none imports another; the writers and
helpers they share (graph/answers.py, graph/terms.py, graph/aggregates.py…) build on this module
only. So this module imports nothing of graph/ (tests/test_graph_imports.py holds the import graph
to that): it holds the errors, the answer types (Term, Result, and the caps and spool of a protocol
answer), the names of rectkg's own graphs, and the Store base class.
"""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from rdflib import Graph

from ontology import iris

ONTOLOGY_GRAPH = iris.GRAPH + "ontology"
# Graphs queries read but that are no document: never listed, never removed by document operations.
SYSTEM_GRAPHS = frozenset({ONTOLOGY_GRAPH, iris.AGGREGATES})
# Bytes of one answer the web process keeps in memory before the rest goes to a temporary file.
SPOOL_MEMORY_BYTES = 1024 * 1024


def internal_graph(graph_iri: str) -> bool:
    """rectkg's own graphs (ontology, aggregate, staging): under its base IRI but not a document
    graph, or the ontology's. No write of a document or of a user's data may replace one."""
    return graph_iri == ONTOLOGY_GRAPH or (graph_iri.startswith(iris.BASE) and not graph_iri.startswith(iris.GRAPH))


# -- errors ---------------------------------------------------------------------------------------


class StoreError(Exception):
    """The store could not be opened, read or written. The message says what to do."""


class StoreUnavailable(StoreError):
    """The store, or the server holding it, stopped answering: every later write would fail the
    same way, so a writer stops at the first rather than report each file (a handed-off ingest
    whose server died)."""


class QueryError(StoreError):
    """The query text is not valid SPARQL (the caller's fault: HTTP 400, CLI exit 2)."""


class Outbound(QueryError):
    """The query asks the server to fetch a URL (SERVICE or LOAD; graph/guard.py); keyword says which."""

    def __init__(self, keyword: str):
        super().__init__(f"{keyword} is not allowed: this endpoint does not fetch other URLs")
        self.keyword = keyword


class QueryTimeout(StoreError):
    """The query ran past the time limit and was stopped, or given up on (HTTP 503)."""


# -- answers --------------------------------------------------------------------------------------

# The datatype of a plain literal: backends give it on a Term or leave it out, and writers omit it.
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"  # the aggregate graph's counts
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"


@dataclass(frozen=True)
class Term:
    """One RDF term of a result: kind is 'iri', 'literal' or 'bnode'."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def __str__(self) -> str:
        return self.value


@dataclass
class Result:
    """A SELECT/ASK answer with plain-Python cells, the same whatever backend produced it."""

    variables: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None = None
    truncated: bool = False  # rows were cut at a limit; say so, never silently

    def cut(self, max_rows: int | None) -> Result:
        """At most max_rows rows, the cut announced: every backend limits answers the same way."""
        if max_rows is None or len(self.rows) <= max_rows:
            return self
        return Result(self.variables, self.rows[:max_rows], self.boolean, True)


Sink = Callable[[bytes], None]


@dataclass(frozen=True)
class Caps:
    """The most a protocol answer may hold: solutions, triples and bytes (None: no limit)."""

    rows: int | None = None
    triples: int | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class Written:
    """What was written: rows (or triples) and whether, and by which limit, the answer was cut."""

    count: int
    truncated: bool = False
    cut_by: str | None = None  # "rows", "triples" or "bytes"


class Answer:
    """An answer written under caps into a spool — memory up to SPOOL_MEMORY_BYTES, then a temporary
    file — so the web process can send it on in chunks without holding it. Close it when sent."""

    def __init__(self) -> None:
        self.body: BinaryIO = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self.written = Written(0)
        self.length = 0  # bytes, once written

    def sink(self, data: bytes) -> None:
        self.body.write(data)

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        self.body.seek(0)
        while chunk := self.body.read(size):
            yield chunk

    def close(self) -> None:
        self.body.close()


# -- the store ------------------------------------------------------------------------------------

# The stamp each write leaves in the aggregate graph (graph/aggregates.py writes it).
_VERSION_QUERY = (
    f"SELECT ?v WHERE {{ GRAPH <{iris.AGGREGATES}> {{ <{iris.AGGREGATES}> <{iris.RK.storeVersion}> ?v }} }}"
)


class Store(ABC):
    """What rectkg needs of a triple store. Small on purpose, so a new backend is a small class."""

    # Graph names queries see as documents: any (the embedded store), or only those under this
    # prefix (a SPARQL server, whose own graphs, Virtuoso's system graphs among them, are not rectkg's).
    document_graphs_under = ""
    # Rows a SELECT gives at most (more are cut and the cut announced): what an answer made apart
    # from the engine (graph/alike.py) is cut at too. None: no limit.
    row_limit: int | None = None

    @abstractmethod
    def replace_graph(self, graph_iri: str, graph: Graph) -> None:
        """Make the named graph hold exactly these triples, atomically."""

    def replace_graph_ntriples(self, graph_iri: str, data: bytes) -> None:
        """The same from N-Triples, which is what parallel ingest hands over between processes;
        backends with a faster path than an rdflib Graph override it."""
        self.replace_graph(graph_iri, Graph().parse(data=data, format="nt"))

    def replace_graphs_ntriples(self, documents: Sequence[tuple[str, bytes]]) -> None:
        """Several documents (each graph once) at a time, which a backend may write faster than one
        by one (the embedded store: all or none). Here one by one: a failure may leave the documents
        before it written, so a caller that must know which failed writes them again one at a time."""
        for graph_iri, data in documents:
            self.replace_graph_ntriples(graph_iri, data)

    def replace_graphs_together(self, documents: Sequence[tuple[str, bytes]]) -> None:
        """Several graphs from one source (an RDF file naming graphs of its own), all or none where
        the backend can: here as `replace_graphs_ntriples` (a remote store replaces each graph
        atomically, not the set)."""
        self.replace_graphs_ntriples(documents)

    @abstractmethod
    def remove_graph(self, graph_iri: str) -> bool:
        """Drop a named graph; False when there was none."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """Names of the document graphs (not the ontology graph)."""

    @abstractmethod
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        """Run SELECT or ASK over the union of all graphs, with parameters bound as RDF terms."""

    @abstractmethod
    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> Graph:
        """Run CONSTRUCT or DESCRIBE over the union of all graphs."""

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> Result | Graph:
        """Run any read query form, as the SPARQL 1.1 Protocol asks: SELECT/ASK give a Result,
        CONSTRUCT/DESCRIBE a Graph. No default graphs means the union of all graphs; named graphs
        limit what GRAPH can see. max_rows caps solutions (or triples) so a web request cannot
        materialise the whole store. base_iri resolves relative IRIs (the protocol: the endpoint's).
        Optional: backends that cannot select datasets say so."""
        raise StoreError(f"{type(self).__name__} cannot run protocol queries")

    def write_answer(self, query: str, fmt: str, caps: Caps, sink: Sink, **dataset: Sequence[str]) -> Written:
        """A protocol query's answer (dataset: default_graphs, named_graphs) written in a format of
        graph/answers.py into sink, cut at the caps. Optional, as `query` is."""
        raise StoreError(f"{type(self).__name__} cannot run protocol queries")

    def answer(self, query: str, fmt: str, caps: Caps, **dataset: Sequence[str]) -> Answer:
        """`write_answer` into a spool (memory, then a temporary file) that the caller sends on and closes."""
        spool = Answer()
        try:
            spool.written = self.write_answer(query, fmt, caps, spool.sink, **dataset)
            spool.length = spool.body.tell()
        except BaseException:
            spool.close()
            raise
        return spool

    def version_stamp(self) -> str | None:
        """The stamp the last write left in the aggregate graph (graph/aggregates.py), which keys the
        caches of saved-query answers (None on a store no aggregate-aware write has touched): read
        by a query here; a store that knows it without one (graph/pool.py) overrides this."""
        rows = self.select(_VERSION_QUERY).rows
        return rows[0]["v"].value if rows and "v" in rows[0] else None

    @abstractmethod
    def export(self, fmt: str) -> bytes:
        """Serialise everything: nquads and trig keep the named graphs."""

    @abstractmethod
    def triple_count(self) -> int:
        """Quads in all graphs."""

    def compaction_due(self) -> bool:
        """Whether `compact` would make reads faster after what this process wrote (embedded store)."""
        return False

    def compact(self) -> None:  # noqa: B027 - optional hook
        """Tidy the store's files after a large ingest, where the backend needs it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""
