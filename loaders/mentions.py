"""Organisation mentions in a stretch of report text, grouped into lists.

A mention is a gazetteer term with what stands before it: a place (青浦区, 昆山市), a relative
level (区, 县, 市), a vague place (相邻县) or a count (12家). Overlapping candidates are settled
longest first. Mentions separated only by 、/和/及 form a list, which shares one cue (联合区数据局、
医保局、残联 → three partners). Text inside 《》 (document titles, whose issuers documents.py
reads) and “” (names of accounts, projects) names nobody here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from loaders.orgs import Gazetteer, Term
from loaders.places import LEVEL_CHAR, Jurisdiction, Place

HAN = re.compile(r"[\u4e00-\u9fff]")
QUOTES = (("《", "》"), ("“", "”"))
PREFIXED = ("body", "stem", "pattern", "level", "bureau")
PREFIX_WORDS = ("generic_place_prefixes", "lower_level_prefixes")


@dataclass
class Mention:
    start: int
    end: int
    surface: str
    form: str  # the term as printed, without prefix or count
    term: Term
    prefix: str = ""  # 区, 青浦区, 昆山市, 相邻县 — as printed
    place: Place | None = None  # what the prefix resolves to; None without prefix or if unknown
    vague: bool = False  # the prefix names no particular place (相邻县)
    lower: bool = False  # the prefix names every lower jurisdiction (各区民政局)


@dataclass(frozen=True)
class Prefix:
    text: str = ""
    place: Place | None = None
    vague: bool = False
    lower: bool = False


@dataclass
class MentionList:
    items: list[Mention]
    tail: str = ""  # 等5个部门
    end: int = 0  # after the tail

    @property
    def start(self) -> int:
        return self.items[0].start


@dataclass(frozen=True)
class FormIndex:
    """Words by first character, and a pattern for the characters that start one: a scan visits
    only the positions where some word may begin, and tries only the words that begin there."""

    by_first: dict[str, list[str]]  # first character → the words starting with it, in the given order
    starts: re.Pattern[str]  # any of those first characters

    @classmethod
    def of(cls, words: list[str]) -> FormIndex:
        by_first: dict[str, list[str]] = {}
        for word in words:
            by_first.setdefault(word[0], []).append(word)
        chars = "".join(re.escape(c) for c in sorted(by_first))
        return cls(by_first, re.compile(f"[{chars}]" if chars else "(?!)"))


@dataclass
class Finder:
    gaz: Gazetteer
    jur: Jurisdiction
    bureau: str | None
    extra: dict[str, Term] = field(default_factory=dict)  # (以下简称X) abbreviations of this report
    # The form index for the current abbreviations, built once per report rather than per measure.
    _index: tuple[frozenset[str], FormIndex] | None = field(default=None, init=False, repr=False, compare=False)
    _body: tuple[tuple[str, ...], re.Pattern[str]] | None = field(default=None, init=False, repr=False, compare=False)

    def find(self, text: str, lo: int, hi: int, *, in_title: bool = False) -> list[MentionList]:
        """Lists of mentions in text[lo:hi]; `in_title` reads a document title's issuers, which the
        quotes would otherwise hide."""
        masked = (set() if in_title else _masked(text, lo, hi)) | {
            i for m in self.gaz.abbreviation.finditer(text, lo, hi) for i in range(m.start(), m.end())
        }
        known = _longest_first(self._candidates(text, lo, hi, masked))
        unknown = self._unknown_candidates(text, lo, hi, masked)
        known = [k for k in known if not _unit_of(k, unknown)]
        chosen = _longest_first(known + unknown, keep=known)
        lists = self._group(text, chosen)
        return [kept for lst in lists if (kept := self._valid(text, lst))]

    # -- candidates -------------------------------------------------------------------------------

    def _terms(self, form: str) -> list[Term]:
        subordinate = self.gaz.subordinates.get(self.bureau or "", {}).get(form)
        extra = self.extra.get(form)
        return [t for t in (extra, subordinate) if t] + self.gaz.terms.get(form, [])

    def _forms(self) -> list[str]:
        forms = set(self.gaz.terms) | set(self.extra) | set(self.gaz.subordinates.get(self.bureau or "", {}))
        return sorted(forms, key=len, reverse=True)

    @cached_property
    def _boundary_index(self) -> FormIndex:
        return FormIndex.of(self.gaz.boundary_words())

    @cached_property
    def _word_tuples(self) -> dict[str, tuple[str, ...]]:
        """Gazetteer word lists as tuples, for str.endswith: most positions end with none of them."""
        return {name: tuple(self.gaz.words(name)) for name in PREFIX_WORDS}

    def _form_index(self) -> FormIndex:
        """The forms by first character, longest first, and a pattern for the characters that start one.

        The gazetteer is fixed once built and the bureau with it; only the abbreviations a report
        defines change what is indexed, so they are the key."""
        abbreviations = frozenset(self.extra)
        if self._index is None or self._index[0] != abbreviations:
            self._index = (abbreviations, FormIndex.of(self._forms()))
        return self._index[1]

    def _candidates(self, text: str, lo: int, hi: int, masked: set[int]) -> list[Mention]:
        out: list[Mention] = []
        index = self._form_index()
        for start in index.starts.finditer(text, lo, hi):  # only where some form may begin
            i = start.start()
            if i in masked:
                continue
            for form in index.by_first[text[i]]:
                fits = text.startswith(form, i) and i + len(form) <= hi
                m = self._mention(text, lo, i, i + len(form), form, self._terms(form)) if fits else None
                if m is not None and (m := self._suffixed(text, hi, m)):
                    out.append(m)
        out += self._pattern_candidates(text, lo, hi, masked)
        return out

    def _suffixed(self, text: str, hi: int, m: Mention) -> Mention | None:
        """A stem with an organisation suffix the gazetteer lacks (区规划资源局, 市市场监督局) is the
        body all the same: the suffix belongs to the mention, and so to the list it stands in. Any
        other organisation suffix (区医保中心, 区城管大队) makes another body, which the stem must
        not claim: the reader of unknown bodies names it."""
        if m.term.sort != "stem":
            return m
        suffix = next((w for w in self.gaz.words("stem_suffixes") if text.startswith(w, m.end, hi)), "")
        if suffix:
            m.end += len(suffix)
            m.surface += suffix
        elif any(text.startswith(w, m.end, hi) for w in self.gaz.unknown_kinds):
            return None
        return m

    def _pattern_candidates(self, text: str, lo: int, hi: int, masked: set[int]) -> list[Mention]:
        out = []
        for pattern, term in self.gaz.patterns:
            for m in pattern.finditer(text, lo, hi):
                if m.start() not in masked and (
                    mention := self._mention(text, lo, m.start(), m.end(), m.group(0), [term])
                ):
                    out.append(mention)
        for m in self.gaz.collective.finditer(text, lo, hi):
            if m.start() not in masked:
                term = Term("collective", "", "grassroots-government")
                out.append(Mention(m.start(), m.end(), m.group(0), m.group(0), term))
        return out

    def _unknown_candidates(self, text: str, lo: int, hi: int, masked: set[int]) -> list[Mention]:
        """Bodies the gazetteer lacks, by shape, right after a cue or separator: (省|区|县|市|a known
        place) + name + suffix (联合区城运中心), or a township named on its own (联合华新镇)."""
        body = self._unknown_body()
        out = []
        for i in sorted(self._boundaries(text, lo, hi) - masked):
            if m := body.match(text, i, hi):
                prefix, name = m.group("prefix"), m.group("name")
                place = self.jur.known.get(prefix) or self.jur.relative(prefix)
                term = Term("unknown", name, self.gaz.unknown_kinds[m.group("suffix")])
                out.append(Mention(m.start(), m.end(), m.group(0), name, term, prefix, place))
            elif m := self.gaz.named_township.match(text, i, hi):
                term = Term("unknown", m.group("name"), "grassroots-government")
                out.append(Mention(m.start(), m.end(), m.group(0), m.group("name"), term))
        return out

    def _unknown_body(self) -> re.Pattern[str]:
        """(省|区|县|市|a known place) + name + suffix; rebuilt only when the report names a new place."""
        known = tuple(self.jur.known)
        if self._body is None or self._body[0] != known:
            places = "|".join(re.escape(p) for p in sorted(known, key=len, reverse=True))
            levels = "".join(LEVEL_CHAR.values())
            pattern = re.compile(rf"(?P<prefix>{places + '|' if places else ''}[{levels}]){self.gaz.unknown_name}")
            self._body = (known, pattern)
        return self._body[1]

    def _boundaries(self, text: str, lo: int, hi: int) -> set[int]:
        """Positions right after a cue word or a list separator (and the start of the text), but
        not inside a longer cue (对|接 in 对接赵巷镇 is no boundary)."""
        index = self._boundary_index
        spans = set()
        for start in index.starts.finditer(text, lo, hi):
            i = start.start()
            spans.update((i, i + len(word)) for word in index.by_first[text[i]] if text.startswith(word, i, hi))
        inside = {p for a, b in spans if b - a > 1 for p in range(a + 1, b)}
        return ({b for _, b in spans} - inside) | {lo}

    def _mention(self, text: str, lo: int, s: int, e: int, form: str, terms: list[Term]) -> Mention | None:
        prefix = self._prefix(text, lo, s, terms)
        term = _pick(terms, bool(prefix.text))
        if term is None:
            return None
        counted = term.sort in ("other", "internal", "subordinate") and not prefix.text
        if counted and (q := self.gaz.quantity.search(text, lo, s)):
            return Mention(q.start(), e, text[q.start() : e], form, term)
        if term.sort not in (*PREFIXED, "generic", "subordinate") or (prefix.lower and term.sort not in PREFIXED):
            prefix = Prefix()
        start = s - len(prefix.text)
        return Mention(start, e, text[start:e], form, term, prefix.text, prefix.place, prefix.vague, prefix.lower)

    def _prefix(self, text: str, lo: int, s: int, terms: list[Term]) -> Prefix:
        """What stands before a term: a vague place, every lower place, a known place, a new
        place, or 区/县/市."""
        before = text[lo:s]
        for words, flag in (("generic_place_prefixes", "vague"), ("lower_level_prefixes", "lower")):
            tried = self._word_tuples[words]
            if before.endswith(tried) and (hit := next(w for w in tried if before.endswith(w))):
                return Prefix(hit, None, **{flag: True})
        if hit := self.jur.named(before):
            return self._headed(before, Prefix(*hit))
        if any(t.sort in ("body", "pattern", "generic") for t in terms) and (name := self._new_place(before)):
            return self._headed(before, Prefix(name, self.jur.other(name)))
        if before and before[-1] in LEVEL_CHAR.values():
            if len(before) >= 2 and before[-2] in self.gaz.words("relative_blockers"):
                return Prefix()
            return Prefix(before[-1], self.jur.relative(before[-1]))
        return Prefix()

    def _headed(self, before: str, prefix: Prefix) -> Prefix:
        """国家税务总局 + 澄州市: the head of an official name belongs to the mention."""
        rest = before[: len(before) - len(prefix.text)]
        head = next((h for h in self.gaz.words("name_heads") if rest.endswith(h)), "")
        return Prefix(head + prefix.text, prefix.place)

    def _new_place(self, before: str) -> str | None:
        """A place the report names for the first time (对接昆山市民政局): 2–3 characters and a
        level suffix, standing after a cue or a separator, and holding no verb or function word."""
        if not before or before[-1] not in "市县区":
            return None
        stop, stop_chars = self.gaz.stopwords(), self.gaz.raw["place_stop_chars"]
        for size in (2, 3):
            name, rest = before[-size - 1 : -1], before[: -size - 1]
            plain = len(name) == size and all(HAN.match(c) and c not in stop_chars for c in name)
            if plain and not any(w in name for w in stop) and self._boundary(rest):
                return name + before[-1]
        return None

    def _boundary(self, rest: str) -> bool:
        """A new place must follow a cue or a separator (对接昆山市…, 、嘉定区…): after any other
        word 区/县/市 is far more often the report's own relative prefix, and the word before it
        a verb (制定区民政局…, 积极争取市民政局…)."""
        return not rest or rest.endswith(tuple(self.gaz.boundary_words()))

    # -- lists ------------------------------------------------------------------------------------

    def _group(self, text: str, mentions: list[Mention]) -> list[MentionList]:
        separators = set(self.gaz.words("list_separators"))
        lists: list[MentionList] = []
        for m in mentions:
            between = self.gaz.abbreviation.sub("", text[lists[-1].items[-1].end : m.start]) if lists else None
            if between in separators:
                lists[-1].items.append(m)
            else:
                lists.append(MentionList([m]))
        for lst in lists:
            tail = self.gaz.list_tail.match(text, lst.items[-1].end)
            lst.tail = tail.group(0) if tail else ""
            lst.end = lst.items[-1].end + len(lst.tail)
        return lists

    def _valid(self, text: str, lst: MentionList) -> MentionList | None:
        """A bare stem (市场, 教育) names a body only after a place prefix or in a list of
        departments; elsewhere it is a common noun (安全教育, 财政资金)."""
        anchored = bool(lst.tail) or (
            len(lst.items) >= 2 and any(m.term.sort in ("body", "level", "pattern") for m in lst.items)
        )
        blockers = tuple(self.gaz.words("stem_blockers"))
        items = [
            m
            for m in lst.items
            if m.term.sort != "stem" or anchored or (m.prefix and not m.vague and not text.startswith(blockers, m.end))
        ]
        if not items:
            return None
        lst.items = items
        return lst


def _pick(terms: list[Term], prefixed: bool) -> Term | None:
    """The reading of a term that fits its prefix: 区纪委 is a Party body, 纪委 alone the issuer's."""
    if prefixed:
        return next((t for t in terms if t.sort in (*PREFIXED, "generic", "subordinate")), terms[0] if terms else None)
    return next((t for t in terms if not t.needs_prefix), None)


def _unit_of(known: Mention, unknown: list[Mention]) -> bool:
    """Whether a body the gazetteer knows is only the start of an institution's name printed in
    full (区残联康复中心, 县民政局社会救助服务中心): a unit of its own, which the short name must not claim."""
    return any(
        u.start == known.start and u.end > known.end and u.term.kind == "public-institution" for u in unknown
    )


def _longest_first(candidates: list[Mention], keep: list[Mention] | None = None) -> list[Mention]:
    """Non-overlapping mentions, longest first; `keep` are settled already and always win."""
    taken: list[Mention] = list(keep or [])
    for m in sorted(candidates, key=lambda m: (-(m.end - m.start), m.start)):
        if m in taken:
            continue
        if all(m.end <= t.start or m.start >= t.end for t in taken):
            taken.append(m)
    return sorted(taken, key=lambda m: m.start)


def _masked(text: str, lo: int, hi: int) -> set[int]:
    masked: set[int] = set()
    for open_, close in QUOTES:
        pos = lo
        while (a := text.find(open_, pos, hi)) != -1:
            b = text.find(close, a, hi)
            b = hi if b == -1 else b
            masked.update(range(a, b + 1))
            pos = b + 1
    return masked
