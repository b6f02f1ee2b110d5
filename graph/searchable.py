"""Search's share of each document, kept in the aggregate graph and written with the document.

Search (webapp/search.py) used to read every finding, measure, department and document of the
whole graph on the first search after each write: 21–29 s at a thousand reports, past the app's
time limit. Each document graph's searchable text depends on that graph alone, so, as for the
department-pair aggregate (graph/aggregates.py), the write that adds, replaces or removes a
document also writes its `rk:SearchShare` node in the aggregate graph, in the same request: the
entries search indexes (kind, IRI, title, text, context) as JSON, and a digest of them. The app
lists the digests (one small row per document) and reads the entries of the documents whose
digest it has not indexed yet, so a write costs it one document's share, and a restart reads the
shares as they are instead of querying the documents.

The entries are the answers of the same SPARQL over the one graph (`QUERIES`), run on a small
in-memory store holding only the lines those queries read: the share computed at write time and
the one `shares` computes from a stored graph are the same by construction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rdflib.namespace import DCTERMS, RDF, SKOS

from graph import per_document
from graph.interface import SYSTEM_GRAPHS, Store, Term
from graph.results import strings
from graph.terms import Scratch, lines_with
from ontology import iris
from ontology.iris import ORG, RK

_iri = per_document.iri_text

KINDS = ("department", "finding", "measure", "document")
# One query per kind, per document graph; each row one entry. A department's aliases are separated
# by line feeds (sorted: GROUP_CONCAT's order is the engine's), which search reads as spaces.
_COLUMNS = "?g ?iri ?title ?text ?context"
QUERIES = {
    "department": """
SELECT ?g ?iri (MIN(STR(?p)) AS ?title) (GROUP_CONCAT(DISTINCT STR(?alt); separator="\\n") AS ?text)
       ("" AS ?context)
WHERE { GRAPH ?g { ?iri a ?c ; skos:prefLabel ?p . FILTER(?c IN (org:Organization, org:OrganizationalUnit))
        OPTIONAL { ?iri skos:altLabel ?alt } } %s }
GROUP BY ?g ?iri""",
    "finding": """
SELECT ?g ?iri (STR(?t) AS ?title) (COALESCE(STR(?lead), "") AS ?text) (CONCAT(STR(?n), " · ", STR(?rt)) AS ?context)
WHERE { GRAPH ?g { ?iri a rk:Finding ; dcterms:title ?t ; rk:number ?n ; rk:report/dcterms:title ?rt .
        OPTIONAL { ?iri rk:lead ?lead } } %s }""",
    "measure": """
SELECT ?g ?iri (STR(?ft) AS ?title) (STR(?t) AS ?text) (CONCAT(STR(?n), " · ", STR(?rt)) AS ?context)
WHERE { GRAPH ?g { ?iri a rk:Measure ; rk:text ?t ; rk:finding ?f . ?f dcterms:title ?ft ; rk:number ?n ;
        rk:report/dcterms:title ?rt } %s }""",
    "document": """
SELECT ?g ?iri (STR(?t) AS ?title) (COALESCE(STR(?id), "") AS ?text) ("" AS ?context)
WHERE { GRAPH ?g { ?iri a rk:NamedDocument ; dcterms:title ?t . OPTIONAL { ?iri dcterms:identifier ?id } } %s }""",
}
# The report a document graph holds: the hit of a restated document lists the reports citing it.
_REPORT = "SELECT ?g ?iri (STR(?t) AS ?title) WHERE { GRAPH ?g { ?iri a rk:Report ; dcterms:title ?t } %s }"
# The lines QUERIES read: their predicates, and the types they select on.
_PREDICATES = (DCTERMS.title, DCTERMS.identifier, SKOS.prefLabel, SKOS.altLabel, RK.lead, RK.number, RK.report)
_TYPED = (RK.Finding, RK.Measure, RK.NamedDocument, RK.Report, ORG.Organization, ORG.OrganizationalUnit)
_KEYS = tuple(f"> <{p}> ".encode() for p in (*_PREDICATES, RK.text, RK.finding)) + tuple(
    f"> <{RDF.type}> <{c}> ".encode() for c in _TYPED
)
_KEPT_AS = (str(RK.searchGraph), str(RK.searchDigest), str(RK.searchEntries))
Entry = tuple[str, str, str, str, str]  # kind, IRI, title, text, context


@dataclass(frozen=True)
class Share:
    """What one document graph gives search: its entries, and its report (IRI, title) if it has one."""

    entries: tuple[Entry, ...]
    report: tuple[str, str] | None = None

    def to_json(self) -> str:
        """One spelling per share (sorted entries), so that its digest says whether it changed."""
        body = {"report": self.report, "entries": sorted(self.entries)}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Share:
        body = json.loads(text)
        report = tuple(body["report"]) if body["report"] else None
        return cls(tuple(tuple(e) for e in body["entries"]), report)  # type: ignore[arg-type]


def share_in(graph_iri: str, data: bytes) -> Share:
    """The share of one document, from its N-Triples: the lines QUERIES read, in a store of their own
    (a few hundred of a report's ten thousand lines; ~20 ms a report)."""
    small = Scratch()
    small.load(graph_iri, b"\n".join(lines_with(data, _KEYS)), "application/n-triples")
    return shares(small).get(graph_iri, Share(()))


def shares(store: Store | Scratch, graphs: Iterable[str] | None = None) -> dict[str, Share]:
    """The shares of the store's document graphs (only `graphs`, if given), read from the documents:
    for a store written before search shares existed, and for `rebuild`."""
    values = "" if graphs is None else f"VALUES ?g {{ {' '.join(_iri(g) for g in graphs)} }}"
    prefixes = iris.sparql_prefixes()
    entries: dict[str, list[Entry]] = {}
    for kind, query in QUERIES.items():
        for row in _rows(store, prefixes + query % values):
            text = row["text"] if kind != "department" else "\n".join(sorted(set(row["text"].split("\n"))))
            entries.setdefault(row["g"], []).append((kind, row["iri"], row["title"], text, row["context"]))
    reports = {row["g"]: (row["iri"], row["title"]) for row in _rows(store, prefixes + _REPORT % values)}
    return {
        g: Share(tuple(sorted(found)), reports.get(g)) for g, found in entries.items() if g not in SYSTEM_GRAPHS
    } | {g: Share((), report) for g, report in reports.items() if g not in entries and g not in SYSTEM_GRAPHS}


def _rows(store: Store | Scratch, query: str) -> list[dict[str, str]]:
    return strings(store.select(query))


def changes(writes: Mapping[str, bytes | None], share_of: Callable[[str, bytes], Share] = share_in) -> str:
    """SPARQL Update operations (to run in the same request as the documents' writes) that replace
    each written graph's share node (None: removed with its document). Nothing is read from the
    store: a share depends on its document alone."""
    return per_document.changes(writes, _forget, lambda graph_iri, data: triples(graph_iri, share_of(graph_iri, data)))


def triples(graph_iri: str, share: Share) -> list[tuple[str, str, Term]]:
    node = iris.search_share(graph_iri)
    return per_document.json_share(node, str(RK.SearchShare), _KEPT_AS, graph_iri, share.to_json())


def _forget(graph_iri: str) -> str:
    node, graph = _iri(iris.search_share(graph_iri)), _iri(iris.AGGREGATES)
    return f"DELETE WHERE {{ GRAPH {graph} {{ {node} ?p ?o }} }}"


def digests(store: Store) -> dict[str, str]:
    """Each document graph's share digest, as the store holds it now: one short row per document."""
    return {row["g"]: row["d"] for row in strings(per_document.json_share_digests(store, _KEPT_AS))}


def stored(store: Store, graphs: Iterable[str]) -> dict[str, Share]:
    """The shares the store holds for these graphs (their JSON, read from the aggregate graph)."""
    return {g: Share.from_json(text) for g, text in per_document.json_share_texts(store, _KEPT_AS, graphs).items()}
