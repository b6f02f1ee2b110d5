"""Read queries for the pages: SPARQL with the ontology's prefixes, parameters bound as RDF terms."""

from __future__ import annotations

from graph.results import strings
from graph.store import Result, Store, Term
from ontology import iris
from webapp import db


def iri(value: str) -> Term:
    return Term("iri", value)


def select(query: str, **bindings: Term) -> Result:
    """Run a page's SELECT within the time limit; `bindings` fill variables without pasting text.

    pyoxigraph 0.5 applies substitutions as a join on the projected output, not inside the
    pattern: a bound variable must be projected (and grouped by, in aggregates), and it is
    unbound inside FILTER, BIND and EXISTS. So page queries use bound variables in triple
    patterns only; comparisons with a bound value happen in Python."""
    return db.run(lambda store: select_in(store, query, **bindings))


def select_in(store: Store, query: str, **bindings: Term) -> Result:
    """`select` on a store given, as `db.cached` builds get it: without the visitor's row limit."""
    return store.select(iris.sparql_prefixes() + query, bindings)


def rows(query: str, **bindings: Term) -> list[dict[str, str]]:
    """Rows as plain strings (missing cells are empty), which is what templates want."""
    return strings(select(query, **bindings))


def rows_in(store: Store, query: str, **bindings: Term) -> list[dict[str, str]]:
    return strings(select_in(store, query, **bindings))
