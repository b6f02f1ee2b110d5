"""Full-text search that works for Chinese: character bigrams, ranked by BM25, matched as substrings.

Chinese has no spaces, and investigators type fragments of names (市场监管, 低保) that a word
segmenter may have glued into longer words (区市场监管局 as one token), so words would miss them.
Character bigrams find every fragment of two or more characters; a candidate must contain each
typed term as a substring (so bigrams never produce near-misses), and BM25 over the bigrams ranks
what remains, titles and names weighing more than body text.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3
SNIPPET_RADIUS = 40
KIND_ORDER = {"department": 0, "finding": 1, "measure": 2, "document": 3}


@dataclass(frozen=True)
class Doc:
    iri: str
    kind: str  # department | finding | measure | document
    title: str
    text: str = ""
    context: str = ""  # where it sits (report, finding number), shown under the hit
    reports: tuple[tuple[str, str], ...] = ()  # a named document's citing reports: (IRI, title)

    @property
    def key(self) -> tuple[str, str]:
        """One entry per kind and IRI: a document every report restates is one hit."""
        return self.kind, self.iri


@dataclass(frozen=True)
class Hit:
    doc: Doc
    score: float
    snippet: Markup


def normalise(text: str) -> str:
    """Full-width to half-width, case folded, so ＡＢＣ and abc and ａｂｃ meet."""
    return unicodedata.normalize("NFKC", text).casefold()


def grams(text: str) -> list[str]:
    """Character bigrams of each run of non-space text; a single character stands for itself."""
    out: list[str] = []
    for run in text.split():
        out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return out


def terms(query: str) -> list[str]:
    return [t for t in normalise(query).split() if t]


class Index:
    """BM25 over bigrams, updated one entry at a time (`put`, `remove`): a write changes one
    report's entries, and rebuilding the whole index for it took seconds at a thousand reports.
    Not thread-safe: the caller (webapp/search.py) holds a lock while it updates or searches."""

    def __init__(self, docs: Iterable[Doc] = ()):
        self._docs: dict[int, Doc] = {}
        self._ids: dict[tuple[str, str], int] = {}
        self._title: dict[int, str] = {}
        self._body: dict[int, str] = {}
        self._tf: dict[int, Counter] = {}
        self._length: dict[int, int] = {}
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._total = 0
        self._next = 0
        for doc in docs:
            self.put(doc)

    @property
    def docs(self) -> list[Doc]:
        return list(self._docs.values())

    def put(self, doc: Doc) -> None:
        """Add `doc`, in place of the entry of the same kind and IRI if there is one."""
        self.remove(doc.key)
        i, self._next = self._next, self._next + 1
        self._ids[doc.key], self._docs[i] = i, doc
        self._title[i], self._body[i] = normalise(doc.title), normalise(doc.text)
        tf = Counter(grams(self._body[i]))
        for gram in grams(self._title[i]):
            tf[gram] += TITLE_WEIGHT
        self._tf[i], self._length[i] = tf, sum(tf.values())
        self._total += self._length[i]
        for gram in tf:
            self._postings[gram].add(i)

    def remove(self, key: tuple[str, str]) -> None:
        i = self._ids.pop(key, None)
        if i is None:
            return
        for gram in self._tf.pop(i):
            posting = self._postings[gram]
            posting.discard(i)
            if not posting:
                del self._postings[gram]
        self._total -= self._length.pop(i)
        del self._docs[i], self._title[i], self._body[i]

    def search(self, query: str, *, limit: int, kinds: set[str] | None = None) -> list[Hit]:
        """The best `limit` entries holding every typed term. A common word is in most of a thousand
        reports' entries, so the loop over candidates is kept to lookups and arithmetic."""
        wanted = terms(query)
        if not wanted:
            return []
        weights = self._idf({g for t in wanted for g in grams(t)})
        postings = sorted((self._postings.get(g, set()) for g, _idf in weights), key=len)
        candidates = postings[0].intersection(*postings[1:])
        checked = [t for t in wanted if len(t) > 2]  # a shorter term is its own gram: its posting holds it
        base, per_length = K1 * (1 - B), K1 * B * len(self._docs) / max(self._total, 1)
        docs, titles, bodies, tfs, lengths = self._docs, self._title, self._body, self._tf, self._length
        scored = []
        for i in candidates:
            if kinds and docs[i].kind not in kinds:
                continue
            title, body = titles[i], bodies[i]
            if checked and not all(t in title or t in body for t in checked):
                continue
            tf, norm = tfs[i], base + per_length * lengths[i]
            score = sum(idf * f * (K1 + 1) / (f + norm) for gram, idf in weights if (f := tf.get(gram, 0)))
            scored.append((score + (2.0 if title in wanted else 0.0), i))
        # Ties in kind and IRI order: the same answer whichever order the entries were put in.
        best = heapq.nsmallest(limit, scored, key=lambda p: (-p[0], KIND_ORDER.get(docs[p[1]].kind, 0), docs[p[1]].iri))
        pattern = re.compile("|".join(re.escape(t) for t in sorted(wanted, key=len, reverse=True)))
        return [Hit(docs[i], round(score, 3), self._snippet(i, wanted, pattern)) for score, i in best]

    def _idf(self, query_grams: set[str]) -> list[tuple[str, float]]:
        count = len(self._docs)
        out = []
        for gram in sorted(query_grams):
            df = len(self._postings.get(gram, ()))
            out.append((gram, math.log(1 + (count - df + 0.5) / (df + 0.5))))
        return out

    def _snippet(self, i: int, wanted: list[str], pattern: re.Pattern) -> Markup:
        """The passage around the first match, each typed term marked (text escaped)."""
        doc = self._docs[i]
        for original, folded in ((doc.text, self._body[i]), (doc.title, self._title[i])):
            shown = original if len(original) == len(folded) else folded
            first = min((folded.find(t) for t in wanted if t in folded), default=-1)
            if first < 0:
                continue
            start, end = max(0, first - SNIPPET_RADIUS), min(len(shown), first + SNIPPET_RADIUS * 2)
            return _mark(shown, folded, start, end, pattern)
        return Markup(escape(doc.text[: SNIPPET_RADIUS * 2]))


def _mark(shown: str, folded: str, start: int, end: int, pattern: re.Pattern) -> Markup:
    out, at = ["…" if start > 0 else ""], start
    for match in pattern.finditer(folded, start, end):
        out.append(f"{escape(shown[at : match.start()])}<mark>{escape(shown[match.start() : match.end()])}</mark>")
        at = match.end()
    out.append(str(escape(shown[at:end])))
    out.append("…" if end < len(shown) else "")
    return Markup("".join(out))
