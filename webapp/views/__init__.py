"""What each kind of entity page shows, gathered by SPARQL; templates only lay it out."""

from __future__ import annotations

from urllib.parse import unquote

from ontology import iris
from webapp import i18n


def fallback_label(iri: str) -> str:
    """A readable name for an IRI with no label in the graph: the kind its path names and its last
    segment (…/involvement/1/evidence/2 → 证据 2), else that segment alone, decoded."""
    segments = iri.rstrip("/").split("/")
    last = unquote(segments[-1].rsplit("#", 1)[-1])
    kind = iris.RK + segments[-2].capitalize() if len(segments) > 1 else ""
    return f"{i18n.term_label(kind)} {last}" if i18n.has_term_label(kind) else last


def first_seen(items, key):
    """Group items by key, keeping the order of first appearance (document order)."""
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups
