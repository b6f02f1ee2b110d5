"""SPARQL 1.1 Protocol requests: what the client asked (query, dataset) and in which format.

Three ways to send a query (GET ?query=, POST form, POST application/sparql-query), optional
default-graph-uri / named-graph-uri, and content negotiation by Accept or ?format=. The endpoint is
read-only. SERVICE and LOAD are refused with 400 (Oxigraph would otherwise fetch any URL a visitor
names, and a LOAD sent as an update is a request to fetch, not only to write): for a query by the
store as it runs it (graph/guard.py, with a real parser), for an update here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable, UnsupportedMediaType

from graph import guard
from graph.binding import query_form
from graph.store import QueryError
from webapp import formats
from webapp.errors import Refused

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

# Strings, IRIs and comments are blanked before looking for FROM, so a literal or an IRI that
# merely contains the word does not count.
_LEXEMES = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_PREFIX = re.compile(r"(?<![\w:?$])PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$])FROM\s+(?:NAMED\s+)?(<[^>]*>|[\w.-]*:[^\s{]*)", re.IGNORECASE)


@dataclass(frozen=True)
class ProtocolQuery:
    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def dataset(self) -> set[str]:
        """Every graph IRI the request names: FROM / FROM NAMED clauses and the protocol fields."""
        text = _LEXEMES.sub(lambda lexeme: lexeme[0] if lexeme[0].startswith("<") else " ", self.text)
        prefixes = {name: iri for name, iri in _PREFIX.findall(text)}
        named = set(self.default_graphs) | set(self.named_graphs)
        for token in _FROM.findall(text):
            if token.startswith("<"):
                named.add(token[1:-1])
            else:
                prefix, _, local = token.partition(":")
                named.add(prefixes.get(prefix, token + " (undeclared prefix)") + local)
        return named


def check_dataset(query: ProtocolQuery, local_graphs: set[str]) -> None:
    """Refuse graphs that are not in this store, for a SPARQL server behind the app: some (Virtuoso's
    sponger) load a graph they do not hold from its address."""
    foreign = sorted(query.dataset() - local_graphs)
    if foreign:
        raise Refused(
            400, "graph-not-local", f"only this store's graphs can be named in FROM or graph URIs, not {foreign[0]}"
        )


def parse(request: Request) -> ProtocolQuery | None:
    """The query in a protocol request, or None when there is none (a service description request)."""
    graph_fields = request.args
    if request.method in ("GET", "HEAD"):
        fields = request.args
    elif request.mimetype == FORM:
        fields = request.form
        graph_fields = request.values  # graph URIs may stand in the URL of a form POST too (W3C tests do)
    elif request.mimetype == QUERY:
        fields = request.args
    elif request.mimetype == UPDATE:
        _refuse_update([request.get_data(as_text=True)])
    else:
        raise UnsupportedMediaType(f"send the query as {FORM} or {QUERY}, not {request.mimetype or 'nothing'}")
    if "update" in fields:
        _refuse_update(fields.getlist("update"))
    if request.method == "POST" and request.mimetype == QUERY:
        texts = [request.get_data(as_text=True)]
    else:
        texts = fields.getlist("query")
    if not texts:
        if request.method == "POST":
            raise QueryError("a POST to the endpoint must carry a query (the field `query`, or the body)")
        return None
    if len(texts) > 1:
        raise QueryError("give exactly one query parameter")
    text = texts[0]
    if not text.strip():
        raise QueryError("the query is empty")
    return ProtocolQuery(
        text, tuple(graph_fields.getlist("default-graph-uri")), tuple(graph_fields.getlist("named-graph-uri"))
    )


def form(query: ProtocolQuery) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update sent as a query is refused as one (a LOAD in it
    is `load-not-allowed`, which says more than "not a query")."""
    try:
        return query_form(query.text)
    except QueryError:
        guard.check_update(query.text)
        raise


def _refuse_update(texts: list[str]) -> None:
    """403, or 400 for an update that would fetch (LOAD): that says more about what was asked."""
    for text in texts:
        guard.check_update(text)
    raise Refused(403, "read-only", "this endpoint is read-only: SPARQL Update is not accepted")


def choose(request: Request, *, graph: bool) -> tuple[str, str]:
    """(format name, media type) for a SELECT/ASK answer (graph=False) or a graph (graph=True)."""
    types = formats.GRAPH_TYPES if graph else formats.RESULT_TYPES
    aliases = formats.GRAPH_ALIASES if graph else formats.RESULT_ALIASES
    wanted = request.args.get("format") or request.form.get("format")
    if wanted:
        names = formats.GRAPH_FORMAT_NAMES if graph else formats.FORMAT_NAMES
        name = names.get(wanted.lower(), wanted.lower())
        name = aliases.get(name, name) if "/" in name else name
        if name in types:
            return name, types[name]
        if not _names_a_type(request.accept_mimetypes, types, aliases):
            raise NotAcceptable(f"format {wanted!r} is not one of {', '.join(types)}")
        # A client's format name for another query form (SPARQLWrapper sends its return format as
        # format=…): the Accept header it sent beside it says what it can read.
    return negotiate(request.accept_mimetypes, types, aliases)


def _names_a_type(accept: MIMEAccept, types: dict[str, str], aliases: dict[str, str]) -> bool:
    """Whether Accept names one of these media types itself (a wildcard names none)."""
    offered = set(types.values()) | set(aliases)
    return any(media in offered and quality > 0 for media, quality in accept)


def negotiate(accept: MIMEAccept, types: dict[str, str], aliases: dict[str, str]) -> tuple[str, str]:
    by_type = {media: name for name, media in types.items()} | aliases
    if not accept:
        name = next(iter(types))
        return name, types[name]
    best = accept.best_match(list(by_type), default=None)
    if best is None:
        raise NotAcceptable(f"can answer in {', '.join(types.values())}")
    name = by_type[best]
    return name, types[name]
