"""Full-text search that works for Chinese: character bigrams, ranked by BM25, matched as substrings.

Chinese has no spaces, and investigators type fragments of names (市场监管, 低保) that a word
segmenter may have glued into longer words (区市场监管局 as one token), so words would miss them.
Character bigrams find every fragment of two or more characters; a candidate must contain each
typed term as a substring (so bigrams never produce near-misses), and BM25 over the bigrams ranks
what remains, titles and names weighing more than body text.
"""

from __future__ import annotations

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
        wanted = terms(query)
        if not wanted:
            return []
        query_grams = [g for t in wanted for g in grams(t)]
        candidates = set.intersection(*(self._postings.get(g, set()) for g in query_grams))
        scored = []
        for i in candidates:
            if kinds and self._docs[i].kind not in kinds:
                continue
            haystack = self._title[i] + "\n" + self._body[i]
            if all(t in haystack for t in wanted):
                bonus = 2.0 if self._title[i] in wanted else 0.0
                scored.append((self._bm25(i, query_grams) + bonus, i))
        # Ties in kind and IRI order: the same answer whichever order the entries were put in.
        scored.sort(key=lambda pair: (-pair[0], KIND_ORDER.get(self._docs[pair[1]].kind, 0), self._docs[pair[1]].iri))
        return [Hit(self._docs[i], round(score, 3), self._snippet(i, wanted)) for score, i in scored[:limit]]

    def _bm25(self, i: int, query_grams: list[str]) -> float:
        tf, length, count = self._tf[i], self._length[i], len(self._docs)
        average = self._total / max(count, 1)
        score = 0.0
        for gram in set(query_grams):
            df = len(self._postings.get(gram, ()))
            idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
            f = tf.get(gram, 0)
            score += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length / average))
        return score

    def _snippet(self, i: int, wanted: list[str]) -> Markup:
        """The passage around the first match, each typed term marked (text escaped)."""
        doc = self._docs[i]
        for original, folded in ((doc.text, self._body[i]), (doc.title, self._title[i])):
            shown = original if len(original) == len(folded) else folded
            first = min((folded.find(t) for t in wanted if t in folded), default=-1)
            if first < 0:
                continue
            start, end = max(0, first - SNIPPET_RADIUS), min(len(shown), first + SNIPPET_RADIUS * 2)
            return _mark(shown, folded, start, end, wanted)
        return Markup(escape(doc.text[: SNIPPET_RADIUS * 2]))


def _mark(shown: str, folded: str, start: int, end: int, wanted: list[str]) -> Markup:
    pattern = re.compile("|".join(re.escape(t) for t in sorted(wanted, key=len, reverse=True)))
    out, at = [], start
    for match in pattern.finditer(folded, start, end):
        out.append(escape(shown[at : match.start()]))
        out.append(Markup("<mark>{}</mark>").format(shown[match.start() : match.end()]))
        at = match.end()
    out.append(escape(shown[at:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(shown) else ""
    return Markup(prefix) + Markup("").join(out) + Markup(suffix)
