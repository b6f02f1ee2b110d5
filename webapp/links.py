"""Where an IRI leads inside the app: entity IRIs (BASE_IRI + "id/…") open their entity page."""

from __future__ import annotations

from urllib.parse import quote, unquote

from flask import current_app, url_for


def id_base() -> str:
    return current_app.config["BASE_IRI"] + "id/"


def entity_url(iri: str) -> str | None:
    """The app's page for a minted IRI; None for IRIs the app does not serve."""
    base = id_base()
    if not iri.startswith(base) or len(iri) == len(base):
        return None
    return url_for("entities.show", path=unquote(iri[len(base) :]))


def iri_of(path: str) -> str:
    """The IRI behind /id/<path>. Flask hands the path decoded; quoting it again with the safe set
    of ontology/iris.py gives back the IRI as minted (names percent-encoded, ASCII kept)."""
    return id_base() + quote(path, safe="/()-_.~")
