"""One writer, many readers: while `rectkg serve` holds an on-disk store, other rectkg commands
hand their writes, and their reads, to that server instead of failing on Oxigraph's lock.

The server advertises itself in a file beside the store (`<store>.serve.json`, readable by its
owner only) with its URL and a token made for this run; a writer that finds the store locked
reads it and sends the document's graph to the server's admin API, which applies it as one
atomic replace. Nothing else on the machine learns the token.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
import requests
from rdflib import Graph

from graph import results
from graph.interface import QueryError, Result, Store, StoreError, StoreUnavailable, Term

TIMEOUT = 120


def advert_path(store_path: str | Path) -> Path:
    path = Path(store_path)
    return path.parent / (path.name + ".serve.json")


def advertise(store_path: str | Path, url: str) -> str:
    """Called by `serve`: returns the token the admin API must accept for handed-off writes."""
    token = secrets.token_urlsafe(32)
    target = advert_path(store_path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url.rstrip("/"), "token": token, "pid": os.getpid()}, out)
    return token


def withdraw(store_path: str | Path) -> None:
    advert_path(store_path).unlink(missing_ok=True)


def server_for(store_path: str | Path) -> HandoffStore | None:
    """The running server that holds this store, if one advertises itself and is alive."""
    target = advert_path(store_path)
    try:
        advert = json.loads(target.read_text(encoding="utf-8"))
        os.kill(int(advert["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return HandoffStore(advert["url"], advert["token"])


class HandoffStore(Store):
    """The store a running server holds, through its admin API: writes as one atomic replace each,
    reads as the server's own (no visitor row limit), so the CLI works whether or not it serves."""

    def __init__(self, url: str, token: str):
        self.url = url
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, what: str, **request) -> requests.Response:
        try:
            response = self._session.request(method, f"{self.url}/admin/{path}", timeout=TIMEOUT, **request)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise StoreUnavailable(
                f"the server at {self.url} holding the store stopped answering ({type(error).__name__})"
            ) from error
        except requests.RequestException as error:
            raise StoreError(f"the server at {self.url} holding the store did not answer: {error}") from error
        if response.status_code == 400 and what == "read":
            raise QueryError(_message(response))
        if response.status_code >= 400 and response.status_code != 404:
            raise StoreError(f"the server at {self.url} refused the {what} ({response.status_code}): {response.text}")
        return response

    def replace_graph(self, graph_iri: str, graph: Graph) -> None:
        data = graph.serialize(format="nt").encode("utf-8")
        headers = {"Content-Type": "application/n-triples"}
        self._call("PUT", "graphs", "write", params={"graph": graph_iri}, data=data, headers=headers)

    def replace_graphs_together(self, documents: Sequence[tuple[str, bytes]]) -> None:
        """One request, which the server applies all or none (an RDF file's graphs)."""
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph_iri))
            for graph_iri, data in documents
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        self._call("PUT", "dataset", "write", data=data, headers={"Content-Type": "application/n-quads"})

    def remove_graph(self, graph_iri: str) -> bool:
        return self._call("DELETE", "graphs", "write", params={"graph": graph_iri}).status_code != 404

    def graphs(self) -> list[str]:
        return self._call("GET", "graphs", "read").json()

    def triple_count(self) -> int:
        return int(self._call("GET", "count", "read").json())

    def export(self, fmt: str) -> bytes:
        return self._call("GET", "export", "read", params={"format": fmt}).content

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Result:
        return results.from_wire(self._call("POST", "select", "read", json=_read_body(query, bindings)).json())

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> Graph:
        answer = self._call("POST", "construct", "read", json=_read_body(query, bindings))
        return Graph().parse(data=answer.text, format="nt")

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> Result | Graph:
        """The whole answer over the visitors' dataset (the server's own, without their limits):
        max_rows and base_iri are a web request's, which this is not."""
        dataset = {"default_graphs": list(default_graphs), "named_graphs": list(named_graphs)}
        answer = self._call("POST", "query", "read", json=_read_body(query, None) | dataset)
        if answer.headers.get("Content-Type", "").startswith("application/json"):
            return results.from_wire(answer.json())
        return Graph().parse(data=answer.text, format="nt")


def _read_body(query: str, bindings: Mapping[str, Term] | None) -> dict:
    return {"query": query, "bindings": {name: results.term_to_wire(t) for name, t in (bindings or {}).items()}}


def _message(response: requests.Response) -> str:
    try:
        return str(response.json()["message"])
    except (ValueError, KeyError, TypeError):
        return response.text
