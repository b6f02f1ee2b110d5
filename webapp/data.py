"""Read queries for the pages: SPARQL with the ontology's prefixes, parameters bound as RDF terms."""

from __future__ import annotations

from graph.store import Result, Term
from ontology import iris
from webapp import db


def iri(value: str) -> Term:
    return Term("iri", value)


def literal(value: str) -> Term:
    return Term("literal", value, "http://www.w3.org/2001/XMLSchema#string")


def select(query: str, **bindings: Term) -> Result:
    """Run a page's SELECT within the time limit; `bindings` fill variables without pasting text.

    Oxigraph substitutes only variables the SELECT projects, so every bound variable is projected
    (and grouped by, in aggregates); and a substituted variable reads as unbound to BOUND(), so no
    page query tests BOUND on one."""
    text = iris.sparql_prefixes() + query
    return db.run(lambda store: store.select(text, bindings))


def rows(query: str, **bindings: Term) -> list[dict[str, str]]:
    """Rows as plain strings (missing cells are empty), which is what templates want."""
    result = select(query, **bindings)
    return [{name: (row[name].value if name in row else "") for name in result.variables} for row in result.rows]
