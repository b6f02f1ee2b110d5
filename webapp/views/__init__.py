"""What each kind of entity page shows, gathered by SPARQL; templates only lay it out."""

from __future__ import annotations

from urllib.parse import unquote

from flask import request, url_for

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


def first_part(items: list[str], page: int, anchor: str, **selector: str) -> tuple[list[str], str | None]:
    """A long list's first `page` items, or as many as ?shown= asks when the request's other
    arguments match `selector` (a department's roles each page on their own: ?role=lead), and the
    link that shows `page` more, back at `anchor`; None when every item is shown."""
    wanted = page
    if all(request.args.get(name) == value for name, value in selector.items()):
        try:
            wanted = max(page, int(request.args.get("shown", page)))
        except ValueError:
            wanted = page
    shown = items[:wanted]
    if len(items) == len(shown):
        return shown, None
    args = {**request.args, **selector, "shown": len(shown) + page}
    return shown, url_for(request.endpoint, **(request.view_args or {}), **args) + f"#{anchor}"
