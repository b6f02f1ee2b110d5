"""The default backend: an embedded, on-disk Oxigraph store (the interface is graph/interface.py).

One named graph holds one source document, and replacing it is a single SPARQL Update (with the
corpus-wide aggregate's share of the change, graph/aggregates.py), which Oxigraph applies
atomically: a reader sees the old document or the new one, never half of either, and a failure
leaves the old one in place. A document new to an on-disk store goes through Oxigraph's bulk
loader instead, made all-or-nothing by a marker (see `OxigraphStore._add`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from graph import aggregates, answers, export, guard, scope, terms
from graph.binding import has_dataset_clause, with_leading_values
from graph.guard import Checked
from graph.interface import SYSTEM_GRAPHS, Caps, QueryError, Result, Sink, Store, StoreError, Term, Written
from graph.terms import graph_node, iter_rows, ntriples_bytes
from ontology import iris

log = logging.getLogger(__name__)

AGGREGATES_NODE = ox.NamedNode(iris.AGGREGATES)
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


def _nodes(documents: Sequence[tuple[str, bytes]]) -> dict[ox.NamedNode, bytes]:
    """Documents by checked graph name; each graph may come once."""
    nodes = {graph_node(graph_iri): data for graph_iri, data in documents}
    if len(nodes) < len(documents):
        raise ValueError("each graph may be written once per call")
    return nodes



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
        graph_node(graph_iri)
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
        node = graph_node(graph_iri)
        if not self._store.contains_named_graph(node):
            return False
        self._store.update(f"DROP GRAPH <{graph_iri}>" + aggregates.changes(self, {graph_iri: None}))
        return True

    def update(self, update: str) -> None:
        """Run a SPARQL Update as one transaction: how `graph.aggregates.rebuild` is applied."""
        try:
            self._store.update(update)
        except (OSError, SyntaxError) as error:
            raise StoreError(f"update failed, store unchanged: {error}") from error

    def load(self, graph_iri: str, data: bytes, media_type: str) -> None:
        """Add serialised triples to a named graph without a detour through rdflib (many times faster)."""
        terms.load(self._store, graph_iri, data, media_type)

    def graphs(self) -> list[str]:
        hidden = SYSTEM_GRAPHS | {n.value for n in self._incomplete()}
        return sorted(g.value for g in self._store.named_graphs() if g.value not in hidden)

    def _store_graphs(self) -> list[str]:
        """Every named graph but the aggregate: what the union of documents (and ontology) is made of."""
        return [g.value for g in self._store.named_graphs() if g != AGGREGATES_NODE]

    def _query(self, query: str, bindings: Mapping[str, Term] | None):
        subs = {ox.Variable(k): terms.to_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(
                with_leading_values(query, bindings or {}), use_default_graph_as_union=True, substitutions=subs
            )
        except (SyntaxError, RuntimeError) as error:  # RuntimeError: a query Oxigraph cannot evaluate
            raise QueryError(str(error)) from error
        except OSError as error:
            raise StoreError(str(error)) from error

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        return terms.result(self._query(query, bindings))

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
                return Result(names, terms.rows(rows, names), truncated=truncated)
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
        checked = guard.checked(query)
        dataset = self._protocol_dataset(default_graphs, named_graphs, checked)
        return self._store.query(checked.text, base_iri=base_iri, **dataset)

    def _protocol_dataset(self, default_graphs: Sequence[str], named_graphs: Sequence[str], checked: Checked) -> dict:
        """The dataset options for a protocol query (SPARQL 1.1 Protocol 2.1.4): graphs the request
        names make the whole dataset (a list left empty is empty, as in Oxigraph's server), and win
        over the query's own FROM / FROM NAMED, which win over the store's union of documents.
        Graphs the store does not hold are empty graphs, as the standard has it: Oxigraph fetches none.
        The aggregate graph is no document: a visitor sees it only by naming it (graph/scope.py
        says when Oxigraph's union, which takes it in, must give way to the documents listed)."""
        if default_graphs or named_graphs:
            return {
                "default_graph": [ox.NamedNode(g) for g in default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in named_graphs],
            }
        if has_dataset_clause(checked.text):
            return {}
        if not self._store.contains_named_graph(AGGREGATES_NODE):
            return {"use_default_graph_as_union": True}
        documents = [ox.NamedNode(g) for g in self._store_graphs()]
        named = {} if iris.AGGREGATES in checked.text else {"named_graphs": documents}
        if scope.reaches_aggregate(checked.tree):
            return {"default_graph": documents, **named}
        return {"use_default_graph_as_union": True, **named}

    def write_answer(self, query: str, fmt: str, caps: Caps, sink: Sink, **dataset) -> Written:
        """Written while Oxigraph produces the solutions (or triples), so that only what fits the
        caps is ever held: the query's worker (graph/pool.py) streams it to the web process."""
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
        """The documents (and the ontology): the aggregate graph and documents being written are left out."""
        aggregate = self._store.contains_named_graph(AGGREGATES_NODE)
        return export.dataset(self._store, fmt, {AGGREGATES_NODE, *self._incomplete()} if aggregate else ())

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
        log.info("compacting the store (%d documents bulk-loaded since it was opened)", self._bulk_added)
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


def _unmark(node: ox.NamedNode) -> str:
    """Remove the marker a failed undo may have left on a document being replaced (`_add`)."""
    return f"DELETE WHERE {{ GRAPH {AGGREGATES_NODE} {{ {node} {WRITE_IN_PROGRESS} ?marked }} }}"


def _marks(verb: str, nodes: Iterable[ox.NamedNode]) -> str:
    """INSERT or DELETE the markers naming documents the bulk loader is writing (`OxigraphStore._add`)."""
    body = " ".join(f"{node} {WRITE_IN_PROGRESS} true ." for node in nodes)
    return f"{verb} DATA {{ GRAPH {AGGREGATES_NODE} {{ {body} }} }}"
