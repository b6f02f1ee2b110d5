"""A saved query's answer as people read it: column titles, labels for values, names for IRIs.

The answer itself (variables, codes such as `lead` or `findings-rectified`, IRIs) is the public
interface that the CLI and the downloads give unchanged; the page shows each column by its title,
each coded value by its label from the query's header (queries/labels.yaml or the ontology), and
each IRI by the label the graph gives it, linked to its page — the IRI as text only when the graph
has no label for it. All in the page's language (webapp/i18n.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from graph.store import Result, Store, Term
from ontology import iris
from queries import catalog
from queries.catalog import SavedQuery
from webapp import db, i18n, links

# Columns holding a department's name: their cells link to the department's page.
DEPARTMENT_COLUMNS = {"department", "dept_a", "dept_b"}
# Only IRIs of this shape are written into a VALUES block (they come from the store's own answer).
SAFE_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
# A finding is named by its reference ((二)2: its printed number, qualified where numbers
# restart) and title; anything else by its title or preferred label.
LABELS = """
SELECT ?s ?label ?ref WHERE {
  VALUES ?s { %s }
  { ?s dcterms:title ?label } UNION { ?s skos:prefLabel ?label } UNION { ?s rdfs:label ?label }
  OPTIONAL { ?s rk:ref ?ref }
}"""
# One SPARQL text per this many IRIs, so a long answer never makes one huge query.
LABEL_BATCH = 500
SEPARATOR = {"zh": "、", "en": ", "}


@dataclass(frozen=True)
class Name:
    """What the graph calls a node: its label, and for a finding its reference ((二)2)."""

    label: str
    ref: str = ""

    def text(self, short: bool = False) -> str:
        if self.ref:
            return self.ref if short else f"{self.ref} {self.label}"
        return self.label


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None
    department: bool = False  # the text is a department's name: link it by name


def titles(query: SavedQuery, variables: list[str]) -> list[str]:
    lang = i18n.language()
    return [query.title_of(v, lang) for v in variables]


def cells(query: SavedQuery, result: Result, rows: list[dict[str, Term]]) -> list[list[Cell]]:
    """The rows shown, each cell as text (a label where there is one) and where it links."""
    named = labels({t.value for row in rows for t in row.values() if t.kind == "iri"})
    short = {v for v in result.variables if _titled_beside(v, result.variables)}
    return [[_cell(query, v, row.get(v), named, v in short) for v in result.variables] for row in rows]


class Shown:
    """Each cell's value as the page shows it, for a table's filters, facets and sort
    (webapp/tables.py): a coded value by its label, an IRI by its name. The names of a column's
    IRIs are read on first use, so only the columns a visitor facets, filters or sorts by cost a read."""

    def __init__(self, query: SavedQuery, result: Result) -> None:
        self._query, self._result = query, result
        self._names: dict[str, dict[str, str]] = {}

    def value(self, row: dict[str, Term], column: str) -> str:
        term = row.get(column)
        return term.value if term is not None else ""

    def label(self, column: str, value: str) -> str:
        names = self._names.get(column)
        if names is None:
            names = self._names[column] = self._read(column)
        found = names.get(value)
        return found if found is not None else value_label(self._query, column, value)

    def _read(self, column: str) -> dict[str, str]:
        """The names of the IRIs in `column`, as its cells show them."""
        found = {row[column].value for row in self._result.rows if column in row and row[column].kind == "iri"}
        short = _titled_beside(column, self._result.variables)
        return {iri: name.text(short) for iri, name in labels(found).items()}


def _titled_beside(column: str, variables: list[str]) -> bool:
    """Whether the row gives the title of the finding in `column` too (finding → title, finding_a
    → title_a): its cell then shows the reference only, not the title twice."""
    return column.startswith("finding") and "title" + column.removeprefix("finding") in variables


def _cell(query: SavedQuery, column: str, term: Term | None, named: dict[str, Name], short: bool) -> Cell:
    if term is None:
        return Cell("")
    if term.kind == "iri":
        name = named.get(term.value)
        return Cell(name.text(short) if name else term.value, links.entity_url(term.value))
    return Cell(value_label(query, column, term.value), department=column in DEPARTMENT_COLUMNS)


def value_label(query: SavedQuery, column: str, value: str) -> str:
    """A coded value by its label in the page's language; a list of codes (`lead partner`) by each
    code's label; anything without a label as answered."""
    vocabularies = query.value_labels.get(column)
    if not vocabularies or not value:
        return value
    lang = i18n.language()
    whole = _label(vocabularies, value, lang)
    if whole is not None:
        return whole
    parts = [_label(vocabularies, part, lang) for part in value.split()]
    return SEPARATOR[lang].join(parts) if len(parts) > 1 and None not in parts else value  # type: ignore[arg-type]


def vocabulary_label(vocabulary: str, value: str) -> str:
    """A value of one of queries/labels.yaml's vocabularies in the page's language (the claims
    table of the dashboard and the report page names claim kinds this way)."""
    return _label((vocabulary,), value, i18n.language()) or value


def _label(vocabularies: tuple[str, ...], value: str, lang: str) -> str | None:
    for vocabulary in vocabularies:
        if vocabulary == catalog.ONTOLOGY:
            if i18n.has_term_label(iris.RK + value):
                return i18n.term_label(iris.RK + value)
            continue
        pair = catalog.vocabularies().get(vocabulary, {}).get(value)
        if pair is not None:
            return pair[0] if lang == "zh" else pair[1]
    return None


def labels(values: set[str]) -> dict[str, Name]:
    """IRI → what the graph calls it, in as few queries as fit."""
    wanted = sorted(v for v in values if SAFE_IRI.fullmatch(v))
    found: dict[str, Name] = {}
    for start in range(0, len(wanted), LABEL_BATCH):
        batch = wanted[start : start + LABEL_BATCH]
        found.update(db.run_whole(lambda store, batch=batch: _labels_in(store, batch)))
    return found


def _labels_in(store: Store, batch: list[str]) -> dict[str, Name]:
    text = iris.sparql_prefixes() + LABELS % " ".join(f"<{v}>" for v in batch)
    found: dict[str, Name] = {}
    for row in store.select(text).rows:
        found.setdefault(row["s"].value, Name(row["label"].value, row["ref"].value if "ref" in row else ""))
    return found


def description(text: str) -> Markup:
    """A header description as text: `code` as code, nothing else read as Markdown."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts)))


COMMENT = re.compile(r"(?m)^\s*#.*\n|[ \t]+#\s.*$")


def without_comments(text: str) -> str:
    """The query text without its comments (notes to maintainers about engines and tests): whole
    comment lines, and a comment after code (a `#` after a space, never one inside an IRI)."""
    return COMMENT.sub("", text)
