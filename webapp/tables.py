"""Tables as Datasette shows them: sort by a column, a filter box per column, facets with counts,
and pages with the total — one component for the saved-query results, the search hits and the
findings list (which is the `findings` saved query).

It runs on the server over the whole answer (a saved query may answer ten thousand rows, a search
hundreds of hits), and every state is a URL parameter, so a link or the back button restores it:

- `page=N`: the page (PAGE_SIZE rows each);
- `_sort=COLUMN` / `_sort_desc=COLUMN`: the order;
- `_facet_COLUMN=VALUE`: keep the rows whose value in COLUMN is VALUE (the stored value — a code or
  an IRI, so a link works in either language; empty for “(空)”);
- `_filter_COLUMN=TEXT`: keep the rows whose cell, as shown, contains TEXT.

Every other parameter (a saved query's own, `q`, `lang`) is left as it is. A facet counts the rows
the other choices leave, each value once per row, a missing value as “(空)”: its counts add up to
the total shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote, urlencode

from flask import request

from webapp import i18n, links
from webapp.textindex import normalise

PAGE_SIZE = 50
PAGE_ARG, SORT_ARG, SORT_DESC_ARG = "page", "_sort", "_sort_desc"
FACET_PREFIX, FILTER_PREFIX = "_facet_", "_filter_"
# What a facet shows at most; the rest are counted under “others” so the counts still add up.
FACET_VALUES_SHOWN = 30

R = TypeVar("R")


@dataclass(frozen=True)
class Source(Generic[R]):
    """How the component reads one kind of row: the columns in order with their titles, a row's
    stored value in a column, and that value as the page shows it (its label)."""

    columns: Sequence[str]
    titles: Sequence[str]
    value: Callable[[R, str], str]
    label: Callable[[str, str], str]  # (column, value) → the text shown
    facets: Sequence[str] = ()


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class Facet:
    column: str
    title: str
    values: list[FacetValue]
    others: int  # rows whose value is not among those shown


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    sort_url: str
    order: str  # "asc", "desc" or "" — how the table is sorted by this column
    filter: str  # the text this column is filtered by


@dataclass(frozen=True)
class Table(Generic[R]):
    rows: list[R]  # this page's rows
    total: int
    first: int  # 1-based position of the first row shown (0 when there are none)
    page: int
    pages: int
    columns: list[Column]
    facets: list[Facet]
    prev_url: str | None
    next_url: str | None
    clear_url: str | None  # the table without its sort, filters and facets, when any is set

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def span(self) -> str:
        """“第 1–50 条，共 312 条” / “1–50 of 312”."""
        if not self.total:
            return i18n.message("table_none")
        return i18n.message("table_span").format(first=self.first, last=self.last, total=self.total)

    @property
    def filter_args(self) -> list[tuple[str, str]]:
        """The parameters the filter form carries as hidden fields: all but the filters and page."""
        return [(k, v) for k, v in _args() if not k.startswith(FILTER_PREFIX) and k != PAGE_ARG]


def build(rows: Sequence[R], source: Source[R]) -> Table[R]:
    """The table of `rows` in the state the request's URL gives: filtered, faceted, sorted, paged."""
    columns = list(source.columns)
    chosen = {c: set(request.args.getlist(FACET_PREFIX + c)) for c in columns if FACET_PREFIX + c in request.args}
    filters = {c: text for c in columns if (text := request.args.get(FILTER_PREFIX + c, "").strip())}
    filtered = [row for row in rows if _passes(row, source, filters)]
    kept = [row for row in filtered if _chosen(row, source, chosen)]
    sort, descending = _sort(columns)
    if sort:
        kept.sort(key=lambda row: _sort_key(source.value(row, sort), source.label(sort, source.value(row, sort))))
        if descending:
            kept = _reversed_non_empty(kept, source, sort)
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = min(max(1, request.args.get(PAGE_ARG, 1, type=int) or 1), pages)
    shown = kept[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    titles = dict(zip(columns, source.titles, strict=True))
    return Table(
        rows=shown,
        total=len(kept),
        first=(page - 1) * PAGE_SIZE + 1 if shown else 0,
        page=page,
        pages=pages,
        columns=[_column(c, titles[c], sort, descending, filters.get(c, "")) for c in columns],
        facets=[_facet(c, titles[c], kept, source, chosen.get(c, set())) for c in source.facets if c in titles],
        prev_url=_url(_with(PAGE_ARG, str(page - 1))) if page > 1 else None,
        next_url=_url(_with(PAGE_ARG, str(page + 1))) if page < pages else None,
        clear_url=_url(_cleared()) if chosen or filters or sort else None,
    )


def _passes(row: R, source: Source[R], filters: dict[str, str]) -> bool:
    """Whether the row's cells, as shown, contain each column's filter text (full-width and case folded)."""
    return all(normalise(text) in normalise(source.label(c, source.value(row, c))) for c, text in filters.items())


def _chosen(row: R, source: Source[R], chosen: dict[str, set[str]]) -> bool:
    return all(source.value(row, c) in values for c, values in chosen.items())


def _sort(columns: list[str]) -> tuple[str | None, bool]:
    for arg, descending in ((SORT_DESC_ARG, True), (SORT_ARG, False)):
        column = request.args.get(arg)
        if column in columns:
            return column, descending
    return None, False


def _sort_key(value: str, label: str) -> tuple[int, float, str]:
    """Empty cells last, numbers by value (findings: 9 before 10), anything else by the text shown."""
    if value == "":
        return 2, 0.0, ""
    try:
        return 0, float(value), ""
    except ValueError:
        return 1, 0.0, label


def _reversed_non_empty(rows: list[R], source: Source[R], column: str) -> list[R]:
    """Rows sorted ascending (empty cells last) in descending order, the empty cells still last."""
    filled = [row for row in rows if source.value(row, column) != ""]
    return filled[::-1] + rows[len(filled) :]


def _column(name: str, title: str, sort: str | None, descending: bool, text: str) -> Column:
    """A column's header: its link sorts ascending, then descending, as the visitor clicks again."""
    order = ("desc" if descending else "asc") if name == sort else ""
    arg = SORT_DESC_ARG if order == "asc" else SORT_ARG
    args = [(k, v) for k, v in _args() if k not in (SORT_ARG, SORT_DESC_ARG, PAGE_ARG)] + [(arg, name)]
    return Column(name, title, _url(args), order, text)


def _facet(column: str, title: str, rows: list[R], source: Source[R], selected: set[str]) -> Facet:
    """A column's values among the rows left, most frequent first, each with its count and the
    link that chooses it (or, when chosen, drops it)."""
    counts = Counter(source.value(row, column) for row in rows)
    counts.update(dict.fromkeys(selected - set(counts), 0))  # a chosen value no row has: still there to drop
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0] == "", source.label(column, pair[0])))
    shown = ranked[:FACET_VALUES_SHOWN]
    key = FACET_PREFIX + column
    values = [
        FacetValue(
            value,
            source.label(column, value) if value else i18n.message("table_empty"),
            count,
            value in selected,
            _url(_without(key, value) if value in selected else _with(key, value, keep=True)),
        )
        for value, count in shown
    ]
    return Facet(column, title, values, sum(count for _, count in ranked[FACET_VALUES_SHOWN:]))


def _args() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


def _with(key: str, value: str, keep: bool = False) -> list[tuple[str, str]]:
    """The URL's parameters with `key` set to `value` (added beside its other values if `keep`);
    any change but a page's goes back to page 1."""
    args = [(k, v) for k, v in _args() if k != PAGE_ARG and (keep or k != key)]
    return [*args, (key, value)] if key != PAGE_ARG or value != "1" else args


def _without(key: str, value: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in _args() if k != PAGE_ARG and (k, v) != (key, value)]


def _cleared() -> list[tuple[str, str]]:
    table = (PAGE_ARG, SORT_ARG, SORT_DESC_ARG)
    return [(k, v) for k, v in _args() if k not in table and not k.startswith((FACET_PREFIX, FILTER_PREFIX))]


def _url(args: list[tuple[str, str]]) -> str:
    """This page's path as sent (an entity path keeps its %2F, links.py) with these parameters."""
    path = links.sent_path() or request.script_root + quote(request.path)
    return f"{path}?{urlencode(args)}" if args else path
