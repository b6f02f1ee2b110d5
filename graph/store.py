"""Opening a store by its spec, and the names scripts import from here.

`open_store` chooses the backend: a SPARQL server (graph/remote.py) for an http(s) URL, else the
embedded store on disk (graph/embedded.py), else, when a running `rectkg serve` holds that store,
that server (graph/handoff.py). This is the one module that knows all three, so none of them
imports another: each builds on graph/interface.py.

`from graph.store import OxigraphStore, open_store, QueryError, Term, …` keeps working as it did
before the interface had a module of its own: the interface's names are re-exported here.
"""

from __future__ import annotations

import logging
import os

from graph.embedded import OxigraphStore
from graph.handoff import server_for
from graph.interface import (
    ONTOLOGY_GRAPH,
    SYSTEM_GRAPHS,
    Outbound,
    QueryError,
    QueryTimeout,
    Result,
    Store,
    StoreError,
    StoreUnavailable,
    Term,
    internal_graph,
)
from graph.remote import RemoteStore
from graph.terms import ntriples_bytes

__all__ = [
    "DEFAULT_STORE",
    "ONTOLOGY_GRAPH",
    "SYSTEM_GRAPHS",
    "Outbound",
    "OxigraphStore",
    "QueryError",
    "QueryTimeout",
    "Result",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Term",
    "internal_graph",
    "ntriples_bytes",
    "open_store",
]

log = logging.getLogger(__name__)

DEFAULT_STORE = "data/store"


def open_store(spec: str | None = None, *, read_only: bool = False) -> Store:
    """--store PATH, else $RECTKG_STORE, else ./data/store."""
    spec = spec or os.environ.get("RECTKG_STORE") or DEFAULT_STORE
    if spec.startswith(("http://", "https://")):
        return RemoteStore(spec)
    try:
        return OxigraphStore(spec, read_only=read_only)
    except StoreError:
        server = server_for(spec)
        if server is None:
            raise
        log.info("store %s is held by the server at %s; handing writes to it", spec, server.url)
        return server
