"""What each kind of entity page shows, gathered by SPARQL; templates only lay it out."""

from __future__ import annotations

from urllib.parse import unquote


def fallback_label(iri: str) -> str:
    """A readable name for an IRI with no label in the graph: its last path segment, decoded."""
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def first_seen(items, key):
    """Group items by key, keeping the order of first appearance (document order)."""
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups
