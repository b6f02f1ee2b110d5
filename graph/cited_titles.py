"""Each cited title's row of queries/documents-across-reports.rq, kept across the corpus, written with each document.

"Which named documents do several reports cite" groups every document's citations by title: at a
thousand reports, 32,046 citing rows of the rk:DocumentCitations nodes (graph/citations.py), 0.8-1.2 s
on the first run after every write and 1.2-1.7 s while the warm-up runs beside it. A title's row
depends on every document citing it, so, as the department pairs do (graph/aggregates.py), one
`rk:CitedTitleTotal` node per title and type holds the row worked out: the numbers of reports and
findings citing it and the citing reports' titles. To take a document's share out again without
reading the corpus, it also keeps how many DocumentCitations nodes state each citing report,
finding and report title (`rk:totalContributions`, JSON): a write takes the written graphs' old
shares out of the totals it touches, adds their new ones, and rewrites those nodes.

The tallies count what the DocumentCitations nodes state, grouped as the query over them groups
them (a node counts only with a citing report and a report title, which graph/citations.py always
states together), so a kept row is the grouped row by construction; tests/test_report_counts.py
holds the saved query's answer equal to the query over the documents through writes.

Each document graph's rk:GraphCitations marker also states that graph's own tally
(`rk:titleTally`, JSON), the share the write added to the totals: a later write of the graph takes
out exactly that, never what it would read back from the graph's citation nodes (which a graph
kept by an older rectkg has without its share in the totals, and which a server may spell
otherwise than it was written). The saved query reads the totals only where every document's
marker states its tally (`whole`); elsewhere it asks the documents.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib.namespace import RDF

from graph import citations, per_document
from graph.binding import term_text
from graph.interface import Store, Term
from ontology import iris
from ontology.iris import RK

Triple = per_document.Triple
Key = tuple[str, Term | None]  # a named document's title and type, as stated (None: no type read off the title)
Tally = dict[str, Counter]  # kind → value → how many DocumentCitations nodes state it

_TITLE, _TYPE = str(RK.citedTitle), str(RK.citedDocumentType)
_REPORT, _FINDING, _REPORT_TITLE = str(RK.citingReport), str(RK.citingFinding), str(RK.citingReportTitle)
_KINDS = {_REPORT: "reports", _FINDING: "findings", _REPORT_TITLE: "titles"}
_READ = (_TITLE, _TYPE, *_KINDS)
_CLASS = Term("iri", str(RK.CitedTitleTotal))
_CONTRIBUTIONS = str(RK.totalContributions)
_aggregate = per_document.iri_text(iris.AGGREGATES)
_GRAPH, _TALLY, _MARKER = str(RK.citationsGraph), str(RK.titleTally), Term("iri", str(RK.GraphCitations))
# The tallies the written graphs' markers state: their shares in the totals, to take out. The
# graphs' VALUES first inside the GRAPH block: after the pattern, Oxigraph read every node first.
_OLD = (
    """SELECT ?tally WHERE {{ GRAPH {aggregate} {{ VALUES ?g {{ {graphs} }} ?m <{graph}> ?g ; <{tally}> ?tally }} }}"""
)
# A marker without its tally: a document kept by an older rectkg, whose share is not in the totals.
_UNTALLIED = (
    """SELECT ?m WHERE {{ GRAPH {aggregate} {{ ?m a <{marker}> FILTER NOT EXISTS {{ ?m <{tally}> ?t }} }} }} LIMIT 1"""
)


@dataclass
class Touched:
    """What a write changes: each title's tally in the written graphs before and after it."""

    old: dict[Key, Tally]
    new: dict[Key, Tally]

    @property
    def nodes(self) -> list[str]:
        return sorted(_node(key) for key in set(self.old) | set(self.new))


def _tallies(triples: Iterable[Triple]) -> dict[Key, Tally]:
    """Each title's tally from the DocumentCitations facts among `triples` (one graph's, in `with_tallies`)."""
    facts: dict[str, dict[str, set[Term]]] = {}
    for node, predicate, value in triples:
        if predicate in _READ:
            facts.setdefault(node, {}).setdefault(predicate, set()).add(_spelled(value))
    out: dict[Key, Tally] = {}
    for stated in facts.values():
        if not (stated.get(_REPORT) and stated.get(_REPORT_TITLE)):
            continue
        for title in stated.get(_TITLE, ()):
            for document_type in stated.get(_TYPE) or (None,):
                tally = out.setdefault((title.value, document_type), _empty())
                for predicate, kind in _KINDS.items():
                    tally[kind].update(value.value for value in stated.get(predicate, ()))
    return out


def touched(store: Store, writes: Mapping[str, bytes | None], cited: Iterable[Triple]) -> Touched:
    """The titles `writes` change: the tallies the written graphs' markers state now (read from
    the store) and those `cited` has them state (`with_tallies`), so what a write adds is what a
    later write of the same graph takes out."""
    query = _OLD.format(
        aggregate=_aggregate, graphs=" ".join(per_document.iri_text(g) for g in writes), graph=_GRAPH, tally=_TALLY
    )
    old = _summed(row["tally"].value for row in store.select(query).rows)
    return Touched(old, _summed(value.value for _node, predicate, value in cited if predicate == _TALLY))


def with_tallies(cited: Sequence[Triple]) -> list[Triple]:
    """`cited`, the citation nodes and markers of one or more document graphs, with each marker
    stating its graph's tally: what a later write of the graph takes out of the totals."""
    graph_of = {node: value.value for node, predicate, value in cited if predicate == _GRAPH}
    by_graph: dict[str, list[Triple]] = {}
    for triple in cited:
        if triple[0] in graph_of:
            by_graph.setdefault(graph_of[triple[0]], []).append(triple)
    markers = sorted(node for node, predicate, value in cited if predicate == str(RDF.type) and value == _MARKER)
    tallied = [(m, _TALLY, per_document.plain(_dumped(_tallies(by_graph[graph_of[m]])))) for m in markers]
    return [*cited, *tallied]


def totals(state: Mapping[str, Sequence[Triple]], change: Touched) -> list[Triple]:
    """The touched title nodes as the write leaves them (`state`: their triples now); a title no
    report cites any more has none."""
    out: list[Triple] = []
    for key in sorted(set(change.old) | set(change.new), key=_order):
        node = _node(key)
        tally = _stored(state.get(node, ()))
        for kind in tally:
            tally[kind].subtract(change.old.get(key, {}).get(kind, ()))
            tally[kind].update(change.new.get(key, {}).get(kind, ()))
            tally[kind] = +tally[kind]  # a value no node states any more goes
        out += _triples(node, key, tally)
    return out


def rebuilt(cited: Iterable[Triple]) -> list[Triple]:
    """Every title's node, from the tallies of every document (`with_tallies`; for `graph.aggregates.rebuild`)."""
    found = _summed(value.value for _node, predicate, value in cited if predicate == _TALLY)
    return [t for key in sorted(found, key=_order) for t in _triples(_node(key), key, found[key])]


def whole(store: Store) -> bool:
    """Whether the totals hold every document's citations: every document graph holding a report
    has its citations kept, and every marker states its tally (its share is in the totals)."""
    untallied = _UNTALLIED.format(aggregate=_aggregate, marker=_MARKER.value, tally=_TALLY)
    return citations.complete(store) and not store.select(untallied).rows


def _node(key: Key) -> str:
    title, document_type = key
    return iris.cited_title_total(title, None if document_type is None else term_text(document_type))


def _spelled(value: Term) -> Term:
    """A value as every backend reads it back: a plain literal as xsd:string, so that the same
    type read from the store and worked out from a document is one key."""
    if value.kind == "literal" and value.datatype is None and value.lang is None:
        return per_document.plain(value.value)
    return value


def _order(key: Key) -> tuple[str, str]:
    return key[0], "" if key[1] is None else key[1].value


def _dumped(found: Mapping[Key, Tally]) -> str:
    """A graph's tallies as JSON: [title, type as [kind, value, datatype, language] or null, tally]."""
    rows = [
        [title, None if t is None else [t.kind, t.value, t.datatype, t.lang], found[(title, t)]] for title, t in found
    ]
    spelled = [json.dumps(row, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for row in rows]
    return "[" + ",".join(sorted(spelled)) + "]"  # one spelling per state: a rebuild writes what a write did


def _summed(texts: Iterable[str]) -> dict[Key, Tally]:
    """Graphs' tallies (`_dumped`) added up."""
    out: dict[Key, Tally] = {}
    for text in texts:
        for title, spelled, tally in json.loads(text):
            summed = out.setdefault((title, None if spelled is None else Term(*spelled)), _empty())
            for kind, counts in tally.items():
                summed[kind].update(counts)
    return out


def _empty() -> Tally:
    return {kind: Counter() for kind in _KINDS.values()}


def _stored(triples: Iterable[Triple]) -> Tally:
    """A node's tally as the store holds it (empty for a node it does not hold)."""
    for _node_iri, predicate, value in triples:
        if predicate == _CONTRIBUTIONS:
            return {kind: Counter(counts) for kind, counts in json.loads(value.value).items()}
    return _empty()


def _triples(node: str, key: Key, tally: Tally) -> list[Triple]:
    if not tally["reports"]:
        return []
    title, document_type = key
    contributions = {kind: dict(sorted(counts.items())) for kind, counts in sorted(tally.items())}
    kept = json.dumps(contributions, ensure_ascii=False, separators=(",", ":"))
    out = [
        (node, str(RDF.type), _CLASS),
        (node, str(RK.totalCitedTitle), per_document.plain(title)),
        (node, str(RK.reportsCiting), per_document.integer(len(tally["reports"]))),
        (node, str(RK.findingsCiting), per_document.integer(len(tally["findings"]))),
        (node, str(RK.citingReportTitles), per_document.plain(" | ".join(sorted(tally["titles"])))),
        (node, _CONTRIBUTIONS, per_document.plain(kept)),
    ]
    if document_type is not None:
        out.append((node, str(RK.totalCitedType), document_type))
    return out
