"""One error shape for the whole app: `{"error": code, "message": text}` with a precise status.

A malformed query or parameter is the caller's fault (400); a query over its time limit, or no
free query worker, is 503; so is a query past its worker's memory limit; a client past its share of
the endpoint gets 429 with Retry-After; a store that cannot be read is ours (500); HTTP errors keep their own
status. Each has its own handler, so a broken store is never reported as a bad query or the reverse.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from graph.pool import Busy, QueryOverMemory
from graph.store import Outbound, QueryError, QueryTimeout, StoreError
from webapp import i18n

log = logging.getLogger(__name__)


class TooManyQueries(Exception):
    """A client past its share of the open endpoint (HTTP 429): it may try again after retry_after s."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(Exception):
    """A request the app will not carry out (an update, a SERVICE call); status says which."""

    def __init__(self, status: int, error: str, message: str, **facts: int | str):
        super().__init__(message)
        self.status = status
        self.error = error
        self.facts = facts  # numbers a page needs to say the refusal in its own language


def error_response(status: int, error: str, message: str, *, said: str | None = None, **facts: int | str):
    """The error as JSON, or as a page in the interface's language for a browser that navigated
    here: an investigator who follows a stale link should not read a developer's JSON. `said` is
    advice already in the page's language (which department is unknown), said instead of the
    status's general advice."""
    if _navigating():
        title, hint = i18n.error_words(status)
        hint = said or hint
        response = make_response(render_template("error.html", status=status, title=title, hint=hint, detail=message))
    else:
        response = jsonify({"error": error, "message": message, **facts})
    response.status_code = status
    return response


def _navigating() -> bool:
    """Whether the client asked for a page first (a browser's navigation puts text/html before
    */*); scripts and API clients that accept anything, or JSON, get JSON."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _retry_after(response, seconds: int):
    """When the client may try again: HTTP's Retry-After, in seconds."""
    response.headers["Retry-After"] = str(seconds)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def bad_query(error: QueryError):
        return error_response(400, "bad-query", str(error))

    @app.errorhandler(Outbound)
    def outbound(error: Outbound):
        return error_response(400, f"{error.keyword.lower()}-not-allowed", str(error))

    @app.errorhandler(QueryTimeout)
    def timeout(error: QueryTimeout):
        return error_response(503, "timeout", str(error))

    @app.errorhandler(Busy)
    def busy(error: Busy):
        return _retry_after(error_response(503, "busy", str(error)), error.retry_after)

    @app.errorhandler(QueryOverMemory)
    def over_memory(error: QueryOverMemory):
        return error_response(503, "memory-limit", str(error))

    @app.errorhandler(TooManyQueries)
    def too_many(error: TooManyQueries):
        return _retry_after(error_response(429, "too-many-queries", str(error)), error.retry_after)

    @app.errorhandler(StoreError)
    def store_failure(error: StoreError):
        log.exception("store failure")
        return error_response(500, "store-failure", str(error))

    @app.errorhandler(Refused)
    def refused(error: Refused):
        return error_response(error.status, error.error, str(error), **error.facts)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "-")
        response = error_response(error.code or 500, code, error.description or error.name)
        if error.code == 405 and error.get_response().allow:
            response.headers["Allow"] = ", ".join(error.get_response().allow)
        return response
