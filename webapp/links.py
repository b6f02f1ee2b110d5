"""Where an IRI leads inside the app: entity IRIs (BASE_IRI + "id/…") open their entity page.

A name may hold a "/" (a document titled 《…A/B…》): the minted IRI keeps it as %2F inside one
segment, but servers decode %2F in the path before routing, so the decoded path cannot tell it
from a separator. Links therefore carry the IRI's own percent-encoding, and the route reads the
path as the client sent it (REQUEST_URI / RAW_URI, which waitress, werkzeug and gunicorn set).
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from flask import current_app, request

# The ASCII characters ontology/iris.py leaves unencoded in a name.
SAFE = "()-_.~"


def id_base() -> str:
    return current_app.config["BASE_IRI"] + "id/"


def entity_url(iri: str) -> str | None:
    """The app's page for a minted IRI; None for IRIs the app does not serve."""
    base = id_base()
    if not iri.startswith(base) or len(iri) == len(base):
        return None
    return f"{request.script_root}/id/{iri[len(base) :]}"


def iri_of(path: str) -> str:
    """The IRI behind /id/<path> (the path as Flask hands it, decoded): each segment of the path
    as sent, decoded and quoted again as ontology/iris.py quotes names, so that %2F stays inside
    its segment and a client that sends raw Unicode or other escapes reaches the same IRI."""
    sent = _sent_tail()
    tail = sent if sent is not None and unquote(sent) == path else quote(path, safe="/")
    return id_base() + "/".join(quote(unquote(segment), safe=SAFE) for segment in tail.split("/"))


def _sent_tail() -> str | None:
    """What follows /id/ in the request line, still percent-encoded; None if the server hides it."""
    path = sent_path()
    prefix = f"{request.script_root}/id/"
    return path[len(prefix) :] if path and path.startswith(prefix) else None


def sent_path() -> str | None:
    """The request's path as the client sent it (script root included, still percent-encoded);
    None if the server hides it."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if not raw:
        return None
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # an absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return path
