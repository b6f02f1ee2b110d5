"""Full-text search that works for Chinese: character bigrams, ranked by BM25, matched as substrings.

Chinese has no spaces, and investigators type fragments of names (市场监管, 低保) that a word
segmenter may have glued into longer words (区市场监管局 as one token), so words would miss them.
Character bigrams find every fragment of two or more characters; a candidate must contain each
typed term as a substring (so bigrams never produce near-misses), and BM25 over the bigrams ranks
what remains, titles and names weighing more than body text; a finding or measure found by a
finding's title alone ranks after those whose own text holds what was typed.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise, repeat

from markupsafe import Markup, escape

K1, B = 1.2, 0.75
TITLE_WEIGHT = 3
SNIPPET_RADIUS = 40
KIND_ORDER = {"department": 0, "finding": 1, "measure": 2, "document": 3}
TITLED_BY_FINDING = ("finding", "measure")  # entries whose title is a finding's title


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


# A gram's posting: entry → the gram's weighted count in it; or, in an index loaded from a file,
# where its entries and counts stand in the loaded arrays, until the gram is first used.
Posting = dict[int, int]
Stored = tuple[str, str, str, str, str, tuple[tuple[str, str], ...]]  # a Doc's fields, in order
FIELDS = ("iri", "kind", "title", "text", "context", "reports")
SEPARATOR = "\x00"  # between the strings of a saved column (one that holds it is saved as a list)
IRI, KIND = 0, 1


class Index:
    """BM25 over bigrams, updated one entry at a time (`put`, `remove`): a write changes one
    report's entries, and rebuilding the whole index for it took seconds at a thousand reports.
    `state` and `from_state` save and load it (webapp/searchfile.py) without per-entry objects to
    rebuild: entries are kept as plain tuples and every posting in two arrays, turned into a dict
    per gram on first use, so loading a thousand reports' index is reading a file.
    Not thread-safe: the caller (webapp/search.py) holds a lock while it updates or searches."""

    def __init__(self, docs: Iterable[Doc] = ()):
        self._docs: dict[int, Stored] = {}
        self._ids: dict[tuple[str, str], int] | None = {}  # None until needed, after a load
        self._title: dict[int, str] = {}
        self._body: dict[int, str] = {}
        self._length: dict[int, int] = {}
        self._postings: dict[str, Posting | tuple[int, int]] = {}
        self._loaded = (array("I"), array("I"))  # entries and counts of the postings not yet used
        self._total = 0
        self._next = 0
        for doc in docs:
            self.put(doc)

    @property
    def docs(self) -> list[Doc]:
        return [Doc(*fields) for fields in self._docs.values()]

    def state(self) -> dict:
        """Everything the index holds as a few long strings and arrays (what `from_state` takes
        back): unpickling an object per entry and field took seconds at a thousand reports."""
        grams, bounds, entries, counts = list(self._postings), array("Q", [0]), array("I"), array("I")
        for gram in grams:
            posting = self._postings[gram]
            if isinstance(posting, tuple):
                entries.extend(self._loaded[0][posting[0] : posting[1]])
                counts.extend(self._loaded[1][posting[0] : posting[1]])
            else:
                entries.extend(posting.keys())
                counts.extend(posting.values())
            bounds.append(len(entries))
        ids = list(self._docs)
        fields = list(zip(*self._docs.values(), strict=True)) or [()] * len(FIELDS)
        texts = [*fields[: len(FIELDS) - 1], [self._title[i] for i in ids], [self._body[i] for i in ids]]
        return {
            "ids": array("I", ids),
            "texts": [_joined(column) for column in texts],
            "reports": {i: stored[-1] for i, stored in self._docs.items() if stored[-1]},
            "lengths": array("I", (self._length[i] for i in ids)),
            "postings": (grams, bounds, entries, counts),
            "total": self._total,
            "next": self._next,
        }

    @classmethod
    def from_state(cls, state: dict) -> Index:
        index = cls()
        ids, reports = state["ids"], state["reports"]
        *columns, titles, bodies = (_split(column, len(ids)) for column in state["texts"])
        columns.append(map(reports.get, ids, repeat((), len(ids))))
        index._docs = dict(zip(ids, zip(*columns, strict=True), strict=True))
        index._title, index._body = dict(zip(ids, titles, strict=True)), dict(zip(ids, bodies, strict=True))
        index._length = dict(zip(ids, state["lengths"], strict=True))
        grams, bounds, entries, counts = state["postings"]
        index._postings = dict(zip(grams, pairwise(bounds), strict=True))
        index._loaded, index._ids = (entries, counts), None
        index._total, index._next = state["total"], state["next"]
        return index

    def put(self, doc: Doc) -> None:
        """Add `doc`, in place of the entry of the same kind and IRI if there is one."""
        self.remove(doc.key)
        i, self._next = self._next, self._next + 1
        self._keys()[doc.key] = i
        self._docs[i] = (doc.iri, doc.kind, doc.title, doc.text, doc.context, doc.reports)
        self._title[i], self._body[i] = normalise(doc.title), normalise(doc.text)
        tf = self._counts(i)
        self._length[i] = sum(tf.values())
        self._total += self._length[i]
        postings = self._postings
        for gram, count in tf.items():  # ten million times for a thousand reports: lookups only
            posting = postings.get(gram)
            if posting is None:
                postings[gram] = {i: count}
            elif type(posting) is dict:
                posting[i] = count
            else:  # still in the loaded arrays
                self._posting(gram)[i] = count  # type: ignore[index]

    def remove(self, key: tuple[str, str]) -> None:
        i = self._keys().pop(key, None)
        if i is None:
            return
        for gram in self._counts(i):
            posting = self._posting(gram)
            del posting[i]
            if not posting:
                del self._postings[gram]
        self._total -= self._length.pop(i)
        del self._docs[i], self._title[i], self._body[i]

    def _counts(self, i: int) -> Counter:
        """Entry i's grams, a title's weighing TITLE_WEIGHT: what the postings hold for it."""
        tf = Counter(grams(self._body[i]))
        for gram in grams(self._title[i]):
            tf[gram] += TITLE_WEIGHT
        return tf

    def _keys(self) -> dict[tuple[str, str], int]:
        """Kind and IRI → entry; after a load, made on the first change (a search needs none)."""
        if self._ids is None:
            self._ids = {(fields[KIND], fields[IRI]): i for i, fields in self._docs.items()}
        return self._ids

    def _posting(self, gram: str) -> Posting | None:
        found = self._postings.get(gram)
        if isinstance(found, tuple):
            start, end = found
            found = self._postings[gram] = dict(
                zip(self._loaded[0][start:end], self._loaded[1][start:end], strict=True)
            )
        return found

    def search(self, query: str, *, limit: int, kinds: set[str] | None = None) -> list[Hit]:
        """The best `limit` entries holding every typed term. A common word is in most of a thousand
        reports' entries, so the loop over candidates is kept to lookups and arithmetic."""
        wanted = terms(query)
        if not wanted:
            return []
        weights = self._idf({g for t in wanted for g in grams(t)})
        postings = [self._posting(g) or {} for g, _idf in weights]
        smallest, *others = sorted(postings, key=len)
        candidates = [i for i in smallest if all(i in other for other in others)] if others else smallest
        checked = [t for t in wanted if len(t) > 2]  # a shorter term is its own gram: its posting holds it
        base, per_length = K1 * (1 - B), K1 * B * len(self._docs) / max(self._total, 1)
        docs, titles, bodies, lengths = self._docs, self._title, self._body, self._length
        weighted = [(idf, posting) for (_gram, idf), posting in zip(weights, postings, strict=True)]
        scored = []
        for i in candidates:
            if kinds and docs[i][KIND] not in kinds:
                continue
            title, body = titles[i], bodies[i]
            if checked and not all(t in title or t in body for t in checked):
                continue
            norm = base + per_length * lengths[i]
            score = sum(idf * (f := posting[i]) * (K1 + 1) / (f + norm) for idf, posting in weighted)
            exact = title in wanted
            scored.append((score + (2.0 if exact else 0.0), _title_alone(docs[i][KIND], exact, body, wanted), i))
        # Ties in kind and IRI order: the same answer whichever order the entries were put in.
        best = heapq.nsmallest(
            limit, scored, key=lambda p: (p[1], -p[0], KIND_ORDER.get(docs[p[2]][KIND], 0), docs[p[2]][IRI])
        )
        pattern = re.compile("|".join(re.escape(t) for t in sorted(wanted, key=len, reverse=True)))
        return [Hit(Doc(*docs[i]), round(score, 3), self._snippet(i, wanted, pattern)) for score, _, i in best]

    def _idf(self, query_grams: set[str]) -> list[tuple[str, float]]:
        count = len(self._docs)
        out = []
        for gram in sorted(query_grams):
            posting = self._postings.get(gram, {})
            df = posting[1] - posting[0] if isinstance(posting, tuple) else len(posting)
            out.append((gram, math.log(1 + (count - df + 0.5) / (df + 0.5))))
        return out

    def _snippet(self, i: int, wanted: list[str], pattern: re.Pattern) -> Markup:
        """The passage around the first match, each typed term marked (text escaped)."""
        _iri, _kind, title, text, *_rest = self._docs[i]
        for original, folded in ((text, self._body[i]), (title, self._title[i])):
            shown = original if len(original) == len(folded) else folded
            first = min((folded.find(t) for t in wanted if t in folded), default=-1)
            if first < 0:
                continue
            start, end = max(0, first - SNIPPET_RADIUS), min(len(shown), first + SNIPPET_RADIUS * 2)
            return _mark(shown, folded, start, end, pattern)
        return Markup(escape(text[: SNIPPET_RADIUS * 2]))


def _title_alone(kind: str, exact: bool, body: str, wanted: list[str]) -> bool:
    """Whether a finding or measure matches on the finding's title alone (a measure's entry carries
    its finding's title): such hits rank after those whose own text holds the words — a measure
    saying it beats each measure of a finding whose title says it — unless the title is what was typed."""
    return kind in TITLED_BY_FINDING and not exact and not all(t in body for t in wanted)


def _mark(shown: str, folded: str, start: int, end: int, pattern: re.Pattern) -> Markup:
    out, at = ["…" if start > 0 else ""], start
    for match in pattern.finditer(folded, start, end):
        out.append(f"{escape(shown[at : match.start()])}<mark>{escape(shown[match.start() : match.end()])}</mark>")
        at = match.end()
    out.append(str(escape(shown[at:end])))
    out.append("…" if end < len(shown) else "")
    return Markup("".join(out))


def _joined(column: Iterable[str]) -> str | list[str]:
    """Strings as one string, split again in one call on loading (a slice per string took
    seconds at a thousand reports); kept as a list if one of them holds the separator."""
    values = list(column)
    joined = SEPARATOR.join(values)
    return joined if joined.count(SEPARATOR) == max(len(values) - 1, 0) else values


def _split(column: str | list[str], count: int) -> list[str]:
    if isinstance(column, list):
        return column
    return column.split(SEPARATOR) if count else []
