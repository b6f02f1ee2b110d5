"""Shared responsibility across the whole corpus, kept up to date by every write.

"Which departments share findings" over a thousand reports is a self-join of tens of thousands
of involvements; even read from the organisations the loader lists on each finding (rk:sharedBy,
loaders/projections.py), it touches every pair of every report. So the store also keeps one
`rk:DepartmentPair` node per pair of organisations, with the answer's row already worked out
(both labels, the number of shared findings, their printed numbers in document order), in a graph
of its own (`iris.AGGREGATES`). queries/shared-responsibility.rq reads those nodes.

Consistency comes from where the bookkeeping happens: `changes` works out, before a document's
graph is replaced or removed, which pair nodes that write alters, and the store sends the result
in the *same* update request as the document itself (embedded: one pyoxigraph transaction;
remote: the request holding the final `MOVE`). A failed write therefore leaves both unchanged.
Each pair node keeps its contributions per document graph (`rk:pairContributions`, JSON), so a
document's share can be taken out again without re-reading the corpus. Writes are single-writer
(ingest holds the store), which is what makes reading the old state before the update safe.

Documents written before rk:sharedBy (up to 2026-11) hold one rk:SharedResponsibility node per
finding and pair instead; `changes` and `rebuild` read those too, so a store filled then stays
right when such a document is replaced or removed.

Every write also stamps a fresh `rk:storeVersion`, which `version` reads: a cache of answers keyed
by it (queries.catalog) can never outlive the data it was computed from.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from rdflib.namespace import RDF, SKOS

from graph import (
    alike_shares,
    citations,
    cited_titles,
    finding_parties,
    per_document,
    report_counts,
    roles,
    searchable,
    summaries,
)
from graph.interface import Store, Term
from graph.terms import lines_with, ntriples_lines, ntriples_text, parse_ntriples
from ontology import iris
from ontology.iris import RK

log = logging.getLogger(__name__)

_iri = per_document.iri_text

# The pairs a document contributes, and every document's contributions, from rk:sharedBy or
# from the per-pair nodes documents written before it hold (see the module's docstring).
_PAIRS_OF_GRAPHS = """SELECT DISTINCT ?a ?b WHERE {{ GRAPH ?g {{
  {{ ?f rk:sharedBy ?a , ?b FILTER(STR(?a) < STR(?b)) }}
  UNION {{ ?n a rk:SharedResponsibility ; rk:firstAgent ?a ; rk:secondAgent ?b }}
}} VALUES ?g {{ {graphs} }} }}"""
_STATE = "SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} VALUES ?s {{ {nodes} }} }}"
_ALL_CONTRIBUTIONS = """SELECT ?g ?a ?b ?la ?lb ?report ?order ?number WHERE { GRAPH ?g {
  { ?f rk:sharedBy ?a , ?b FILTER(STR(?a) < STR(?b))
    ?a skos:prefLabel ?la . ?b skos:prefLabel ?lb . ?f rk:report ?report ; rk:order ?order ; rk:number ?number }
  UNION
  { ?n a rk:SharedResponsibility ; rk:firstAgent ?a ; rk:secondAgent ?b ; rk:firstLabel ?la ;
       rk:secondLabel ?lb ; rk:inReport ?report ; rk:findingOrder ?order ; rk:findingNumber ?number } } }"""


@dataclass
class PairTotal:
    """One pair of organisations and, per document graph, the findings they share there."""

    first: str
    second: str
    first_label: str
    second_label: str
    # graph IRI → (report IRI, [(finding order, printed number), …])
    shares: dict[str, tuple[str, list[tuple[int, str]]]] = field(default_factory=dict)

    @property
    def iri(self) -> str:
        return iris.department_pair(self.first, self.second)

    def absorb(self, other: PairTotal) -> None:
        """Take `other`'s shares (the same pair, in other documents) and labels, the latest written."""
        if other is not self:
            self.shares.update(other.shares)
            self.first_label, self.second_label = other.first_label, other.second_label

    def numbers(self) -> list[str]:
        """Printed numbers in document order: by report IRI, then finding order (as the live query sorts)."""
        ordered = sorted((report, order, number) for report, found in self.shares.values() for order, number in found)
        return [number for _report, _order, number in ordered]

    def triples(self) -> list[tuple[str, str, Term]]:
        node, numbers = self.iri, self.numbers()
        shares = {g: (report, sorted(found)) for g, (report, found) in self.shares.items()}  # one spelling per state
        contributions = json.dumps(shares, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return [
            (node, _TYPE, _PAIR_CLASS),
            (node, _MEMBER, Term("iri", self.first)),
            (node, _MEMBER, Term("iri", self.second)),
            (node, _FIRST_LABEL, _text(self.first_label)),
            (node, _SECOND_LABEL, _text(self.second_label)),
            (node, _FINDINGS, per_document.integer(len(numbers))),
            (node, _NUMBERS, _text(" ".join(numbers))),
            (node, _CONTRIBUTIONS, _text(contributions)),
        ]


# Predicates as plain strings: an rdflib Namespace attribute costs a call, and these are read per
# pair node, thousands of times a write.
_TYPE, _PAIR_CLASS = str(RDF.type), Term("iri", str(RK.DepartmentPair))
_MEMBER, _FIRST_LABEL, _SECOND_LABEL = str(RK.pairMember), str(RK.pairFirstLabel), str(RK.pairSecondLabel)
_FINDINGS, _NUMBERS, _CONTRIBUTIONS = str(RK.pairFindings), str(RK.pairFindingNumbers), str(RK.pairContributions)
_VERSION = str(RK.storeVersion)


_text = per_document.plain  # spelled as read back, so `_difference` compares written and read triples


def pairs_in(graph_iri: str, data: bytes) -> dict[str, PairTotal]:
    """The pair totals one document graph alone would give, from the organisations each finding
    lists (rk:sharedBy), their labels, and the finding's report, order and printed number.

    `data` is the document as N-Triples (what every backend writes); only the lines that can hold
    those fields are parsed, a few hundred of a report's ten thousand."""
    fields: dict[str, dict[str, list[str]]] = {}
    for node, predicate, value in parse_ntriples(b"\n".join(lines_with(data, _FIELD_KEYS))):
        if predicate in _FIELDS:  # not a literal that merely quotes a field's IRI
            fields.setdefault(node, {}).setdefault(predicate, []).append(value)
    totals: dict[str, PairTotal] = {}
    for values in fields.values():
        sharing = sorted({org for org in values.get(_SHARED_BY, ()) if _PREF_LABEL in fields.get(org, {})})
        if len(sharing) < 2 or not all(values.get(name) for name in _OF_FINDING):
            continue
        report, order, number = (values[name][0] for name in _OF_FINDING)
        for first, second in combinations(sharing, 2):  # in IRI order, as STR(?a) < STR(?b)
            pair = PairTotal(first, second, _label(fields, first), _label(fields, second))
            total = totals.setdefault(pair.iri, pair)
            _report, found = total.shares.setdefault(graph_iri, (report, []))
            found.append((int(order), number))
    return totals


def _label(fields: dict[str, dict[str, list[str]]], org: str) -> str:
    return min(fields[org][_PREF_LABEL])


_SHARED_BY, _PREF_LABEL = str(RK.sharedBy), str(SKOS.prefLabel)
_OF_FINDING = (str(RK.report), str(RK.order), str(RK.number))
_FIELDS = frozenset({_SHARED_BY, _PREF_LABEL, *_OF_FINDING})
# What a line whose predicate is one of those holds (N-Triples: one triple per line, terms separated by a space).
_FIELD_KEYS = tuple(f"> <{name}> ".encode() for name in sorted(_FIELDS))


def changes(store: Store, writes: Mapping[str, bytes | None]) -> str:
    """SPARQL Update operations (to run after the documents' writes, in the same request) that bring
    the pair nodes, search's shares (graph/searchable.py), the alike findings' shares
    (graph/alike_shares.py), the dashboard's rows (graph/summaries.py),
    the reports' counts (graph/report_counts.py), the findings' parties (graph/finding_parties.py),
    the departments' roles (graph/roles.py), the named
    documents' citations (graph/citations.py) and the store version in line with each graph IRI of
    `writes` replaced by its N-Triples (None: removed). Several documents at once read and rewrite
    each pair node they share once: a pair common to most reports carries a long
    `rk:pairContributions`."""
    new: dict[str, PairTotal] = {}
    for graph_iri, data in writes.items():
        for node, pair in (pairs_in(graph_iri, data) if data is not None else {}).items():
            new.setdefault(node, pair).absorb(pair)
    graphs = " ".join(_iri(g) for g in writes)
    old_pairs = store.select(iris.sparql_prefixes() + _PAIRS_OF_GRAPHS.format(graphs=graphs)).rows
    # (Virtuoso answers a UNION that matches nothing with one row binding nothing.)
    affected = set(new) | {iris.department_pair(r["a"].value, r["b"].value) for r in old_pairs if "b" in r}
    kept = {g: citations.KEPT.in_document(g, data) for g, data in writes.items() if data is not None}
    cited = {g: cited_titles.with_tallies(triples) for g, triples in kept.items()}
    titles = cited_titles.touched(store, writes, (t for kept in cited.values() for t in kept))
    state = _state(store, [iris.AGGREGATES, *sorted(affected), *titles.nodes])
    before = [t for node, triples in state.items() for t in triples]
    added: list[tuple[str, str, Term]] = [(iris.AGGREGATES, _VERSION, _text(uuid.uuid4().hex))]
    for node in sorted(affected):
        total = _from_state(state.get(node, []))
        if total is None:  # a pair these writes bring in (or one a store without the aggregate never counted)
            if node not in new:
                continue
            total = new[node]
        else:
            for graph_iri in writes:
                total.shares.pop(graph_iri, None)
            if node in new:
                total.absorb(new[node])
        if total.shares:
            added.extend(total.triples())
    added += cited_titles.totals(state, titles)
    per_graph = (searchable, alike_shares, summaries, report_counts, finding_parties, roles)
    return (
        _difference(before, added)
        + "".join(module.changes(writes) for module in per_graph)
        + citations.KEPT.changes(writes, cited)
    )


def rebuild(store: Store) -> str:
    """The update that writes the whole aggregate (pairs, search shares, alike findings' shares,
    dashboard rows, reports' counts, findings' parties, roles and citations) afresh from the
    documents: for a store filled
    before the aggregate existed, or by a bulk path that bypassed `changes`."""
    started = time.perf_counter()
    totals: dict[str, PairTotal] = {}
    for row in store.select(iris.sparql_prefixes() + _ALL_CONTRIBUTIONS).rows:
        pair = PairTotal(row["a"].value, row["b"].value, row["la"].value, row["lb"].value)
        total = totals.setdefault(pair.iri, pair)
        _report, found = total.shares.setdefault(row["g"].value, (row["report"].value, []))
        found.append((int(row["order"].value), row["number"].value))
    added = [(iris.AGGREGATES, _VERSION, _text(uuid.uuid4().hex))]
    for node in sorted(totals):
        added.extend(totals[node].triples())
    log.info("rebuild: %d department pairs read (%.1f s)", len(totals), time.perf_counter() - started)
    shares = searchable.shares(store)
    for graph_iri, share in sorted(shares.items()):
        added.extend(searchable.triples(graph_iri, share))
    log.info("rebuild: %d search shares read (%.1f s)", len(shares), time.perf_counter() - started)
    added.extend(alike_shares.rebuilt(store))
    log.info("rebuild: alike findings' shares read (%.1f s)", time.perf_counter() - started)
    rows_by_graph = summaries.by_graph(store)
    for graph_iri, rows in sorted(rows_by_graph.items()):
        added.extend(summaries.triples(graph_iri, rows))
    log.info("rebuild: %d dashboard summaries read (%.1f s)", len(rows_by_graph), time.perf_counter() - started)
    added.extend(report_counts.rebuilt(store))
    log.info("rebuild: reports' counts read (%.1f s)", time.perf_counter() - started)
    added.extend(finding_parties.rebuilt(store))
    log.info("rebuild: findings' parties read (%.1f s)", time.perf_counter() - started)
    added.extend(roles.rebuilt(store))
    log.info("rebuild: departments' roles read (%.1f s)", time.perf_counter() - started)
    cited = cited_titles.with_tallies(citations.rebuilt(store))
    added += cited + cited_titles.rebuilt(cited)
    log.info("rebuild: citations read, %d triples in all (%.1f s)", len(added), time.perf_counter() - started)
    graph, wip = _iri(iris.AGGREGATES), _iri(str(RK.writeInProgress))  # markers of writes under way stay
    clear = f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o FILTER(?p != {wip}) }} }}"
    return clear + _block("INSERT", _lines(added))


# What the aggregate graph keeps, by the class of its nodes (see `kept`).
KEPT = {
    "department pairs": RK.DepartmentPair,
    "search shares": RK.SearchShare,
    "alike findings' shares": RK.AlikeShare,
    "dashboard summaries": RK.ReportSummary,
    "reports' counts": RK.ReportCounts,
    "findings' parties": RK.FindingParties,
    "department roles": RK.DepartmentRoles,
    "documents' roles": RK.DocumentRoles,
    "document citations": RK.DocumentCitations,
    "documents' citations": RK.GraphCitations,
    "cited titles": RK.CitedTitleTotal,
}
_KEPT = """SELECT ?class (COUNT(?n) AS ?count) WHERE {{ GRAPH {graph} {{ ?n a ?class }}
  VALUES ?class {{ {classes} }} }} GROUP BY ?class"""


def kept(store: Store) -> dict[str, int]:
    """How many nodes of each kind in `KEPT` the aggregate graph holds (0: none, as on a store an
    older rectkg filled): what `rebuild` restores, for a caller to say what it did."""
    classes = " ".join(_iri(str(c)) for c in KEPT.values())
    rows = store.select(_KEPT.format(graph=_iri(iris.AGGREGATES), classes=classes)).rows
    counts = {row["class"].value: int(row["count"].value) for row in rows if "count" in row}
    return {name: counts.get(str(c), 0) for name, c in KEPT.items()}


def version(store: Store) -> str | None:
    """The stamp the last write left (None on a store no aggregate-aware write has touched): the
    store's own `version_stamp`, which a store that knows it without a query answers at once."""
    return store.version_stamp()


def _state(store: Store, nodes: list[str]) -> dict[str, list[tuple[str, str, Term]]]:
    """The aggregate graph's current triples about these nodes."""
    out: dict[str, list[tuple[str, str, Term]]] = {}
    query = _STATE.format(graph=_iri(iris.AGGREGATES), nodes=" ".join(_iri(n) for n in nodes))
    for row in store.select(query).rows:
        out.setdefault(row["s"].value, []).append((row["s"].value, row["p"].value, row["o"]))
    return out


def _from_state(triples: list[tuple[str, str, Term]]) -> PairTotal | None:
    values = {p: o for _s, p, o in triples}
    if _CONTRIBUTIONS not in values:
        return None
    members = sorted(o.value for _s, p, o in triples if p == _MEMBER)
    stored = json.loads(values[_CONTRIBUTIONS].value)
    shares = {
        g: (report, [(int(order), str(number)) for order, number in found]) for g, (report, found) in stored.items()
    }
    return PairTotal(members[0], members[-1], values[_FIRST_LABEL].value, values[_SECOND_LABEL].value, shares)


def _difference(before: list[tuple[str, str, Term]], after: list[tuple[str, str, Term]]) -> str:
    """Only the triples that change: a pair node's type, members and labels mostly stay as they
    were, and deleting and re-inserting them cost a fifth of each write's time (N = 100)."""
    old, new = set(before), set(after)
    return _block("DELETE", _lines(old - new)) + _block("INSERT", _lines(new - old))


def _lines(triples: Iterable[tuple[str, str, Term]]) -> list[str]:
    """Sorted, so that the same change is the same text."""
    return sorted(ntriples_lines(ntriples_text(triples)))


def _block(verb: str, lines: list[str]) -> str:
    body = "\n".join(lines)
    return f" ;\n{verb} DATA {{ GRAPH {_iri(iris.AGGREGATES)} {{\n{body}\n}} }}" if body else ""
