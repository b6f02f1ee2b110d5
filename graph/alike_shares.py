"""What each document graph gives `recurring-problems`: its findings' title bigrams, reports and
titles, kept in the aggregate graph and written with the document.

`recurring-problems` for one report pairs each of its findings with every finding of the corpus
that shares a title bigram (rk:titleGram) and scores each pair: at a thousand reports 111,514
candidate pairs from 208,294 shared bigrams, 1.6-2.6 s in the engine on the first request after
every write. Keeping the pairs themselves at write time is out of reach (about 10,000 alike pairs
a report at the default `min_score`: five million at a thousand reports). What one document gives
the pairing depends on that document alone, though, so, as search's shares (graph/searchable.py),
each write keeps one `rk:AlikeShare` node per document graph: as JSON, every subject with a title
bigram in the graph, with its bigrams, reports and titles there, a hash of every other subject with
a report or a title there, and a digest. graph/alike.py
pairs findings from these in memory, reading after each write only the shares whose digest changed.

The rows are the answers of one SPARQL query over the one graph (`_QUERY`), on a small in-memory
store holding only the lines it reads at write time and over the stored graphs on a rebuild, so
both give the same share by construction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib.namespace import DCTERMS

from graph import per_document
from graph.interface import SYSTEM_GRAPHS, XSD_STRING, Result, Store, Term
from graph.terms import Scratch
from ontology import iris
from ontology.iris import RK

log = logging.getLogger(__name__)

_QUERY = f"""SELECT DISTINCT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  VALUES ?p {{ <{RK.titleGram}> <{RK.report}> <{DCTERMS.title}> }} }}"""
# A space before the predicate, not a ">": a blank node's lines must be read too, to say so.
_KEYS = tuple(f" <{p}> ".encode() for p in (RK.titleGram, RK.report, DCTERMS.title))
_KEPT_AS = (str(RK.alikeGraph), str(RK.alikeDigest), str(RK.alikeEntries))
_GRAM, _REPORT = str(RK.titleGram), str(RK.report)
READ_CHUNK = 100  # shares per read: a thousand reports' shares are a few megabytes of JSON

Held = tuple[Sequence[str], Sequence[str], Sequence[str]]  # report IRIs, titles (as STR gives them), bigrams


@dataclass(frozen=True)
class Share:
    """One document graph's part in the pairing. `held`: each subject with a title bigram here →
    its reports, titles and bigrams here. `loose`: a short hash of each subject with a report or a
    title here but no bigram (a report, a named document, a heading), so that the index can tell
    when one of them has bigrams in another graph: the query would join its report or title from
    here, which `held` leaves out. `whole` is False where the graph holds what the index cannot
    pair as the query does: a blank node (whose label is the graph's own), or a report that is no IRI."""

    held: Mapping[str, Held]
    loose: Sequence[str] = ()
    whole: bool = True

    def to_json(self) -> str:
        """One spelling per share (sorted), so that its digest says whether it changed."""
        held = {s: [list(r), list(t), list(g)] for s, (r, t, g) in self.held.items()}
        body = {"whole": self.whole, "held": held, "loose": sorted(self.loose)}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Share:
        """The share `to_json` wrote; ValueError for anything else (another release's form)."""
        body = json.loads(text)
        held, loose, whole = body.get("held"), body.get("loose"), body.get("whole")
        entries = held.values() if isinstance(held, dict) else [None]
        if not (_strings(loose) and isinstance(whole, bool) and all(map(_held, entries))):
            raise ValueError("not an alike share")
        return cls({s: tuple(entry) for s, entry in held.items()}, loose, whole)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _held(entry: object) -> bool:
    """Whether `entry` is what a share holds for one subject: its reports, titles and bigrams."""
    return isinstance(entry, list) and len(entry) == 3 and all(map(_strings, entry))


def share_in(graph_iri: str, data: bytes) -> Share:
    """The share of one document, from its N-Triples: the lines `_QUERY` reads, in a store of their own."""
    return shares(per_document.scratch(graph_iri, data, _KEYS)).get(graph_iri, Share({}))


def shares(store: Store | Scratch) -> dict[str, Share]:
    """The shares of the store's document graphs, read from the documents: for `rebuild`, and for
    one document at write time."""
    said: dict[str, dict[str, dict[str, set]]] = {}
    whole: dict[str, bool] = {}
    for row in store.select(_QUERY).rows:
        g, s, p, o = row["g"].value, row["s"], row["p"].value, row["o"]
        if g in SYSTEM_GRAPHS:
            continue
        if s.kind == "bnode" or o.kind == "bnode" or (p == _REPORT and o.kind != "iri"):
            whole[g] = False
            continue
        facts = said.setdefault(g, {}).setdefault(s.value, {_GRAM: set(), _REPORT: set(), "title": set()})
        if p == _GRAM:
            facts[_GRAM].add(gram_key(o))
        elif p == _REPORT:
            facts[_REPORT].add(o.value)
        else:
            facts["title"].add((o.kind, o.value, o.datatype or "", o.lang or ""))
    out = {}
    for g, subjects in said.items():
        held = {
            s: (tuple(sorted(f[_REPORT])), tuple(sorted(t[1] for t in f["title"])), tuple(sorted(f[_GRAM])))
            for s, f in subjects.items()
            if f[_GRAM]
        }
        loose = sorted(subject_hash(s) for s, f in subjects.items() if not f[_GRAM])
        out[g] = Share(held, loose, whole.get(g, True))
    return out | {g: Share({}, (), False) for g in whole if g not in out}


def subject_hash(subject: str) -> str:
    """Sixteen hex digits of a subject's IRI: two that collide only make the index ask the engine."""
    return hashlib.blake2b(subject.encode("utf-8"), digest_size=8).hexdigest()


def gram_key(term: Term) -> str:
    """A bigram as the pairing compares it, one string per RDF term: its text when a plain string
    (what the loader writes), else its kind, datatype and language before the text, after a NUL
    that only such keys start with (a plain string starting with one is marked too)."""
    if term.kind == "literal" and not term.lang and (term.datatype or XSD_STRING) == XSD_STRING:
        return term.value if not term.value.startswith("\x00") else f"\x00plain\x00{term.value}"
    return f"\x00{term.kind}\x00{term.datatype or ''}\x00{term.lang or ''}\x00{term.value}"


def changes(writes: Mapping[str, bytes | None]) -> str:
    """SPARQL Update operations (in the same request as the documents' writes) replacing each written
    graph's share node (None: removed with its document). Nothing is read from the store."""
    forget = per_document.forget(_KEPT_AS[0])
    return per_document.changes(writes, forget, lambda g, data: triples(g, share_in(g, data)))


def triples(graph_iri: str, share: Share) -> list[per_document.Triple]:
    node = iris.alike_share(graph_iri)
    return per_document.json_share(node, str(RK.AlikeShare), _KEPT_AS, graph_iri, share.to_json())


def rebuilt(store: Store) -> list[per_document.Triple]:
    """Every document graph's share, from the documents (for `graph.aggregates.rebuild`): a graph
    without a title bigram gets an empty one, so that every document graph has a share."""
    found = shares(store)
    found |= {g: Share({}) for g in store.graphs() if g not in found}
    return [t for g in sorted(found) for t in triples(g, found[g])]


def digests(store: Store) -> Result:
    """Each document graph's share digest (rows ?g ?d), as the store holds it now: one short row per document."""
    return per_document.json_share_digests(store, _KEPT_AS)


def stored(store: Store, graphs: list[str]) -> dict[str, Share]:
    """The shares the store holds for these graphs, read `READ_CHUNK` at a time; one that cannot be
    read (kept in another form) is left out, so that the graph counts as having none."""
    out: dict[str, Share] = {}
    for at in range(0, len(graphs), READ_CHUNK):
        texts = per_document.json_share_texts(store, _KEPT_AS, graphs[at : at + READ_CHUNK])
        for graph_iri, text in texts.items():
            try:
                out[graph_iri] = Share.from_json(text)
            except ValueError as error:  # another release's form (json's errors are ValueErrors too)
                log.warning("unreadable alike share of %s (%s): `rectkg rebuild` writes it again", graph_iri, error)
    return out
