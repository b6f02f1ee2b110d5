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
from dataclasses import dataclass

from markupsafe import Markup, escape

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3
SNIPPET_RADIUS = 40


@dataclass(frozen=True)
class Doc:
    iri: str
    kind: str  # department | finding | measure | document
    title: str
    text: str = ""
    context: str = ""  # where it sits (report, finding number), shown under the hit


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
    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self._title = [normalise(d.title) for d in docs]
        self._body = [normalise(d.text) for d in docs]
        self._tf: list[Counter] = []
        self._postings: dict[str, set[int]] = defaultdict(set)
        for i, (title, body) in enumerate(zip(self._title, self._body, strict=True)):
            tf = Counter(grams(body))
            for gram in grams(title):
                tf[gram] += TITLE_WEIGHT
            self._tf.append(tf)
            for gram in tf:
                self._postings[gram].add(i)
        self._avg = sum(sum(tf.values()) for tf in self._tf) / max(len(docs), 1)

    def search(self, query: str, *, limit: int, kinds: set[str] | None = None) -> list[Hit]:
        wanted = terms(query)
        if not wanted:
            return []
        query_grams = [g for t in wanted for g in grams(t)]
        candidates = set.intersection(*(self._postings.get(g, set()) for g in query_grams))
        scored = []
        for i in candidates:
            if kinds and self.docs[i].kind not in kinds:
                continue
            haystack = self._title[i] + "\n" + self._body[i]
            if all(t in haystack for t in wanted):
                bonus = 2.0 if self._title[i] in wanted else 0.0
                scored.append((self._bm25(i, query_grams) + bonus, i))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [Hit(self.docs[i], round(score, 3), self._snippet(i, wanted)) for score, i in scored[:limit]]

    def _bm25(self, i: int, query_grams: list[str]) -> float:
        tf = self._tf[i]
        length = sum(tf.values())
        score = 0.0
        for gram in set(query_grams):
            df = len(self._postings.get(gram, ()))
            idf = math.log(1 + (len(self.docs) - df + 0.5) / (df + 0.5))
            f = tf.get(gram, 0)
            score += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length / self._avg))
        return score

    def _snippet(self, i: int, wanted: list[str]) -> Markup:
        """The passage around the first match, each typed term marked (text escaped)."""
        doc = self.docs[i]
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
