"""The organisation gazetteer (gazetteer.yaml) as lookup structures.

Names, short forms, stems, unnamed and collective terms and cue words are data in the YAML; this
module only turns them into a term index (term → what it may name) that the mention finder walks.
A term may name several things (纪委 is a Party body after 区/县, the issuer's 机关纪委 without a
prefix); the finder decides by what stands before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Body:
    """A department or public body that every jurisdiction has (its 财政局, its 卫健委)."""

    key: str
    names: dict[str, str]
    implies: dict[str, str]
    template: str | None
    kind: str

    def default_name(self, level: str | None) -> str:
        return self.names.get(level or "", self.names["default"])

    def label(self, place_label: str, name: str, issuer: str = "") -> str:
        if self.template:
            return self.template.format(place=place_label, issuer=issuer)
        return f"{place_label}{name}"


@dataclass(frozen=True)
class Term:
    """One way a report may name an organisation, and what it names.

    sort: body (a full or short form), stem (a bare word valid only in a list or after a
    prefix), level (团县委: the level is inside the form), pattern (纪委监委第三派驻纪检监察组),
    bureau (区局/市局: the issuer's type), issuer (我局), subordinate, internal, generic, other,
    collective.
    """

    sort: str
    name: str
    kind: str
    body: Body | None = None
    needs_prefix: bool = False
    level: str | None = None


@dataclass
class Gazetteer:
    terms: dict[str, list[Term]] = field(default_factory=dict)
    subordinates: dict[str, dict[str, Term]] = field(default_factory=dict)  # bureau → form → term
    patterns: list[tuple[re.Pattern[str], Term]] = field(default_factory=list)
    collective: re.Pattern[str] = re.compile("(?!)")
    collective_label: dict[str, str] = field(default_factory=dict)
    upper_label: dict[str, str] = field(default_factory=dict)  # the report's level → 各区县 / 各市县
    upper_forms: tuple[str, ...] = ()
    quantity: re.Pattern[str] = re.compile("(?!)")
    list_tail: re.Pattern[str] = re.compile("(?!)")
    abbreviation: re.Pattern[str] = re.compile("(?!)")
    unknown_kinds: dict[str, str] = field(default_factory=dict)  # organisation suffix → kind
    class_kinds: frozenset[str] = frozenset()  # kinds of `others` that are classes, never partners
    unknown_name: str = ""  # regex for the name between a place prefix and a suffix
    named_township: re.Pattern[str] = re.compile("(?!)")
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, form: str, term: Term) -> None:
        self.terms.setdefault(form, []).append(term)

    def cue(self, name: str) -> list[str]:
        return list(self.raw["cues"][name])

    def words(self, name: str) -> list[str]:
        return list(self.raw[name])

    def stopwords(self) -> set[str]:
        """Verbs and cue words: never part of a place name."""
        cues = {w for words in self.raw["cues"].values() if isinstance(words, list) for w in words}
        return set(self.raw["place_stopwords"]) | cues

    def boundary_words(self) -> list[str]:
        """Cue words and list separators: what may stand right before a name never seen before."""
        cues = {w for words in self.raw["cues"].values() if isinstance(words, list) for w in words}
        return sorted(cues | set(self.raw["list_separators"]))

    def abbreviation_suffixes(self) -> list[str]:
        """How a body defined by (以下简称X) may end: any organisation suffix, or a working group."""
        return sorted([*self.unknown_kinds, *self.raw["working_groups"]], key=len, reverse=True)

    def host(self, term: Term, form: str) -> str | None:
        """The body a pattern's mention is stationed at (驻省民政厅 → 省民政厅), if it has one."""
        pattern = next((p for p, t in self.patterns if t is term), None)
        match = pattern.fullmatch(form) if pattern else None
        return match.groupdict().get("host") if match else None

    def bureau_body(self, bureau: str | None) -> Body | None:
        """The gazetteer body an issuer's bureau name (民政局) belongs to."""
        for term in self.terms.get(bureau or "", []):
            if term.body is not None:
                return term.body
        return None


def _body(entry: dict[str, Any]) -> Body:
    names = dict(entry["name"])
    return Body(
        names["default"],
        names,
        dict(entry.get("implies", {})),
        entry.get("template"),
        entry.get("kind", "government-department"),
    )


def _add_body(gaz: Gazetteer, entry: dict[str, Any]) -> None:
    body = _body(entry)
    needs = bool(entry.get("needs_prefix", False))
    for form in [*entry.get("forms", []), *body.implies]:
        gaz.add(form, Term("body", body.key, body.kind, body, needs))
    for stem in entry.get("stems", []):
        gaz.add(stem, Term("stem", body.key, body.kind, body))
    for form, level in entry.get("embedded", {}).items():
        gaz.add(form, Term("level", body.key, body.kind, body, level=level))


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _collective(data: dict[str, Any]) -> re.Pattern[str]:
    quantifiers = "|".join(data["quantifiers"])
    quantified = rf"(?:(?:{quantifiers})(?:{_alternation(data['quantified'])}))"
    return re.compile(rf"{quantified}|(?:{_alternation(data['bare'])})|(?:{data['pressed']})")


def build(data: dict[str, Any]) -> Gazetteer:
    gaz = Gazetteer(raw=data)
    for entry in data["bodies"]:
        _add_body(gaz, entry)
    for entry in data["patterns"]:
        same_as = next((t.body for t in gaz.terms.get(entry.get("same_as", ""), []) if t.body), None)
        term = Term("pattern", "", entry["kind"], same_as, needs_prefix=True)
        gaz.patterns.append((re.compile(entry["regex"]), term))
    for bureau, units in data["subordinates"].items():
        gaz.subordinates[bureau] = {
            form: Term("subordinate", unit["name"], "public-institution") for unit in units for form in unit["forms"]
        }
    for unit in data["internal_units"]:
        for form in unit["forms"]:
            gaz.add(form, Term("internal", unit["name"], "internal-unit"))
    for entry in data["internal_patterns"]:
        gaz.patterns.append((re.compile(entry["regex"]), Term("internal", entry["name"], "internal-unit")))
    for form in data["issuer_forms"]:
        gaz.add(form, Term("issuer", form, "government-department"))
    gaz.add(data["bureau_short"], Term("bureau", data["bureau_short"], "government-department", needs_prefix=True))
    for form in data["generic"]:
        gaz.add(form, Term("generic", form, "generic"))
    for kind, forms in data["others"].items():
        for form in forms:
            gaz.add(form, Term("other", form, kind))
    gaz.collective = _collective(data["collective"])
    gaz.collective_label = dict(data["collective"]["label"])
    gaz.upper_label = dict(data["collective"]["upper_label"])
    gaz.class_kinds = frozenset(data["class_kinds"])
    gaz.upper_forms = tuple(data["collective"]["upper_forms"])
    gaz.quantity = re.compile(data["quantity"] + "$")
    gaz.list_tail = re.compile(data["list_tail"])
    gaz.abbreviation = re.compile(data["abbreviation"])
    _unknown(gaz, data["unknown_bodies"])
    gaz.named_township = re.compile(data["named_township"])
    return gaz


def _unknown(gaz: Gazetteer, data: dict[str, Any]) -> None:
    gaz.unknown_kinds = dict(data["suffixes"])
    first = re.escape(data["first_char_blockers"])
    stop = re.escape(data["stop_chars"])
    suffixes = _alternation(list(gaz.unknown_kinds))
    gaz.unknown_name = (
        rf"(?P<name>(?![{first}])(?:(?![{stop}])[\u4e00-\u9fff]){{1,{data['max_name']}}}?(?P<suffix>{suffixes}))"
    )


@cache
def gazetteer() -> Gazetteer:
    text = resources.files("loaders").joinpath("gazetteer.yaml").read_text(encoding="utf-8")
    return build(yaml.safe_load(text))
