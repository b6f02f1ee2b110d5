"""The saved-query forms' drop-downs, and what a large store offers instead.

In a store of more than LARGE_STORE_REPORTS reports, two drop-downs would be too long to read or
to build: every finding of a thousand reports is 32,000 choices (a 2 MB form, 5 s to build after
each write), every department named in a measure 5,400 (7 s). There a finding is picked report
first: the report's drop-down comes first and, chosen, fills the finding's in place with that
report's findings (static/narrow.js, from `within_value`; without the script a button reloads
the form), and a finding given alone (a link) is shown among its report's. A department is
typed, with suggestions from search's index as one types (static/autocomplete.js; the query
takes a name or an alias, so the text is enough without it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from graph.interface import QueryError
from graph.store import Store
from queries import catalog
from queries.catalog import Param, SavedQuery
from webapp import db, resulttable

Choices = list[tuple[str, list[tuple[str, str]]]]

# Enumerations a large store offers as typed text, each with the endpoint suggesting values.
TYPED = {"departments": "search.departments"}


@dataclass
class Form:
    """What a form's inputs offer: the choices per drop-down, the parameters typed with
    suggestions (and where from), the values shown selected (the URL's, and the report of a
    finding given alone), and which drop-down narrows which."""

    params: list[Param]
    choices: dict[str, Choices]
    shown: dict[str, str]
    typed: dict[str, str] = field(default_factory=dict)  # parameter → the endpoint suggesting values
    narrows: dict[str, Param] = field(default_factory=dict)  # narrowing parameter → the narrowed
    narrowed_by: dict[str, Param] = field(default_factory=dict)  # narrowed parameter → the narrowing


def narrowed_params(query: SavedQuery) -> set[str]:
    """The query's parameters whose choices another parameter narrows in a large store."""
    return {p.name for p in query.params if _narrowed_by(query, p) is not None}


def form(query: SavedQuery, values: dict[str, str]) -> Form:
    made = Form(list(query.params), {}, dict(values))
    many = any(p.enumerate in TYPED or p.enumerate in catalog.NARROWED for p in query.params) and large()
    for p in query.params:
        if p.enumerate is None:
            continue
        by = _narrowed_by(query, p) if many else None
        if many and p.enumerate in TYPED:
            made.typed[p.name] = TYPED[p.enumerate]
        elif by is None:
            made.choices[p.name] = _labelled(query, p.name, enumerated(p.enumerate))
        else:
            within = values.get(by.name) or _owner(p, values.get(p.name))
            if within:
                made.shown.setdefault(by.name, within)
            made.choices[p.name] = within_value(p.enumerate, within)
            made.narrows[by.name], made.narrowed_by[p.name] = p, by
    made.params.sort(key=lambda p: p.name not in made.narrows)  # the report before its findings
    return made


def _narrowed_by(query: SavedQuery, param: Param) -> Param | None:
    """The parameter whose value narrows this one's choices, if the query has one."""
    narrowing = catalog.NARROWED.get(param.enumerate or "")
    if narrowing is None:
        return None
    return next((q for q in query.params if q.enumerate == narrowing.by), None)


def large(fresh: bool = False) -> bool:
    """Whether the store holds more reports than LARGE_STORE_REPORTS: forms then offer no finding
    nor department whole, and the warm-up builds the shared network apart (webapp/warm.py)."""
    return reports(fresh) > current_app.config["LARGE_STORE_REPORTS"]


def reports(fresh: bool = False) -> int:
    """How many reports the store holds (the reports' drop-down, kept until the next write)."""
    return sum(len(pairs) for _, pairs in enumerated("reports", fresh))


def _owner(param: Param, value: str | None) -> str | None:
    if not value:
        return None
    try:
        term = param.term(value)
    except QueryError:  # the query's own run says what is wrong with it
        return None
    return db.run(lambda store: catalog.owner(store, param.enumerate or "", term))


def within_value(enumeration: str, value: str | None) -> Choices:
    """A narrowed enumeration's choices under one value of its narrowing (a report's findings;
    none before one is chosen, or for a value that is no IRI)."""
    if not value:
        return []
    try:
        term = Param("within", type="iri").term(value)
    except QueryError:
        return []
    found = db.run(lambda store: catalog.grouped_choices(store, enumeration, term))
    return [("", [pair for _, pairs in found for pair in pairs])] if found else []


def _labelled(query: SavedQuery, param: str, found: Choices) -> Choices:
    """Each coded value by its label where the query's column of the same name has one (roles:
    牵头, not `lead`)."""
    if param not in query.value_labels:
        return found
    return [(group, [(v, resulttable.value_label(query, param, v)) for v, _ in pairs]) for group, pairs in found]


def enumerated(enumeration: str, fresh: bool = False) -> Choices:
    """A drop-down's groups of choices, kept until the next write (every department named in a
    measure took 0.8–1.3 s at 100 reports, 7 s at 1,000, on every visit to the form) and warmed
    after each write (webapp/warm.py, `fresh`); a visit while the warm-up is due or under way gets
    the choices from before the write (db.kept_or_stale: a department the write brought in is
    offered a moment later), and a visit after a restart those saved beside the store for the
    same store version (db.lasting). Cut at MAX_ROWS choices, as a visitor's query would be."""

    def build(store: Store) -> Choices:
        return catalog.grouped_choices(store, enumeration)

    key = "choices." + enumeration
    lasting = db.lasting(key, build)
    found = db.cached(key, lasting) if fresh else db.kept_or_stale(key, lasting)[0]
    left = current_app.config["MAX_ROWS"]
    out = []
    for group, pairs in found:
        if left <= 0:
            break
        out.append((group, pairs[:left]))
        left -= len(pairs)
    return out


def warm() -> None:
    """Build the drop-downs the forms offer whole (after each write): in a large store not every
    finding nor every department, which no form lists."""
    many = large(fresh=True)
    for enumeration in catalog.ENUMERATIONS:
        if not (many and (enumeration in TYPED or enumeration in catalog.NARROWED)):
            enumerated(enumeration, fresh=True)
