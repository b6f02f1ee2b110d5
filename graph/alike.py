"""`recurring-problems` for one report, answered in memory from each document's kept share
(graph/alike_shares.py) rather than by the engine.

The engine spends 1.6-2.6 s at a thousand reports pairing one report's findings with every finding
that shares a title bigram (111,514 candidate pairs), scoring them and joining their titles and
reports; in memory, with each bigram's findings at hand, the same 10,000 pairs take 0.07-0.3 s.
The index is kept per open store and brought up to date at the first question after each write
(or by the app's warm-up), reading only the shares whose digest changed.

The answer is the saved query's (queries/recurring-problems+min_score+report.rq) as the embedded
engine gives it, row for row and in its order; tests/test_alike.py holds them equal. The score is
the query's ROUND(1000.0 × shared / union) / 1000 in exact arithmetic, written as the engine writes
a decimal; a finding held by several graphs has the bigrams of all of them, and its reports and
titles as many times as Oxigraph's union of graphs repeats them (a server that merges the graphs
as a set would give such a finding's rows once). Where the shares cannot give that answer the
query runs instead (`answer` says None): a store some of whose document graphs have no share
(written by an earlier rectkg, until `rectkg rebuild`), a share holding a blank node or a report
that is no IRI, a subject with bigrams in one graph and a report or title in another without
them, or more graphs than a select may list. Triples in the store's unnamed default graph, where
rectkg writes nothing, are not read.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from itertools import chain
from typing import Any

from graph import aggregates, alike_shares
from graph.alike_shares import Held, Share
from graph.interface import XSD_DECIMAL, XSD_STRING, Result, Store, Term

COLUMNS = ("report_a", "finding_a", "title_a", "report_b", "finding_b", "title_b", "score")
_indexes: weakref.WeakKeyDictionary[Store, AlikeIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()
_NONE: frozenset[str] = frozenset()


def answer(store: Store, bindings: Mapping[str, Term]) -> Result | None:
    """The saved query's answer with `report` bound, or None where the query must run instead."""
    report, min_score = bindings.get("report"), bindings.get("min_score")
    if report is None or report.kind != "iri" or min_score is None:
        return None
    index = _index(store)
    with index.lock:
        if not index.up_to_date(store):
            return None
        rows = index.pairs(report.value, Decimal(min_score.value))
    return Result(list(COLUMNS), rows).cut(store.row_limit)


def refresh(store: Store) -> None:
    """Bring the store's index up to date now: the app's warm-up after a start or a write
    (webapp/warm.py), so that the first question does not read every share."""
    index = _index(store)
    with index.lock:
        index.up_to_date(store)


def _index(store: Store) -> AlikeIndex:
    with _indexes_lock:
        return _indexes.setdefault(store, AlikeIndex())


def thousandths(common: int, union: int) -> int:
    """The query's ROUND(1000.0 * shared / union) in exact arithmetic: a half rounds up."""
    return (2000 * common + union) // (2 * union)


def score_text(score: int) -> str:
    """A score in thousandths as the engine writes the decimal: 1, 0.25, 0.063."""
    whole, part = divmod(score, 1000)
    return f"{whole}.{part:03d}".rstrip("0") if part else str(whole)


class AlikeIndex:
    """Each document graph's share, and made from them: each subject's bigrams (over every graph
    holding it), each bigram's subjects and each report's subjects. `lock` guards all of it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: str | None = None
        self.usable = False
        self._digests: dict[str, str] = {}
        self._shares: dict[str, Share] = {}
        self._held: dict[str, dict[str, Held]] = {}  # subject → graph → what that graph says of it
        self._grams: dict[str, frozenset[str]] = {}
        self._postings: dict[str, set[str]] = {}
        self._by_report: dict[str, dict[str, int]] = {}  # report IRI → subject → graphs saying so
        self._hashes: dict[str, str] = {}  # subject with bigrams → its alike_shares.subject_hash
        self._loose: dict[str, int] = {}  # hash of a subject without bigrams in a graph → such graphs

    def up_to_date(self, store: Store) -> bool:
        """Brought up to the store's version (the caller holds `lock`); whether it answers there."""
        stamp = aggregates.version(store)
        if stamp is None:  # no rectkg write has touched the store: nothing to trust
            return False
        if stamp != self.stamp:
            self.refresh(store, stamp)
        return self.usable

    def refresh(self, store: Store, stamp: str) -> None:
        """Read the shares whose digest changed since the last refresh, drop those of removed graphs."""
        listed = alike_shares.digests(store)
        if listed.truncated:  # more graphs than a select gives: the engine answers
            self.stamp, self.usable = stamp, False
            return
        digests = {row["g"].value: row["d"].value for row in listed.rows}
        changed = [g for g, d in sorted(digests.items()) if self._digests.get(g) != d]
        read = alike_shares.stored(store, changed)
        for graph_iri in [*(g for g in self._digests if g not in digests), *(g for g in changed if g not in read)]:
            self._put(graph_iri, None)
        for graph_iri, share in read.items():
            self._put(graph_iri, share)
        self._digests = {g: d for g, d in digests.items() if g in self._shares}
        unshared = set(store.graphs()) - set(self._shares)
        # A subject with bigrams in one graph and a report or title in another without them: the
        # query joins those too, which no share holds.
        split = not self._loose.keys().isdisjoint(self._hashes.values())
        self.usable = not unshared and not split and all(share.whole for share in self._shares.values())
        self.stamp = stamp

    def pairs(self, report: str, min_score: Decimal) -> list[dict[str, Term]]:
        """The rows for `report`, in the query's order."""
        numerator, denominator = min_score.as_integer_ratio()
        grams, found = self._grams, []
        for a in self._by_report.get(report, ()):
            size_a = len(grams[a])
            reports_a, titles_a = self._merged(a)
            times_a = reports_a.count(report)
            shared = Counter(chain.from_iterable(self._postings[g] for g in grams[a]))
            unions = ((b, common, size_a + len(grams[b]) - common) for b, common in shared.items())
            for b, common, union in [u for u in unions if u[1] * denominator >= numerator * u[2]]:
                reports_b, titles_b = self._merged(b)
                score = -thousandths(common, union)  # most alike first
                for ta in titles_a:
                    for tb in titles_b:
                        for r in reports_b:
                            if r != report:
                                found.extend([(score, ta, tb, report, r, a, b)] * times_a)
        found.sort()
        return _rows(found)

    def _merged(self, subject: str) -> tuple[list[str], list[str]]:
        """A subject's reports and titles over every graph holding it, as often as the graphs say them."""
        held = self._held[subject].values()
        return [r for reports, _t, _g in held for r in reports], [t for _r, titles, _g in held for t in titles]

    def _put(self, graph_iri: str, share: Share | None) -> None:
        """Take `share` (None: none) in place of the graph's share before."""
        old = self._shares.pop(graph_iri, None)
        for subject, held in old.held.items() if old else ():
            del self._held[subject][graph_iri]
            self._count_reports(subject, held, -1)
        for subject, held in share.held.items() if share else ():
            self._held.setdefault(subject, {})[graph_iri] = held
            self._count_reports(subject, held, 1)
        for hashed in old.loose if old else ():
            _count(self._loose, hashed, -1)
        for hashed in share.loose if share else ():
            _count(self._loose, hashed, 1)
        if share is not None:
            self._shares[graph_iri] = share
        self._regram(set(old.held if old else ()) | set(share.held if share else ()))

    def _count_reports(self, subject: str, held: Held, step: int) -> None:
        for report in held[0]:
            counts = self._by_report.setdefault(report, {})
            _count(counts, subject, step)
            if not counts:
                del self._by_report[report]

    def _regram(self, subjects: Iterable[str]) -> None:
        """Each subject's bigrams over the graphs holding it now, and the postings to match."""
        postings = self._postings
        for subject in subjects:
            held = self._held.get(subject)
            if not held:
                self._held.pop(subject, None)
            grams = frozenset(chain.from_iterable(of_graph for _r, _t, of_graph in held.values())) if held else _NONE
            before = self._grams.pop(subject, _NONE)
            for gram in before - grams:
                postings[gram].discard(subject)
                if not postings[gram]:
                    del postings[gram]
            for gram in grams - before:
                postings.setdefault(gram, set()).add(subject)
            if grams:
                self._grams[subject] = grams
                if subject not in self._hashes:
                    self._hashes[subject] = alike_shares.subject_hash(subject)
            else:
                self._hashes.pop(subject, None)


def _count(counts: dict[str, int], key: str, step: int) -> None:
    """Add `step` to `key`'s count, which goes when it reaches none."""
    left = counts.get(key, 0) + step
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


class _Made(dict):
    """Each term made once per answer: a title or an IRI stands in many of its rows."""

    def __init__(self, make: Callable[[Any], Term]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> Term:
        made = self[key] = self._make(key)
        return made


def _rows(found: list[tuple]) -> list[dict[str, Term]]:
    iri = _Made(lambda value: Term("iri", value))
    text = _Made(lambda value: Term("literal", value, XSD_STRING))
    score = _Made(lambda minus: Term("literal", score_text(-minus), XSD_DECIMAL))
    return [
        {
            "report_a": iri[report_a],
            "finding_a": iri[a],
            "title_a": text[title_a],
            "report_b": iri[report_b],
            "finding_b": iri[b],
            "title_b": text[title_b],
            "score": score[minus_score],
        }
        for minus_score, title_a, title_b, report_a, report_b, a, b in found
    ]
