"""The saved-query forms' drop-downs, and the picker for a choice too long for one.

A finding is picked among its report's findings once the store holds more reports than
FINDING_CHOICES_WHOLE_UPTO: at a thousand reports every finding is 10,000 options (a 2 MB form
that took seconds to build after each write and scrolled past any reading). The report's
drop-down then comes first and, chosen, reloads the form with its findings (static/narrow.js; a
button without the script). A finding given alone (a link) is shown among its report's.
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


@dataclass
class Form:
    """What a form's drop-downs show: the choices per parameter, the values shown selected (the
    URL's, and the report of a finding given alone), and which drop-down narrows which."""

    params: list[Param]
    choices: dict[str, Choices]
    shown: dict[str, str]
    narrows: dict[str, Param] = field(default_factory=dict)  # narrowing parameter → the narrowed
    narrowed_by: dict[str, Param] = field(default_factory=dict)  # narrowed parameter → the narrowing


def form(query: SavedQuery, values: dict[str, str]) -> Form:
    made = Form(list(query.params), {}, dict(values))
    for p in query.params:
        if p.enumerate is None:
            continue
        by = _narrowed_by(query, p)
        if by is None:
            made.choices[p.name] = _labelled(query, p.name, enumerated(p.enumerate))
            continue
        within = values.get(by.name) or _owner(p, values.get(p.name))
        if within:
            made.shown.setdefault(by.name, within)
        made.choices[p.name] = _within(p, by, within)
        made.narrows[by.name], made.narrowed_by[p.name] = p, by
    made.params.sort(key=lambda p: p.name not in made.narrows)  # the report before its findings
    return made


def _narrowed_by(query: SavedQuery, param: Param) -> Param | None:
    """The parameter whose value narrows this one's choices, when the store is too large to offer
    them whole and the query has one."""
    narrowing = catalog.NARROWED.get(param.enumerate or "")
    if narrowing is None or not _many(narrowing.by):
        return None
    return next((q for q in query.params if q.enumerate == narrowing.by), None)


def _many(enumeration: str, fresh: bool = False) -> bool:
    chosen = sum(len(pairs) for _, pairs in enumerated(enumeration, fresh))
    return chosen > current_app.config["FINDING_CHOICES_WHOLE_UPTO"]


def _owner(param: Param, value: str | None) -> str | None:
    if not value:
        return None
    try:
        term = param.term(value)
    except QueryError:  # the query's own run says what is wrong with it
        return None
    return db.run(lambda store: catalog.owner(store, param.enumerate or "", term))


def _within(param: Param, by: Param, value: str | None) -> Choices:
    """The choices under one value of the narrowing parameter (none before it is chosen)."""
    if not value:
        return []
    try:
        term = by.term(value)
    except QueryError:
        return []
    found = db.run(lambda store: catalog.grouped_choices(store, param.enumerate or "", term))
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
    """Build the drop-downs the forms offer whole (after each write): not the findings of a store
    too large to offer them whole, which no form shows."""
    for enumeration in catalog.ENUMERATIONS:
        narrowing = catalog.NARROWED.get(enumeration)
        if narrowing is None or not _many(narrowing.by, fresh=True):
            enumerated(enumeration, fresh=True)
