"""A store on any SPARQL 1.1 server (Oxigraph server, Virtuoso, Fuseki, GraphDB, QLever, Neptune).

Reads go through the SPARQL 1.1 Protocol with SPARQLWrapper; writes through SPARQL 1.1 Update,
or the Graph Store HTTP Protocol where a server offers it. Settings come from the environment
(see `RemoteSettings.from_env`), credentials too: never from the command line, where every user
of the machine could read them.

Replacing a document's graph must be all-or-nothing, but a large graph does not fit in one
request, and HTTP has no transactions spanning requests. So the triples go, in chunks, into a
fresh *staging* graph, and one final update `MOVE <staging> TO <graph>` swaps them in: a server
applies one update request as a unit, so readers see the old document or the new one, and a
failure (or the server dying) at any point before the MOVE leaves the document as it was. Staging
graphs live outside the document-graph namespace, and every query runs on an explicit dataset
(`default-graph-uri`/`named-graph-uri` = the document graphs and the ontology graph), so they
never show up in results, whatever the server's notion of the default graph: Oxigraph server's
default graph is its own empty graph, Virtuoso's is the union of all graphs, system graphs
included. (RECTKG_SPARQL_DATASET=union trades that for speed: see RemoteSettings.) Staging graphs
left behind by a crash are dropped by a later write once stale.
"""

from __future__ import annotations

import ast
import http.client
import itertools
import json
import logging
import os
import socket
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from rdflib import Graph
from SPARQLWrapper import DIGEST, JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from graph import aggregates, answers, export, guard
from graph.binding import has_dataset_clause, query_form, term_text, with_values
from graph.interface import (
    ONTOLOGY_GRAPH,
    XSD_STRING,
    Caps,
    QueryError,
    QueryTimeout,
    Result,
    Sink,
    Store,
    StoreError,
    Term,
    Written,
)
from graph.terms import Scratch, ntriples_bytes, ntriples_lines
from ontology import iris

log = logging.getLogger(__name__)

T = TypeVar("T")
ENV = "RECTKG_SPARQL_"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
RDF_ACCEPT = "application/n-triples,text/turtle;q=0.9,application/rdf+xml;q=0.5"
RDF_FORMATS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
# Status codes meaning "not processed, try again later"; 502/504 may hide a processed request.
RETRY_ALWAYS = {429, 503}
RETRY_IF_SAFE = {502, 504}


@dataclass(frozen=True)
class RemoteSettings:
    """Where the server's endpoints are, how to log in, how patient to be, and which graphs queries see.

    `union=False` (RECTKG_SPARQL_DATASET=explicit) sends the document graphs as each query's dataset:
    exact, but slow on joins over many documents on Virtuoso. `union=True` sends none and relies on
    the engine's default graph being the union of its graphs, staging graphs of a running ingest
    included.
    """

    query_url: str
    update_url: str | None
    graph_store_url: str | None
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    realm: str = "SPARQL"
    token: str | None = None
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    chunk_triples: int = 1000
    staging_max_age: float = 3600.0
    graphs_ttl: float = 10.0
    union: bool = False

    @classmethod
    def from_env(cls, spec: str, environ: Mapping[str, str] | None = None) -> RemoteSettings:
        """Endpoints from the store URL, each overridable by RECTKG_SPARQL_*; an empty value disables one.

        A bare base URL (`http://host:7878`) means Oxigraph server's layout: /query, /update,
        /store. A URL with a path (`http://host:8890/sparql`) is taken as one endpoint for both
        queries and updates, which is how Virtuoso, Fuseki's dataset URL, QLever and Neptune work.
        """
        env = os.environ if environ is None else environ
        base = spec.rstrip("/")
        if urlsplit(spec).path in ("", "/"):
            query, update, store = base + "/query", base + "/update", base + "/store"
        else:
            query, update, store = spec, spec, None

        def url(name: str, default: str | None) -> str | None:
            value = env.get(ENV + name)
            return default if value is None else (value or None)

        query_url = url("QUERY_URL", query)
        if not query_url:
            raise StoreError(f"{ENV}QUERY_URL is empty: rectkg needs a SPARQL query endpoint")
        auth = env.get(ENV + "AUTH", "basic").lower()
        if auth not in ("basic", "digest"):
            raise StoreError(f"{ENV}AUTH must be basic or digest, not {auth!r}")
        return cls(
            query_url=query_url,
            update_url=url("UPDATE_URL", update),
            graph_store_url=url("GRAPH_STORE_URL", store),
            user=env.get(ENV + "USER") or None,
            password=env.get(ENV + "PASSWORD") or None,
            auth=auth,
            realm=env.get(ENV + "REALM", "SPARQL"),
            token=env.get(ENV + "TOKEN") or None,
            timeout=_number(env, "TIMEOUT", cls.timeout, float),
            retries=_number(env, "RETRIES", cls.retries, int),
            backoff=_number(env, "BACKOFF", cls.backoff, float),
            chunk_triples=max(1, _number(env, "CHUNK", cls.chunk_triples, int)),
            graphs_ttl=_number(env, "GRAPHS_TTL", cls.graphs_ttl, float),
            union=_dataset_mode(env),
        )


def _dataset_mode(env: Mapping[str, str]) -> bool:
    mode = env.get(ENV + "DATASET", "explicit").lower()
    if mode not in ("explicit", "union"):
        raise StoreError(f"{ENV}DATASET must be explicit or union, not {mode!r}")
    return mode == "union"


def _number(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    value = env.get(ENV + name)
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise StoreError(f"{ENV}{name} must be a number, not {value!r}") from None
    if number < 0:  # type: ignore[operator]
        raise StoreError(f"{ENV}{name} must not be negative")
    return number


class RemoteStore(Store):
    """The Store interface over SPARQL 1.1 Protocol, Update and Graph Store HTTP Protocol."""

    document_graphs_under = iris.GRAPH

    def __init__(self, spec: str, *, settings: RemoteSettings | None = None):
        self.spec = spec
        self.settings = settings or RemoteSettings.from_env(spec)
        self._listing: str | None = None  # how this engine lists its graphs, once known
        self._documents: tuple[float, list[str]] | None = None  # (when listed, document graphs)
        self._http = requests.Session()
        if self.settings.token:
            self._http.headers["Authorization"] = f"Bearer {self.settings.token}"
        elif self.settings.user:
            auth_class = requests.auth.HTTPDigestAuth if self.settings.auth == "digest" else requests.auth.HTTPBasicAuth
            self._http.auth = auth_class(self.settings.user, self.settings.password or "")

    def close(self) -> None:
        self._http.close()

    # -- writes ------------------------------------------------------------------------------

    def replace_graph(self, graph_iri: str, graph: Graph) -> None:
        self._documents = None
        s = self.settings
        if s.update_url is None:
            if s.graph_store_url is None:
                raise StoreError(f"{self.spec} is read-only here: set {ENV}UPDATE_URL or {ENV}GRAPH_STORE_URL")
            # Without SPARQL Update there is no swap: one PUT, which the server applies whole.
            self._graph_store("PUT", graph_iri, ntriples_bytes(graph).decode("utf-8"), what=f"writing {graph_iri}")
            return
        self._drop_stale_staging()
        staging = iris.staging_graph(f"{int(time.time())}-{uuid.uuid4().hex}")
        target = _iri(graph_iri)
        try:
            # The aggregate's share of this write travels in the request that swaps the document in.
            data = ntriples_bytes(graph)
            pairs = aggregates.changes(self, {graph_iri: data})
            for chunk in _chunks(data.decode("utf-8"), s.chunk_triples):
                self._append(staging, chunk)
            if not data:
                self._drop(graph_iri, pairs)
                return
        except StoreError as error:
            self._drop_quietly(staging)
            raise StoreError(f"writing {graph_iri} failed, store unchanged: {error}") from error
        try:
            self._update(f"MOVE {_iri(staging)} TO {target}{pairs}", resend_safe=False)
        except StoreError as error:
            self._settle_failed_swap(graph_iri, staging, error)

    def _settle_failed_swap(self, graph_iri: str, staging: str, error: StoreError) -> None:
        """A MOVE that failed may still have happened (only its answer lost): the staging graph tells."""
        try:
            moved = not self._has_triples(staging)
        except StoreError:
            raise StoreError(
                f"writing {graph_iri}: the server stopped answering during the final swap, so it holds either "
                f"the old or the new version; ingest the file again: {error}"
            ) from error
        if moved:
            log.warning("the swap into %s went through although its answer was lost: %s", graph_iri, error)
            return
        self._drop_quietly(staging)
        raise StoreError(f"writing {graph_iri} failed, store unchanged: {error}") from error

    def remove_graph(self, graph_iri: str) -> bool:
        self._documents = None
        if self.settings.update_url is None:
            return self._graph_store("DELETE", graph_iri, None, what=f"removing {graph_iri}", missing_ok=True)
        if not self._has_triples(graph_iri):
            return False
        self._drop(graph_iri, aggregates.changes(self, {graph_iri: None}))
        return True

    def _has_triples(self, graph_iri: str) -> bool:
        # A SELECT, not ASK: Virtuoso 7 answers ASK { GRAPH <g> … } true for a g outside the dataset.
        query = f"SELECT ?s WHERE {{ GRAPH {_iri(graph_iri)} {{ ?s ?p ?o }} }} LIMIT 1"
        body, _ = self._query(query, accept=None, dataset=None)
        return bool(json.loads(body)["results"]["bindings"])

    def _append(self, staging: str, chunk: str) -> None:
        """Add a chunk of N-Triples to the staging graph (re-sending is harmless: sets of triples)."""
        if self.settings.graph_store_url:
            self._graph_store("POST", staging, chunk, what="sending triples")
        else:
            self._update(f"INSERT DATA {{ GRAPH {_iri(staging)} {{\n{chunk}\n}} }}")

    def _drop_stale_staging(self) -> None:
        """Drop staging graphs a crashed ingest left behind; young ones may belong to a running ingest."""
        now = time.time()
        for name in self._graph_names(iris.STAGING):
            started = name[len(iris.STAGING) :].split("-", 1)[0]
            if not started.isdigit() or now - int(started) > self.settings.staging_max_age:
                log.info("dropping stale staging graph %s", name)
                self._drop(name)

    def _drop(self, graph_iri: str, then: str = "") -> None:
        """CLEAR then DROP: Virtuoso ignores DROP SILENT of a graph never CREATEd, yet CLEARs it.
        `then`: further operations that must happen in the same request (graph.aggregates)."""
        g = _iri(graph_iri)
        self._update(f"CLEAR SILENT GRAPH {g} ; DROP SILENT GRAPH {g}{then}")

    def _drop_quietly(self, staging: str) -> None:
        try:
            self._drop(staging)
        except StoreError as error:  # the server is gone; a later write drops the graph once stale
            log.warning("could not drop staging graph %s: %s", staging, error)

    # -- reads -------------------------------------------------------------------------------

    def graphs(self) -> list[str]:
        """The document graphs, listed again once `graphs_ttl` old or after this store wrote.

        Every query needs the list (it is the query's dataset), and on an engine without a graph
        table (Virtuoso) listing means scanning quads, so it is kept a few seconds: a document
        another process ingests shows up within that time.
        """
        now = time.monotonic()
        if self._documents is None or now - self._documents[0] > self.settings.graphs_ttl:
            self._documents = (now, [g for g in self._graph_names(iris.GRAPH) if g != ONTOLOGY_GRAPH])
        return list(self._documents[1])

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        form = query_form(query)
        if form not in ("SELECT", "ASK"):
            raise QueryError("expected a SELECT or ASK query")
        body, _ = self._query(with_values(query, bindings or {}), accept=None, dataset=self._query_dataset(query))
        return self._result(form, body)

    def _result(self, form: str, body: bytes) -> Result:
        """SPARQL JSON results as a Result, shaped as the embedded store shapes its answers."""
        try:
            answer = json.loads(body)
        except ValueError as error:
            raise StoreError(f"{self.settings.query_url} sent results that are not JSON: {error}") from error
        if "boolean" in answer:
            return Result([], [], bool(answer["boolean"]))
        if form == "ASK":  # Virtuoso 7 answers ASK with a one-cell table: __ASK_RETVAL = 1 or 0
            cells = [cell["value"] for b in answer["results"]["bindings"] for cell in b.values()]
            return Result([], [], bool(cells) and cells[0] not in ("0", "false"))
        names = answer["head"].get("vars", [])
        rows = [{name: _term(cell) for name, cell in b.items()} for b in answer["results"]["bindings"]]
        return Result(names, rows)

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> Graph:
        if query_form(query) not in ("CONSTRUCT", "DESCRIBE"):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return self._construct(with_values(query, bindings or {}), self._query_dataset(query))

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
        max_bytes: int | None = None,
        base_iri: str | None = None,
    ) -> Result | Graph:
        """A protocol query as the web app's /sparql forwards it, answered as the embedded store does.

        The form is checked here, before anything is sent: Virtuoso's query endpoint runs updates
        too, and a SERVICE would have the server fetch a URL the visitor chose (graph/guard.py).
        No default graphs means the union of the documents; no named graphs, the documents; a
        query with its own FROM / FROM NAMED (and no protocol dataset) keeps it. Rows (triples)
        beyond max_rows are dropped and the cut announced, as the embedded store does.
        """
        query = guard.check(query if base_iri is None else f"BASE <{base_iri}>\n{query}")
        form = query_form(query)
        default = named = None  # nothing sent: the query's own FROM, or the engine's union (DATASET=union)
        if default_graphs or named_graphs or not (self.settings.union or has_dataset_clause(query)):
            default = list(default_graphs) or self._dataset()
            named = list(named_graphs) or self._dataset()
        if form in ("SELECT", "ASK"):
            body, _ = self._query(query, accept=None, dataset=default, named=named, max_bytes=max_bytes)
            if max_bytes is not None and len(body) > max_bytes:
                return _cut_result(body[:max_bytes], max_bytes).cut(max_rows)
            return self._result(form, body).cut(max_rows)
        graph = self._construct(query, default, named, max_bytes)
        truncated = max_rows is not None and len(graph) > max_rows
        if max_rows is not None and truncated:
            graph = _first(graph, max_rows)
        graph.truncated = truncated or getattr(graph, "cut_by", None) == "bytes"  # type: ignore[attr-defined]
        return graph

    def gather(
        self, query: str, max_rows: int | None, max_bytes: int | None, **dataset: Sequence[str]
    ) -> Result | Graph:
        """`query`, reading at most max_bytes of the server's answer: the whole rows (or N-Triples
        lines) within them are the answer, cut by bytes; what the server sends beyond is not read."""
        return self.query(query, max_rows=max_rows, max_bytes=max_bytes, **dataset)

    def write_answer(self, query: str, fmt: str, caps: Caps, sink: Sink, **dataset: Sequence[str]) -> Written:
        """Written from the gathered answer: the server sends it whole, so what is read stops at the
        byte cap (`gather`) and the rows or triples kept at the others."""
        limit = caps.triples if fmt in answers.GRAPH_FORMATS else caps.rows
        return answers.write(self.gather(query, limit, caps.bytes, **dataset), fmt, caps, sink)

    def export(self, fmt: str) -> bytes:
        """Each graph fetched on its own (keeping graph names), then written as the embedded store does."""
        copy = Scratch()
        for name in self._graph_names(iris.GRAPH):
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(name)} {{ ?s ?p ?o }} }}"
            copy.load(name, *self._query(query, accept=RDF_ACCEPT, dataset=None))
        return export.dataset(copy.store, fmt)

    def triple_count(self) -> int:
        names = self._dataset()
        body, _ = self._query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", accept=None, dataset=names)
        rows = json.loads(body)["results"]["bindings"]
        return int(rows[0]["n"]["value"]) if rows else 0

    def _graph_names(self, prefix: str) -> list[str]:
        """Named graphs under a prefix, asked of the whole store (no dataset, so staging graphs too)."""
        query = (
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {self._graph_pattern()} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        body, _ = self._query(query, accept=None, dataset=None)
        return sorted(row["g"]["value"] for row in json.loads(body)["results"]["bindings"] if "g" in row)

    def _graph_pattern(self) -> str:
        """`GRAPH ?g {}` reads the engine's list of graphs (Oxigraph: instant, where a scan of the quads
        takes seconds), but Virtuoso answers it with an unbound row: then scan."""
        if self._listing is None:
            body, _ = self._query("SELECT ?g WHERE { GRAPH ?g { } } LIMIT 3", accept=None, dataset=None)
            rows = json.loads(body)["results"]["bindings"]
            if not rows:  # no graphs at all, or an engine that lists none this way: ask again next time
                return "{ ?s ?p ?o }"
            self._listing = "{ }" if all("g" in row for row in rows) else "{ ?s ?p ?o }"
        return self._listing

    def _query_dataset(self, query: str = "") -> list[str] | None:
        """Explicit by default; with DATASET=union, none: the engine's default graph must then be the union
        of its named graphs, which is much faster for joins over many documents on Oxigraph server and
        Virtuoso, but lets a running ingest's staging graph (and Virtuoso's system graphs) be seen."""
        if self.settings.union:
            return None
        # The aggregate graph (graph.aggregates) is no document: only a query that names it sees it.
        return self._dataset() + ([iris.AGGREGATES] if iris.AGGREGATES in query else [])

    def _dataset(self) -> list[str]:
        """The graphs queries see: the ontology graph (present or not, so the list is never empty) and the documents."""
        return [ONTOLOGY_GRAPH, *self.graphs()]

    def _construct(
        self,
        query: str,
        dataset: list[str] | None = None,
        named: list[str] | None = None,
        max_bytes: int | None = None,
    ) -> Graph:
        body, content_type = self._query(query, accept=RDF_ACCEPT, dataset=dataset, named=named, max_bytes=max_bytes)
        fmt = RDF_FORMATS.get(content_type)
        if fmt is None:
            raise StoreError(f"{self.settings.query_url} answered a CONSTRUCT with {content_type!r}, not RDF")
        cut = max_bytes is not None and len(body) > max_bytes
        if cut and fmt != "nt":
            raise QueryError(_too_large(max_bytes, f"the server sent {content_type}, which cannot be cut"))
        graph = Graph().parse(data=body[: body.rfind(b"\n") + 1] if cut else body, format=fmt)
        if cut:
            graph.cut_by = "bytes"  # type: ignore[attr-defined]
        return graph

    # -- HTTP --------------------------------------------------------------------------------

    def _wrapper(self, endpoint: str) -> SPARQLWrapper:
        s = self.settings
        sw = SPARQLWrapper(endpoint, updateEndpoint=endpoint)
        sw.setMethod(POST)
        sw.setOnlyConneg(True)
        sw.timeout = s.timeout or None  # setTimeout() would round it down to whole seconds
        if s.token:
            sw.addCustomHttpHeader("Authorization", f"Bearer {s.token}")
        elif s.user:
            sw.setHTTPAuth(DIGEST if s.auth == "digest" else "BASIC")
            sw.setCredentials(s.user, s.password or "", realm=s.realm)
        return sw

    def _query(
        self,
        query: str,
        *,
        accept: str | None,
        dataset: list[str] | None,
        named: list[str] | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        """One query with `dataset` as its default graphs and as its named graphs, unless `named` differs;
        of the answer, at most max_bytes + 1 bytes are read (more than max_bytes: it was cut)."""
        sw = self._wrapper(self.settings.query_url)
        sw.setRequestMethod(URLENCODED)  # form-encoded, so the dataset parameters travel in the body
        sw.setQuery(query)
        # SPARQLWrapper guesses the form by searching the text for keywords, and its comment
        # stripper misses every other line of a comment block: a comment saying "loaders/" made
        # it send a SELECT as an update. The form read by our own tokenizer is reliable.
        sw.queryType = query_form(query)
        sw.setReturnFormat(TURTLE if accept else JSON)
        if accept:
            sw.addCustomHttpHeader("Accept", accept)
        for name in dataset or ():
            sw.addDefaultGraph(name)
        for name in (dataset if named is None else named) or ():
            sw.addNamedGraph(name)

        def run() -> tuple[bytes, str]:
            response = sw.query().response
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = response.read() if max_bytes is None else response.read(max_bytes + 1)
            response.close()
            return body, content_type

        return self._retrying("query", run, resend_safe=True, query=True)

    def _update(self, update: str, *, resend_safe: bool = True) -> None:
        self._documents = None  # any update may add or drop documents: list them afresh
        sw = self._wrapper(self.settings.update_url or "")
        sw.setRequestMethod(POSTDIRECTLY)  # the update as the body: no form-encoding of long texts
        sw.setQuery(update)
        self._retrying("update", lambda: sw.query().response.read(), resend_safe=resend_safe)

    def _graph_store(self, method: str, graph_iri: str, data: str | None, *, what: str, missing_ok=False) -> bool:
        """One Graph Store HTTP Protocol request; False when the graph was missing and that is fine."""
        url = self.settings.graph_store_url or ""

        def run() -> bool:
            response = self._http.request(
                method,
                url,
                params={"graph": graph_iri},
                data=None if data is None else data.encode("utf-8"),
                headers={"Content-Type": "text/turtle; charset=utf-8"} if data is not None else {},
                timeout=self.settings.timeout,
            )
            if missing_ok and response.status_code == 404:
                return False
            response.raise_for_status()
            return True

        return self._retrying(what, run, resend_safe=True)

    def _retrying(self, what: str, action: Callable[[], T], *, resend_safe: bool, query: bool = False) -> T:
        """Run one request, retrying transient failures with exponential back-off.

        By hand rather than by urllib3's `Retry`, which a requests session could mount: queries and
        updates go through SPARQLWrapper (urllib), which `Retry` cannot reach, so it would cover the
        Graph Store requests only and leave two policies; and what may be sent again depends on the
        request, not on its HTTP method (queries and updates alike are POSTs): the final MOVE of a
        write is never resent after a 502/504 or a broken connection (`_settle_failed_swap` finds out
        whether it happened), while a query or a staging chunk is."""
        delay = self.settings.backoff
        for attempt in range(self.settings.retries + 1):
            try:
                return action()
            except Exception as error:
                if attempt < self.settings.retries and _transient(error, resend_safe):
                    log.warning("%s at %s failed (%s); retrying in %.1f s", what, self.spec, _describe(error), delay)
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise self._error(what, error, query=query, attempts=attempt + 1) from error
        raise AssertionError("unreachable")

    def _error(self, what: str, error: Exception, *, query: bool, attempts: int) -> StoreError:
        if query and isinstance(error, QueryBadFormed):
            return QueryError(f"the SPARQL server rejected the query: {_describe(error)}")
        if isinstance(error, Unauthorized) or _status(error) in (401, 403):
            hint = f"check {ENV}USER, {ENV}PASSWORD, {ENV}AUTH or {ENV}TOKEN"
            return StoreError(f"{what}: {self.spec} refused the credentials ({hint})")
        if isinstance(error, EndPointNotFound) or _status(error) == 404:
            return StoreError(f"{what}: no SPARQL endpoint there on {self.spec} (set {ENV}QUERY_URL/UPDATE_URL)")
        if _timed_out(error):
            hint = f"raise {ENV}TIMEOUT, or narrow the query"
            kind = QueryTimeout if query else StoreError  # a query past the limit is a 503, not our failure
            return kind(f"{what}: {self.spec} gave no answer within {self.settings.timeout:g} s ({hint})")
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return StoreError(f"{what} on SPARQL server {self.spec} failed{tries}: {_describe(error)}")


def _iri(name: str) -> str:
    """A graph name as SPARQL text, checked by the term serialiser: `rectkg remove` passes user input."""
    return term_text(Term("iri", name))


def _too_large(max_bytes: int, why: str) -> str:
    return f"the answer is larger than MAX_RESULT_BYTES ({max_bytes} bytes) and {why}; narrow the query down"


def _cut_result(body: bytes, max_bytes: int) -> Result:
    """The whole rows at the start of a SPARQL JSON results document cut short at max_bytes, read one
    binding at a time: the head comes first in the answers of Oxigraph, Virtuoso, Fuseki and QLever."""
    text = body.decode("utf-8", "ignore")
    decoder = json.JSONDecoder()
    head, bindings = text.find('"vars"'), text.find('"bindings"')
    if not 0 <= head < bindings:
        raise QueryError(_too_large(max_bytes, "its head does not come first"))
    names, _ = decoder.raw_decode(text, text.index("[", head))
    rows, position = [], text.index("[", bindings) + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            binding, position = decoder.raw_decode(text, position)
        except ValueError:  # the cut row, or the end of the list
            break
        rows.append({name: _term(cell) for name, cell in binding.items()})
    result = Result(names, rows, truncated=True)
    result.cut_by = "bytes"  # type: ignore[attr-defined]
    return result


def _first(graph: Graph, count: int) -> Graph:
    """The first `count` triples of a graph, in no particular order (as a cut-short answer is)."""
    cut = Graph()
    for triple in itertools.islice(graph, count):
        cut.add(triple)
    return cut


def _chunks(nt: str, size: int) -> Iterator[str]:
    """N-Triples has one triple per line, so `size` lines are `size` triples."""
    lines = ntriples_lines(nt)
    for start in range(0, len(lines), size):
        yield "\n".join(lines[start : start + size])


def _term(cell: Mapping[str, str]) -> Term:
    """A SPARQL JSON results cell as a Term, shaped as the embedded store shapes it."""
    kind = cell["type"]
    if kind == "uri":
        return Term("iri", cell["value"])
    if kind == "bnode":
        return Term("bnode", cell["value"])
    lang = cell.get("xml:lang")
    datatype = None if lang else cell.get("datatype", XSD_STRING)
    value = cell["value"]
    if datatype == XSD_BOOLEAN:  # Virtuoso writes booleans as 1/0: same value, not the canonical form
        value = {"1": "true", "0": "false"}.get(value, value)
    return Term("literal", value, datatype, lang)


def _status(error: Exception) -> int | None:
    if isinstance(error, urllib.error.HTTPError):
        return error.code
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return error.response.status_code
    return None


def _transient(error: Exception, resend_safe: bool) -> bool:
    """Worth another try: the server is busy, restarting, or the connection broke."""
    status = _status(error)
    if status is not None:
        return status in RETRY_ALWAYS or (resend_safe and status in RETRY_IF_SAFE)
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True  # the request never reached the server
    if _timed_out(error):
        return False  # the server is still working on it: a second try would only wait as long again
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, ConnectionRefusedError) or "refused" in str(reason).lower():
        return True  # the request never reached the server
    broken = (ConnectionError, http.client.HTTPException, urllib.error.URLError, requests.ConnectionError)
    return resend_safe and isinstance(reason, broken)


def _timed_out(error: Exception) -> bool:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, TimeoutError | socket.timeout | requests.ReadTimeout)


def _describe(error: Exception) -> str:
    """The server's own first line where there is one, else the client's."""
    if isinstance(error, SPARQLWrapperException) and "Response:\n" in str(error):
        raw = str(error).split("Response:\n", 1)[1]
        try:
            text = ast.literal_eval(raw).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            text = raw
        return next((line.strip() for line in text.splitlines() if line.strip()), type(error).__name__)
    if isinstance(error, requests.HTTPError) and error.response is not None:
        first = error.response.text.strip().splitlines()[:1]
        return f"HTTP {error.response.status_code}" + (f": {first[0]}" if first else "")
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect: {error.reason}"
    return str(error) or type(error).__name__
