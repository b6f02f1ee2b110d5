"""Headers that let other origins read the data, and caches tell negotiated answers apart.

The store is public and read-only, so a query editor (YASGUI) or a notebook served from another
origin may read /sparql, entity pages and saved-query answers, as Fuseki's and Oxigraph's
servers allow: any origin, no credentials. The admin API is left out, and its Authorization
header is not among those a cross-origin request may send. Answers chosen by Accept say so in
`Vary`, so a cache never serves the Turtle of a page to a browser that asked for HTML.
"""

from __future__ import annotations

from flask import Response, request

from webapp.sparql import TRUNCATED_HEADER, TRUNCATED_REASON

NEGOTIATED = ("/sparql", "/id/")
EXPOSED = ", ".join((TRUNCATED_HEADER, TRUNCATED_REASON, "Retry-After", "Content-Disposition"))


def add_headers(response: Response) -> Response:
    if request.path.startswith("/admin"):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":  # a preflight: what the real request may carry
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    if request.path.startswith(NEGOTIATED):
        response.vary.add("Accept")
    return response
