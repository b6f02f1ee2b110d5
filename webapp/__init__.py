"""The rectkg web app: SPARQL 1.1 endpoint, query editor, saved-query forms, entity pages, search.

`create_app(test_config)` builds an app from settings (see webapp/settings.py), opens the store
(queries in killable workers, see webapp/db.py) and registers one blueprint per screen. Nothing is read at import time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask, g, request

from ontology import iris
from webapp import crossorigin, db, errors, i18n, lanes, links, resulttable, settings, warm

log = logging.getLogger(__name__)

# No inline scripts or styles, nothing from another origin: every asset is served by the app.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(settings.load(test_config))
    app.extensions["rectkg.store"] = db.holder_for(app)
    app.extensions["rectkg.warm"] = warm.Warmer(app)
    errors.register(app)
    lanes.install(app)

    from webapp import admin, compare, dashboard, editor, entities, graphview, saved, search, shared, sparql

    for module in (admin, compare, dashboard, editor, entities, graphview, saved, search, shared, sparql):
        app.register_blueprint(module.bp)

    app.jinja_env.globals.update(
        t=i18n.message, lang=i18n.language, entity_url=links.entity_url, rk=str(iris.RK), lang_url=i18n.switch_url
    )
    app.jinja_env.filters["term_label"] = i18n.term_label
    app.jinja_env.globals["vocabulary_label"] = resulttable.vocabulary_label
    app.jinja_env.filters["org_type"] = i18n.org_type
    app.jinja_env.globals["status_keys"] = {k for k in i18n.MESSAGES if k.startswith("status_")}

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def headers_and_log(response):
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        crossorigin.add_headers(response)
        chosen = request.args.get("lang")
        if chosen in i18n.LANGUAGES:
            response.set_cookie("lang", chosen, samesite="Lax")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.0f ms", request.method, logged_target(), response.status_code, elapsed)
        return response

    return app


# Characters a request target may hold as they are; everything else (spaces, control characters such
# as a decoded %0A, non-ASCII) is logged percent-encoded, as it travelled.
_TARGET_SAFE = "/?&=+:;,@!$'()*%-._~"


def logged_target() -> str:
    """The request's path and query as one log-safe token: WSGI hands the app the path decoded, so
    `%0A` in a URL would otherwise end the log line and let a visitor write a line of their own."""
    path = quote(request.path, safe=_TARGET_SAFE.replace("%", "").replace("?", ""))
    query = request.query_string.decode("latin-1")
    return path + ("?" + quote(query, safe=_TARGET_SAFE) if query else "")
