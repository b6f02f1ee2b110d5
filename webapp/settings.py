"""Settings: named limits and locations, read when the app is made (never at import time).

Precedence, lowest first: the defaults below, a TOML file named by $RECTKG_WEB_CONFIG, environment
variables RECTKG_<NAME> (e.g. RECTKG_MAX_ROWS=500), then the mapping given to `create_app`
(tests and `rectkg serve` options). Every limit has a name so operators can see and change it.

Read here rather than by Flask's `config.from_file(path, load=tomllib.load)` and
`config.from_prefixed_env("RECTKG")`, which are laxer in ways operators would not see: `from_file`
drops lower-case keys (`max_rows = 7`) without a word, so neither they nor a misspelt one can be
refused; `from_prefixed_env` takes every RECTKG_* variable into the app's config (the remote
store's RECTKG_SPARQL_PASSWORD among them), reads each value as JSON (an admin token `123456`
becomes a number, `null` None) and reads os.environ only, not the mapping tests pass. Here only
known names are taken, each converted to its default's type or refused by name.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ontology import iris

DEFAULTS: dict[str, Any] = {
    # Store location: a folder of an embedded Oxigraph store (None: $RECTKG_STORE or ./data/store).
    "STORE": None,
    # IRIs under BASE_IRI + "id/" are dereferenced at /id/... by this app.
    "BASE_IRI": iris.BASE,
    # Seconds a query may run; then its worker process is killed and the request gets a 503.
    # Also read from $RECTKG_QUERY_TIME_LIMIT.
    "QUERY_TIMEOUT": 30.0,
    # Solutions a SELECT may return through the endpoint or a page before being cut short.
    "MAX_ROWS": 10000,
    # Reports beyond which the store is large: its forms offer no drop-down of every finding nor of
    # every department (a finding is picked report first, a department typed with suggestions:
    # webapp/choices.py), and the warm-up after a write builds the shared network in a process of
    # its own at a lower priority (webapp/network.py).
    "LARGE_STORE_REPORTS": 20,
    # Triples a CONSTRUCT/DESCRIBE answer or an entity's RDF may hold.
    "MAX_GRAPH_NODES": 5000,
    # Bytes an endpoint answer may hold, counted as the query's worker writes it (N-Triples bytes
    # for a graph); the answer is cut at the last whole row, announced like a row cut.
    "MAX_RESULT_BYTES": 32 * 1024 * 1024,
    # Nodes a graph view (/graph) may draw; a view or an expansion beyond it is never sent.
    "GRAPH_VIEW_MAX_NODES": 1000,
    # Departments the shared-responsibility network draws unless the page asks for more (up to
    # GRAPH_VIEW_MAX_NODES): those sharing the most findings, the rest counted and left out.
    "GRAPH_SHARED_TOP": 100,
    # Neighbours one click in the explorer adds at most; the answer says how many more there are
    # and the next click on the node adds the next ones (a department has thousands of measures).
    "GRAPH_EXPAND_PAGE": 25,
    # Hits a search returns (/search.json, the forms' autocomplete).
    "SEARCH_LIMIT": 50,
    # Hits the search page ranks, counts, facets and pages through (all of them, up to this many).
    "SEARCH_PAGE_HITS": 5000,
    # Worker processes that run queries; at most this many run at once.
    "QUERY_WORKERS": 4,
    # Seconds a query waits for a free worker before the request gets a 503 with Retry-After.
    "QUEUE_WAIT": 5.0,
    # Megabytes of address space (RLIMIT_AS) a query worker may use; a worker past it is replaced
    # and its request gets a 503. An idle worker takes about 0.5 GB. 0 turns the limit off.
    "QUERY_MEMORY_MB": 2048,
    # Of the QUERY_WORKERS, how many the open /sparql endpoint may hold at once; the others are
    # kept for the app's own pages and saved queries (at least one, when there are two workers).
    "SPARQL_WORKERS": 2,
    # /sparql requests that may wait (up to QUEUE_WAIT) for one of those; more get a 503 with
    # Retry-After at once.
    "SPARQL_QUEUE": 2,
    # /sparql requests one client may have running or waiting at once; more get a 429.
    "CLIENT_QUERIES": 2,
    # Seconds of /sparql work one client may use per minute (a bucket that refills at that rate,
    # as WDQS does); past it, its requests get a 429 with Retry-After. 0 turns the limit off.
    "CLIENT_QUERY_SECONDS": 60.0,
    # The app's own pages (webapp/lanes.py): how many may hold a query worker at once in the fast
    # lane (0: one per core, os.cpu_count())...
    "PAGE_SLOTS": 0,
    # ...and how many more may wait for one (0: as many as PAGE_SLOTS); the next gets a 503 at once.
    "PAGE_QUEUE": 0,
    # Pages whose running latency estimate is over this many times the median page's go to the
    # slow lane instead (a page that is served then takes about as long as it would alone)...
    "SLOW_PAGE_FACTOR": 2.0,
    # ...unless under this many ms: a page that fast is never held back.
    "SLOW_PAGE_MS": 50.0,
    # ...where this many run at once and as many wait (up to QUEUE_WAIT, behind one slow page), so
    # slow pages never hold every worker.
    "SLOW_PAGE_SLOTS": 1,
    # Seconds a page may wait for the fast lane before a 503 with Retry-After: short, so that a
    # page is either served about as fast as alone or told at once to come back.
    "PAGE_QUEUE_WAIT": 0.1,
    # Address of a reverse proxy in front of `rectkg serve` whose X-Forwarded-For names the client
    # for the limits above ("*": any peer, only when nothing but the proxy can reach the port);
    # None: the client is the connection's address.
    "TRUSTED_PROXY": None,
    # Largest request body in bytes (queries, admin uploads); more is refused with 413.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Bearer token that turns on the admin API (/admin/graphs); None keeps it off.
    "ADMIN_TOKEN": None,
    # Default interface language: zh or en.
    "LANGUAGE": "zh",
}

ENV_PREFIX = "RECTKG_"
# Environment names the issue and operators use besides RECTKG_<NAME>.
ENV_ALIASES = {"RECTKG_QUERY_TIME_LIMIT": "QUERY_TIMEOUT"}
CONFIG_FILE_ENV = "RECTKG_WEB_CONFIG"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Merge defaults, the config file, the environment and overrides, checking each type."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    path = environ.get(CONFIG_FILE_ENV)
    if path:
        try:
            with Path(path).open("rb") as handle:
                from_file = {k.upper(): v for k, v in tomllib.load(handle).items()}
            unknown = sorted(set(from_file) - set(DEFAULTS))
            if unknown:
                raise SettingsError(f"{path}: unknown settings {', '.join(unknown)}")
            settings.update(from_file)
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise SettingsError(f"cannot read {CONFIG_FILE_ENV}={path}: {error}") from error
    for alias, name in ENV_ALIASES.items():
        if alias in environ:
            settings[name] = environ[alias]
    for name in DEFAULTS:
        if ENV_PREFIX + name in environ:
            settings[name] = environ[ENV_PREFIX + name]
    settings.update(overrides or {})
    return {name: _coerce(name, value) for name, value in settings.items()}


def _coerce(name: str, value: Any) -> Any:
    default = DEFAULTS.get(name)
    if value is None or default is None or isinstance(default, str):
        return value
    try:
        return type(default)(value)
    except (TypeError, ValueError) as error:
        raise SettingsError(f"setting {name} must be a {type(default).__name__}, not {value!r}") from error
