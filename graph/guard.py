"""The check a visitor's query passes before any engine sees it: no SERVICE, no LOAD.

Both would make the server fetch a URL the visitor chose (server-side request forgery). A check
that reads the query with a tokenizer of its own can be fooled wherever it reads the text
differently from the engine (an escaped quote at the end of a long string, a comment ended by a
carriage return), so this one decides on the parse tree of a real SPARQL parser (rdflib's), fails
closed (a query it cannot read is refused, never passed on), and hands the engine exactly the text
it checked, in a canonical form that leaves no room for the two parsers to differ:
- SPARQL's `\\uXXXX` / `\\UXXXXXXXX` escapes are part of the language (they are undone before the
  query is parsed), so they are undone here, once, to the letter of the spec; a query in which an
  escape is left afterwards (`\\u005Cu0053…`, spelling an escape with an escape) is refused, so
  neither parser can undo more than the other;
- line ends are made line feeds: SPARQL ends a `#` comment at a carriage return as well, rdflib's
  grammar only at a line feed.
Beneath this check, the query workers cannot open network sockets at all (graph/sandbox.py).
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import Query, UpdateUnit
from rdflib.plugins.sparql.parserutils import CompValue

from graph.interface import Outbound, QueryError

# The spec's codepoint escapes: \u and four hex digits, \U and eight.
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Anything any parser might still take for an escape (rdflib's own reading is looser than the spec's).
_LEFT_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
_LINE_ENDS = re.compile(r"\r\n?")
# rdflib's grammar recurses once per nested group and per triple pattern: the interpreter's default
# limit refuses a query of 100 triple patterns. The parse runs on a thread of its own with a large
# stack and a limit that lets queries of thousands of patterns through (RecursionError above it).
PARSE_STACK_BYTES = 64 * 1024 * 1024
PARSE_RECURSION_LIMIT = 100_000
# The parse tree's names for the two forms that fetch: rdflib.plugins.sparql.parser.
_OUTBOUND = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}


class Checked(NamedTuple):
    """A query as the engine must run it, and the parse tree it was checked on (graph/scope.py
    reads that tree too, rather than parse the text a second time)."""

    text: str
    tree: Any


def check(text: str) -> str:
    """The query as the engine must run it, once the parser has found no SERVICE in it."""
    return checked(text).text


@functools.lru_cache(maxsize=256)
def checked(text: str) -> Checked:
    """`check`, with the parse tree. Kept for the texts asked again (a page's or a script's
    repeated query): rdflib's parser takes 30-400 ms over a saved query's text. Refusals are
    raised, so never kept."""
    canonical = canonical_text(text)
    try:
        tree = _parse(Query.parse_string, canonical)
    except QueryError:
        check_update(canonical)  # an update sent as a query: a LOAD in it says more than "cannot read"
        raise
    _refuse_outbound(tree)
    return Checked(canonical, tree)


def check_update(text: str) -> None:
    """Outbound for an update that would LOAD (or SERVICE); an update this parser cannot read is
    let through here, because updates are refused anyway (the endpoint is read-only)."""
    try:
        tree = _parse(UpdateUnit.parse_string, canonical_text(text))
    except QueryError as error:
        if isinstance(error, Outbound):
            raise
        return
    _refuse_outbound(tree)


def canonical_text(text: str) -> str:
    """Escapes undone once and line ends made line feeds; QueryError where an escape is left."""

    def undo(match: re.Match) -> str:
        try:
            return chr(int(match[1] or match[2], 16))
        except (ValueError, OverflowError):
            raise QueryError(f"{match[0]} is not a Unicode code point") from None

    expanded = _ESCAPE.sub(undo, text)
    left = _LEFT_ESCAPE.search(expanded)
    if left:
        raise QueryError(f"an escape spells another escape ({left[0]}); write the character itself")
    return _LINE_ENDS.sub("\n", expanded)


def _refuse_outbound(tree: Any) -> None:
    for node in _nodes(tree):
        if isinstance(node, CompValue) and node.name in _OUTBOUND:
            raise Outbound(_OUTBOUND[node.name])


def _nodes(tree: Any) -> Iterator[Any]:
    """Every node of a parse tree, without recursion (a tree may be thousands of levels deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue):
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


_parser: ThreadPoolExecutor | None = None
_parser_lock = threading.Lock()


def _parse(parse: Callable[..., Any], text: str) -> Any:
    """Parse on the guard's own deep-stack thread (one parse at a time: pyparsing's grammar objects
    are shared), turning every way the parser can fail into a QueryError."""
    try:
        return _parser_thread().submit(_parse_deep, parse, text).result()
    except ParseBaseException as error:
        raise QueryError(f"the query cannot be read: {error}; this endpoint runs only what it can check") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply to be checked; split it up") from None
    except ValueError as error:  # e.g. a code point the grammar's own escape handling rejects
        raise QueryError(f"the query cannot be read: {error}") from None


def _parse_deep(parse: Callable[..., Any], text: str) -> Any:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, PARSE_RECURSION_LIMIT))
    try:
        return parse(text, parse_all=True)
    finally:
        sys.setrecursionlimit(previous)


def _parser_thread() -> ThreadPoolExecutor:
    global _parser
    with _parser_lock:
        if _parser is None:
            previous = threading.stack_size(PARSE_STACK_BYTES)
            try:
                _parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-guard")
                _parser.submit(int).result()  # the thread is made now, with the large stack
            finally:
                threading.stack_size(previous)
        return _parser
