"""The store interface, and its default backend: an embedded, on-disk Oxigraph store.

Everything above this module (CLI, saved queries, web app, analytics) talks to a `Store`; only
backend modules import pyoxigraph or an HTTP client. One named graph holds one source document,
and replacing it is a single SPARQL Update (with the corpus-wide aggregate's share of the change,
graph/aggregates.py), which Oxigraph applies atomically: a reader sees the old document or the
new one, never half of either, and a failure leaves the old one in place. A document new to an
on-disk store goes through Oxigraph's bulk loader instead, made all-or-nothing by a marker (see
`OxigraphStore._add`).
"""

from __future__ import annotations

import logging
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from ontology import iris

if TYPE_CHECKING:
    from graph.answers import Answer, Caps, Sink, Written

log = logging.getLogger(__name__)

DEFAULT_STORE = "data/store"
ONTOLOGY_GRAPH = iris.GRAPH + "ontology"
# Graphs queries read but that are no document: never listed, never removed by document operations.
SYSTEM_GRAPHS = frozenset({ONTOLOGY_GRAPH, iris.AGGREGATES})
AGGREGATES_NODE = ox.NamedNode(iris.AGGREGATES)


def internal_graph(graph_iri: str) -> bool:
    """rectkg's own graphs (ontology, aggregate, staging): under its base IRI but not a document
    graph, or the ontology's. No write of a document or of a user's data may replace one."""
    return graph_iri == ONTOLOGY_GRAPH or (graph_iri.startswith(iris.BASE) and not graph_iri.startswith(iris.GRAPH))


WRITE_IN_PROGRESS = ox.NamedNode(iris.RK.writeInProgress)
# RocksDB keeps committed writes in memory tables until they are flushed to files; a long ingest
# that never flushes holds about a gigabyte (100 reports: 1,089 MB peak, 286 MB flushing every 10
# documents, for 6 % more time).
FLUSH_EVERY = 10
# The bulk loader writes each load as small files whose keys span the whole store, and reads
# get slower as they pile up (N = 100, first runs: findings 1.57 s, shared-responsibility 2.05 s) until
# RocksDB merges them, which an ingest that ends at once does not wait for. So an ingest that
# added at least 1/COMPACT_SHARE of the store's documents compacts it (`OxigraphStore.compact`;
# N = 100: 1.7 s, and then 0.70 s and 0.82 s): the cost stays in proportion to what was added.
COMPACT_SHARE = 4
# pyoxigraph's bulk loader's files before RocksDB takes them in (oxigraph's new_sst_file: a random u128).
BULK_LEFTOVER = re.compile(r"bulk-[0-9]+\.sst")


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


@dataclass(frozen=True)
class Term:
    """One RDF term of a result: kind is 'iri', 'literal' or 'bnode'."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def __str__(self) -> str:
        return self.value


class Store(ABC):
    """What rectkg needs of a triple store. Small on purpose, so a new backend is a small class."""

    # Graph names queries see as documents: any (the embedded store), or only those under this
    # prefix (a SPARQL server, whose own graphs, Virtuoso's system graphs among them, are not rectkg's).
    document_graphs_under = ""

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
        """A protocol query's answer written in a format of graph/answers.py into sink, cut at the caps.
        Here from the gathered answer (its rows or triples cut by the backend); backends that can
        write while the query runs override it, so that nothing beyond the caps is ever held."""
        from graph import answers  # it builds on this module

        limit = caps.triples if fmt in answers.GRAPH_FORMATS else caps.rows
        return answers.write(self.gather(query, limit, caps.bytes, **dataset), fmt, caps, sink)

    def gather(
        self, query: str, max_rows: int | None, max_bytes: int | None, **dataset: Sequence[str]
    ) -> Result | Graph:
        """The answer `write_answer` writes: `query`'s (dataset: default_graphs, named_graphs). A backend
        that reads answers from elsewhere stops reading at about max_bytes (and sets `cut_by` = "bytes"
        on an answer it cut)."""
        return self.query(query, max_rows=max_rows, **dataset)

    def answer(self, query: str, fmt: str, caps: Caps, **dataset: Sequence[str]) -> Answer:
        """`write_answer` into a spool (memory, then a temporary file) that the caller sends on and closes."""
        from graph.answers import Answer  # it builds on this module

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
        caches of saved-query answers; read by a query here."""
        from graph import aggregates  # it builds on this module

        return aggregates.read_version(self)

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


def open_store(spec: str | None = None, *, read_only: bool = False) -> Store:
    """--store PATH, else $RECTKG_STORE, else ./data/store."""
    spec = spec or os.environ.get("RECTKG_STORE") or DEFAULT_STORE
    if spec.startswith(("http://", "https://")):
        from graph.remote import RemoteStore

        return RemoteStore(spec)
    try:
        return OxigraphStore(spec, read_only=read_only)
    except StoreError:
        from graph.handoff import server_for

        server = server_for(spec)
        if server is None:
            raise
        log.info("store %s is held by the server at %s; handing writes to it", spec, server.url)
        return server


def _to_ox(term: Term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if term.kind == "iri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def _from_ox(node) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term("iri", node.value)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    lang = node.language
    dt = None if lang else node.datatype.value
    return Term("literal", node.value, dt, lang)


def _rows(solutions, names: list[str]) -> list[dict[str, Term]]:
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
            found = memo[node] = _from_ox(node)
        return found

    for sol in solutions:
        yield {name: term(node) for name, node in zip(names, sol, strict=True) if node is not None}


def _nodes(documents: Sequence[tuple[str, bytes]]) -> dict[ox.NamedNode, bytes]:
    """Documents by checked graph name; each graph may come once."""
    nodes = {_graph_node(graph_iri): data for graph_iri, data in documents}
    if len(nodes) < len(documents):
        raise ValueError("each graph may be written once per call")
    return nodes


def _graph_node(graph_iri: str) -> ox.NamedNode:
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
            found = nodes[term] = str(_rdflib_to_ox(term))
        return found

    def obj(term) -> str:
        if type(term) is not Literal:
            return node(term)
        found = literals.get(id(term))
        if found is None:
            found = literals[id(term)] = (term, str(_rdflib_to_ox(term)))
        return found[1]

    try:
        lines = [f"{node(s)} {node(p)} {obj(o)} .\n" for s, p, o in triples]
    except (ValueError, TypeError) as error:
        raise StoreError(f"not valid RDF, store unchanged: {error}") from error
    return "".join(lines).encode("utf-8")


def ntriples_text(triples: Iterable[tuple[str, str, Term]]) -> str:
    """(subject, predicate, object Term) triples as N-Triples, written (and escaped) by Oxigraph:
    the body of the INSERT/DELETE DATA blocks graph.aggregates sends with every write."""
    out = [ox.Triple(ox.NamedNode(s), ox.NamedNode(p), _to_ox(o)) for s, p, o in triples]
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


def _rdflib_to_ox(term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
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


class OxigraphStore(Store):
    """Embedded pyoxigraph store on disk (or in memory when path is None)."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False):
        self.path = None if path is None else Path(path)
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as error:
            hint = " (another rectkg process has it open for writing?)" if "LOCK" in str(error) else ""
            raise StoreError(f"cannot open store {self.path}: {error}{hint}") from error
        self.read_only = read_only
        self._written = 0
        self._bulk_added = 0  # documents `_add` wrote since opening: what `compact` is for
        if not read_only and self.path is not None:
            self._recover()

    def replace_graph(self, graph_iri: str, graph: Graph | Iterable[tuple]) -> None:
        """`graph` may also be the loader's list of triples, which spares building a Graph."""
        _graph_node(graph_iri)
        try:
            data = ntriples_bytes(graph)
        except StoreError as error:
            raise StoreError(f"writing {graph_iri} failed: {error}") from error
        self.replace_graphs_ntriples([(graph_iri, data)])

    def replace_graph_ntriples(self, graph_iri: str, data: bytes) -> None:
        self.replace_graphs_ntriples([(graph_iri, data)])

    def replace_graphs_ntriples(self, documents: Sequence[tuple[str, bytes]]) -> None:
        """In the order given: documents already in the store replaced one transaction each, each
        run of documents new to it added together, all or none (`_add`)."""
        nodes = _nodes(documents)
        new: dict[ox.NamedNode, bytes] = {}
        for node, data in nodes.items():  # single writer: what exists now still does when the write runs
            if self.path is not None and not self._store.contains_named_graph(node):
                new[node] = data
                continue
            if new:
                self._add(new)
                new = {}
            self._replace({node: data})
        if new:
            self._add(new)
        self._wrote(len(nodes))

    def replace_graphs_together(self, documents: Sequence[tuple[str, bytes]]) -> None:
        """All or none: by the bulk loader when every graph is new (`_add`), else in one transaction."""
        nodes = _nodes(documents)
        if self.path is not None and not any(self._store.contains_named_graph(node) for node in nodes):
            self._add(nodes)
        else:
            self._replace(nodes)
        self._wrote(len(nodes))

    def _wrote(self, documents: int) -> None:
        self._written += documents
        if self._written >= FLUSH_EVERY:
            self._store.flush()
            self._written = 0

    def _replace(self, documents: dict[ox.NamedNode, bytes]) -> None:
        """Documents replaced (or added to a store in memory) in one transaction, with their share
        of the aggregate (graph/aggregates.py)."""
        from graph import aggregates  # it builds on this module

        steps = []
        for node, data in documents.items():
            # Dropping a graph that does not exist makes INSERT DATA 100-190 ms slower (N = 30).
            drop = f"DROP SILENT GRAPH {node} ;\n" if self._store.contains_named_graph(node) else ""
            steps.append(f"{drop}INSERT DATA {{ GRAPH {node} {{\n{data.decode('utf-8')}\n}} }} ;\n{_unmark(node)}")
        update = " ;\n".join(steps)
        update += aggregates.changes(self, {node.value: data for node, data in documents.items()})
        try:
            self._store.update(update)
        except (OSError, SyntaxError) as error:
            what = ", ".join(node.value for node in documents)
            raise StoreError(f"writing {what} failed, store unchanged: {error}") from error

    def _add(self, new: dict[ox.NamedNode, bytes]) -> None:
        """Documents new to an on-disk store, by Oxigraph's bulk loader: it writes sorted files
        rather than a transaction, and the aggregate's share of them all is worked out once, while
        the load runs (`python -m bench.write_time`: 379 → 145 ms of writer time a report). The bulk loader is not
        atomic, so markers in the aggregate graph name the documents while they are incomplete:
        written before the load, removed in one transaction with the aggregate's share. A failed
        load is undone here; one cut short (a killed process) by the next writer to open the store
        (`_recover`); a replacement (`_replace`) removes a marker an undo that failed left. Readers
        may see a document a moment before its share of the aggregate and the new store version;
        `graphs` and `export` leave marked documents out."""
        from graph import aggregates  # it builds on this module

        try:
            self._store.update(_marks("INSERT", new))
            with ThreadPoolExecutor(1) as pool:
                load = pool.submit(self._load, new)
                # The load lets go of the GIL. What this reads is the aggregate graph, which it leaves
                # alone, and the new graphs' pairs, which `new` holds anyway, loaded or not.
                bookkeeping = aggregates.changes(self, {node.value: data for node, data in new.items()})
                load.result()
            self._store.update(_marks("DELETE", new) + bookkeeping)
        except BaseException as error:  # whatever stops the write (Ctrl-C too) undoes it
            failure = self._abandon(list(new), error)
            if failure is None:
                raise
            raise failure from error
        self._bulk_added += len(new)

    def _load(self, new: dict[ox.NamedNode, bytes]) -> None:
        """One bulk load for all the documents, each N-Triples document as a TriG graph block (which
        reads it the same): one set of files for the lot, which RocksDB then merges once instead of
        once per document (raw loads, N = 480: 179 → 106 ms a document, flat instead of doubling as
        the store grows). Valid N-Triples holds "}" only inside literals; a text holding one anywhere is
        loaded on its own, so that nothing in it can close its block."""
        alone = {node: data for node, data in new.items() if b"}" in data}
        blocks = b"".join(
            b"%s {\n%s\n}\n" % (str(node).encode(), data) for node, data in new.items() if node not in alone
        )
        try:
            if blocks:
                self._store.bulk_load(blocks, format=ox.RdfFormat.TRIG)
            for node, data in alone.items():
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=node)
        except (OSError, SyntaxError) as error:
            raise StoreError(str(error)) from error

    def _abandon(self, nodes: list[ox.NamedNode], error: BaseException) -> StoreError | None:
        """Undo a failed `_add`; the StoreError to raise for it (None: re-raise `error` as it is)."""
        what = f"writing {nodes[0].value}" + (f" and {len(nodes) - 1} other new documents" if len(nodes) > 1 else "")
        try:
            self._undo(nodes)
        except OSError as also:
            return StoreError(
                f"{what} failed ({error}), and so did undoing it ({also}): "
                "the next `rectkg` command that writes will undo it"
            )
        if not isinstance(error, (OSError, SyntaxError, StoreError)):
            return None
        return StoreError(f"{what} failed, store unchanged: {error}")

    def _undo(self, nodes: list[ox.NamedNode]) -> None:
        """Remove documents the bulk loader left incomplete, and their markers, in one transaction."""
        self._store.update("".join(f"DROP SILENT GRAPH {n} ;\n" for n in nodes) + _marks("DELETE", nodes))

    def _recover(self) -> None:
        """Undo what a write cut short left (see `_add`): the store as it was before that write."""
        self._remove_bulk_leftovers()
        nodes = self._incomplete()
        if not nodes:
            return
        try:
            self._undo(nodes)
        except OSError as error:
            self._store = None
            raise StoreError(f"cannot open store {self.path}: undoing an interrupted write failed: {error}") from error
        log.warning("removed %d document(s) an interrupted write left incomplete: %s", len(nodes), nodes)

    def _remove_bulk_leftovers(self) -> None:
        """Delete the files a bulk load cut short left: pyoxigraph writes each load as `bulk-<n>.sst`
        files in the store's folder, which RocksDB takes in (and so removes) only when the load
        completes, and ignores otherwise (a kill mid-load left 20 MB of them for good). Only a
        writer runs this, and it holds the store's lock, so no load of another process is under way."""
        leftovers = [f for f in self.path.iterdir() if BULK_LEFTOVER.fullmatch(f.name)]
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        if leftovers:
            log.warning("removed %d file(s) an interrupted bulk load left in %s", len(leftovers), self.path)

    def _incomplete(self) -> list[ox.NamedNode]:
        """Documents the bulk loader is writing, or a write cut short left (`_add`)."""
        return [q.subject for q in self._store.quads_for_pattern(None, WRITE_IN_PROGRESS, None, AGGREGATES_NODE)]

    def remove_graph(self, graph_iri: str) -> bool:
        node = _graph_node(graph_iri)
        if not self._store.contains_named_graph(node):
            return False
        from graph import aggregates  # it builds on this module

        self._store.update(f"DROP GRAPH <{graph_iri}>" + aggregates.changes(self, {graph_iri: None}))
        return True

    def update(self, update: str) -> None:
        """Run a SPARQL Update as one transaction: how `graph.aggregates.rebuild` is applied."""
        try:
            self._store.update(update)
        except (OSError, SyntaxError) as error:
            raise StoreError(f"update failed, store unchanged: {error}") from error

    def load(self, graph_iri: str, data: bytes, media_type: str) -> None:
        """Add serialised triples to a named graph without a detour through rdflib (many times faster):
        how the remote backend's export fills an in-memory copy."""
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise StoreError(f"cannot read RDF sent as {media_type!r}")
        try:
            self._store.load(data, format=fmt, to_graph=_graph_node(graph_iri))
        except (OSError, SyntaxError) as error:
            raise StoreError(f"reading {graph_iri} failed: {error}") from error

    def graphs(self) -> list[str]:
        hidden = SYSTEM_GRAPHS | {n.value for n in self._incomplete()}
        return sorted(g.value for g in self._store.named_graphs() if g.value not in hidden)

    def _store_graphs(self) -> list[str]:
        """Every named graph but the aggregate: what the union of documents (and ontology) is made of."""
        return [g.value for g in self._store.named_graphs() if g != AGGREGATES_NODE]

    def _query(self, query: str, bindings: Mapping[str, Term] | None):
        from graph.binding import with_leading_values  # binding builds on this module's Term

        subs = {ox.Variable(k): _to_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(
                with_leading_values(query, bindings or {}), use_default_graph_as_union=True, substitutions=subs
            )
        except (SyntaxError, RuntimeError) as error:  # RuntimeError: a query Oxigraph cannot evaluate
            raise QueryError(str(error)) from error
        except OSError as error:
            raise StoreError(str(error)) from error

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        answer = self._query(query, bindings)
        if isinstance(answer, ox.QueryBoolean):
            return Result([], [], bool(answer))
        if not isinstance(answer, ox.QuerySolutions):
            raise QueryError("expected a SELECT or ASK query")
        names = [v.value for v in answer.variables]
        return Result(names, _rows(answer, names))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> Graph:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        data = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES)
        return Graph().parse(data=data, format="nt")

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> Result | Graph:
        """A visitor's query (the protocol's entry point): run only as graph/guard.py read it, and
        never with SERVICE; the app's own queries come through select/construct unchecked."""
        try:
            answer = self._protocol_query(query, default_graphs, named_graphs, base_iri)
            if isinstance(answer, ox.QueryBoolean):
                return Result([], [], bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                names = [v.value for v in answer.variables]
                rows, truncated = _take(answer, max_rows)
                return Result(names, _rows(rows, names), truncated=truncated)
            triples, truncated = _take(answer, max_rows)
        except (SyntaxError, ValueError, RuntimeError) as error:  # RuntimeError: cannot evaluate
            raise QueryError(str(error)) from error
        except OSError as error:
            raise StoreError(str(error)) from error
        graph = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
        graph.truncated = truncated  # type: ignore[attr-defined]
        return graph

    def _protocol_query(
        self,
        query: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ):
        """Oxigraph's answer to a visitor's query, as checked by graph/guard.py (never a SERVICE)."""
        from graph import guard  # both build on this module's QueryError and Term
        from graph.binding import has_dataset_clause

        query = guard.check(query)
        dataset = self._protocol_dataset(default_graphs, named_graphs, own=has_dataset_clause(query))
        return self._store.query(query, base_iri=base_iri, **dataset)

    def _protocol_dataset(self, default_graphs: Sequence[str], named_graphs: Sequence[str], *, own: bool) -> dict:
        """The dataset options for a protocol query (SPARQL 1.1 Protocol 2.1.4): graphs the request
        names make the whole dataset (a list left empty is empty, as in Oxigraph's server), and win
        over the query's own FROM / FROM NAMED, which win over the store's union of documents.
        Graphs the store does not hold are empty graphs, as the standard has it: Oxigraph fetches none."""
        if default_graphs or named_graphs:
            return {
                "default_graph": [ox.NamedNode(g) for g in default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in named_graphs],
            }
        if own:
            return {}
        dataset: dict = {"use_default_graph_as_union": True}
        if self._store.contains_named_graph(AGGREGATES_NODE):  # GRAPH ?g ranges over documents only
            dataset["named_graphs"] = [ox.NamedNode(g) for g in self._store_graphs()]
        return dataset

    def write_answer(self, query: str, fmt: str, caps: Caps, sink: Sink, **dataset) -> Written:
        """Written while Oxigraph produces the solutions (or triples), so that only what fits the
        caps is ever held: the query's worker (graph/pool.py) streams it to the web process."""
        from graph import answers  # it builds on this module

        try:
            answer = self._protocol_query(query, **dataset)
            if isinstance(answer, ox.QueryBoolean):
                return answers.write_boolean(bool(answer), fmt, sink)
            if isinstance(answer, ox.QuerySolutions):
                names = [v.value for v in answer.variables]
                return answers.write_rows(names, iter_rows(answer, names), fmt, caps, sink)
            lines = (ox.serialize([t], format=ox.RdfFormat.N_TRIPLES).decode("utf-8").rstrip("\n") for t in answer)
            return answers.write_triples(lines, fmt, caps, sink)
        except (SyntaxError, ValueError, RuntimeError) as error:  # RuntimeError: cannot evaluate
            raise QueryError(str(error)) from error
        except OSError as error:
            raise StoreError(str(error)) from error

    def export(self, fmt: str) -> bytes:
        quad_formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        if fmt in quad_formats:
            prefixes = iris.PREFIXES if fmt == "trig" else None
            if not self._store.contains_named_graph(AGGREGATES_NODE):
                return self._store.dump(format=quad_formats[fmt], prefixes=prefixes)
            left_out = {AGGREGATES_NODE, *self._incomplete()}  # the aggregate is no document
            documents = (q for q in self._store if q.graph_name not in left_out)
            return ox.serialize(documents, format=quad_formats[fmt], prefixes=prefixes)
        union = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            use_default_graph_as_union=False,
            default_graph=[ox.NamedNode(g) for g in self._store_graphs()],
        )
        nt = ox.serialize(union, format=ox.RdfFormat.N_TRIPLES)
        return nt if fmt == "ntriples" else _union_as(nt, fmt)

    def triple_count(self) -> int:
        """Quads of the documents (and the ontology), not of the aggregate graph derived from them."""
        derived = sum(1 for _ in self._store.quads_for_pattern(None, None, None, AGGREGATES_NODE))
        return len(self._store) - derived

    def close(self) -> None:
        """Flush and let go of the files: Oxigraph releases its lock when the store is dropped."""
        if self._store is None:
            return
        if not self.read_only and self.path is not None:
            self._store.flush()
        self._store = None

    def compaction_due(self) -> bool:
        """This process added at least 1/COMPACT_SHARE of the store's documents by bulk loads."""
        if self.read_only or self.path is None or not self._bulk_added:
            return False
        return self._bulk_added * COMPACT_SHARE >= len(self.graphs())

    def compact(self) -> None:
        """Merge the files bulk loads left (see COMPACT_SHARE): what `rectkg ingest` does once all
        files are in, when `compaction_due`. It cannot be interrupted, so it is never run on the way
        out of a failure."""
        log.info("compacting the store after adding %d documents", self._bulk_added)
        try:
            self._store.optimize()
        except OSError as error:  # the documents are in; only reads stay slower for a while
            log.warning("compacting the store failed (%s); RocksDB will merge its files in time", error)
            return
        self._bulk_added = 0


def _take(answer, max_rows: int | None) -> tuple[list, bool]:
    """At most max_rows items of a lazy answer, and whether more were left behind."""
    items = []
    for item in answer:
        if max_rows is not None and len(items) >= max_rows:
            return items, True
        items.append(item)
    return items, False


def _union_as(ntriples_data: bytes, fmt: str) -> bytes:
    """Turtle (with the project's prefixes) and compact JSON-LD of the union of all document graphs:
    written as the endpoint writes answers (graph/answers.py)."""
    from graph import answers  # it builds on this module

    union = Graph().parse(data=ntriples_data, format="nt")
    return answers.graph_text(union, fmt).encode("utf-8")


def _unmark(node: ox.NamedNode) -> str:
    """Remove the marker a failed undo may have left on a document being replaced (`_add`)."""
    return f"DELETE WHERE {{ GRAPH {AGGREGATES_NODE} {{ {node} {WRITE_IN_PROGRESS} ?marked }} }}"


def _marks(verb: str, nodes: Iterable[ox.NamedNode]) -> str:
    """INSERT or DELETE the markers naming documents the bulk loader is writing (`OxigraphStore._add`)."""
    body = " ".join(f"{node} {WRITE_IN_PROGRESS} true ." for node in nodes)
    return f"{verb} DATA {{ GRAPH {AGGREGATES_NODE} {{ {body} }} }}"
