"""Bind query parameters on a server that has no substitutions API: a VALUES block of RDF terms.

The embedded store binds with pyoxigraph's `substitutions=`; the SPARQL 1.1 Protocol has nothing
like it. So the remote backend adds one `VALUES (?a ?b) { (t1 t2) }` row as the *last* element of
the query's WHERE group. Why there, and why VALUES:

- A VALUES block is data, not query text: each term is serialised by rdflib's N-Triples/Turtle
  term writer (`n3()`), which escapes quotes, backslashes and line breaks and refuses an IRI with
  characters that could end it, so a hostile value can only ever be compared as a term.
- As the last element of the outermost WHERE group it is joined before the group's FILTERs run
  (filters apply to the whole group) and after its BINDs (a BIND may not re-assign a variable that
  is already in scope), which is where a pre-bound variable behaves like pyoxigraph's
  substitution for the saved queries: `FILTER(!BOUND(?department) || …)` sees the value, and
  `BIND(… AS ?role)` is then narrowed to it. A trailing VALUES after the whole query would instead
  join after GROUP BY, too late for filters.

Finding that group needs only a brace-level scan that skips strings, IRIs and comments; braces
never occur inside an IRI, so a `<` comparison mistaken for an IRI cannot hide one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Literal, URIRef

from graph.interface import XSD_STRING, QueryError, Term

FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
PROLOGUE = ("BASE", "PREFIX")

_TOKEN = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$]\w+)
    | (?P<pname>[\w.-]*:[\w.%:-]*)
    | (?P<word>\w+)
    | (?P<punct>[{}()*])
    """,
    re.VERBOSE | re.DOTALL,
)


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first word after the prologue (BASE, PREFIX).

    Strict on purpose: on Virtuoso the query endpoint also runs updates, so `INSERT { … } WHERE
    { SELECT … }` must be refused here, not recognised by the SELECT inside it.
    """
    for kind, text, _pos in _tokens(query):
        if kind == "word" and text.upper() in FORMS:
            return text.upper()
        if not (kind in ("iri", "pname") or (kind == "word" and text.upper() in PROLOGUE)):
            break
    raise QueryError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK after the prologue")


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (FROM, FROM NAMED): the keyword outside any group."""
    depth = 0
    for kind, text, _pos in _tokens(query):
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
        elif kind == "word" and depth == 0 and text.upper() == "FROM":
            return True
    return False


def with_values(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with one VALUES row for the bindings, as the last element of its WHERE group."""
    if not bindings:
        return query
    end = _where_group(query)[1]
    return query[:end] + _values_block(bindings) + query[end:]


def with_leading_values(query: str, bindings: Mapping[str, Term]) -> str:
    """For the embedded store, which binds by substitution: the same row as the *first* element
    of the WHERE group, as a hint to the planner, or the query unchanged where that cannot be.

    pyoxigraph plans a query before it substitutes, so `?report` is a variable to the planner and
    a saved query for one report starts from every measure of the corpus (N = 1,000: 7.8 s for
    one report's measures); a leading VALUES row is data it plans around (15 ms). The substitution
    still binds the variable everywhere, so joining the same value once more changes no answer.
    Left out where a BIND assigns a bound variable (it may not re-assign one in scope) and for a
    term VALUES cannot hold (a blank node)."""
    if _assigns(query, bindings):
        return query
    try:
        block = _values_block(bindings)
        start = _where_group(query)[0] + 1
    except QueryError:
        return query
    return query[:start] + block + query[start:]


def bind_inside(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES row for the bound variables at the start of each subquery they reach
    unchanged: those the subquery projects as plain variables, as every SELECT around it does up
    to the query's own (whose binding is the store's business). Unchanged where that cannot be.

    A remote endpoint sees the binding in the outermost group only (the VALUES row above), and
    pyoxigraph, though its substitution reaches a projected subquery's answer, plans the subquery
    without it: one that counts every organisation's mentions counts them all (N = 1,000: 17–24 s)
    before its rows meet the bound name. The variable is the bound one all the way up, so rows with
    another value could only be dropped by the joins above; the row drops them first. A hint that
    can also make a plan worse (`documents` for one report: 2.5 → 4.1 s), so only the variants
    written for it get it (queries/catalog.py)."""
    if _assigns(query, bindings):
        return query
    try:
        found = _subqueries(query, bindings)
        inserts = [(at + 1, _values_block({name: bindings[name] for name in names})) for at, names in found]
    except QueryError:
        return query
    for at, block in sorted(inserts, reverse=True):
        query = query[:at] + block + query[at:]
    return query


def _assigns(query: str, bindings: Mapping[str, Term]) -> bool:
    """No bindings, or a bound variable is assigned (AS ?name), which a VALUES row may not precede."""
    return not bindings or any(re.search(rf"\bAS\s+[?$]{re.escape(name)}\b", query, re.I) for name in bindings)


def _subqueries(query: str, bindings: Mapping[str, Term]) -> list[tuple[int, list[str]]]:
    """Each subquery's WHERE group (its opening brace) and the bound variables that reach it."""
    found: list[tuple[int, list[str]]] = []
    scopes: list[tuple[int, set[str]]] = []  # (brace depth of the WHERE group, variables that reach it)
    projecting: set[str] | None = None  # a SELECT clause being read: its plain variables
    depth = parens = 0
    for kind, text, pos in _tokens(query):
        if kind == "word" and text.upper() == "SELECT":
            projecting, select_parens = set(), parens
        elif projecting is not None and kind == "var" and parens == select_parens:
            projecting.add(text[1:])
        elif projecting is not None and kind == "punct" and text == "*" and parens == select_parens:
            projecting.update(bindings)
        if text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{":
            if projecting is not None:
                top = not scopes and depth == 0  # the query's own SELECT: bound by substitution
                reach = set(bindings) if not scopes else scopes[-1][1]
                if not top:
                    reach = projecting & reach
                    if reach:
                        found.append((pos, sorted(reach)))
                scopes.append((depth, reach))
                projecting = None
            depth += 1
        elif text == "}":
            depth -= 1
            if scopes and scopes[-1][0] == depth:
                scopes.pop()
    return found


def _values_block(bindings: Mapping[str, Term]) -> str:
    names = sorted(bindings)
    row = " ".join(term_text(bindings[name]) for name in names)
    return f"\nVALUES ({' '.join('?' + name for name in names)}) {{ ({row}) }}\n"


def term_text(term: Term) -> str:
    """A term as SPARQL text, written by rdflib's term serialiser (never by pasting the value)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", term.kind):
        raise QueryError(f"unknown term kind {term.kind!r}")
    if term.kind == "iri":
        node = URIRef(term.value)
    elif term.kind == "literal":
        # xsd:string and a simple literal are the same RDF 1.1 term; the plain form is the one
        # every engine (Virtuoso included) compares equal to STR() results.
        datatype = None if term.lang or term.datatype in (None, XSD_STRING) else URIRef(term.datatype)
        node = Literal(term.value, lang=term.lang, datatype=datatype)
    else:
        raise QueryError(f"a {term.kind} cannot be a query parameter (VALUES takes IRIs and literals)")
    try:
        return node.n3()
    except Exception as error:  # rdflib raises a bare Exception for an IRI it cannot write
        raise QueryError(f"cannot use {term.value!r} as a parameter: {error}") from error


def _tokens(query: str):
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind != "comment":
            yield kind, match.group(), match.start()


def _where_group(query: str) -> tuple[int, int]:
    """Offsets of the opening and closing braces of the query's WHERE group."""
    depth = parens = 0
    groups: list[tuple[int, int]] = []  # (open, close) of top-level brace groups
    form = None
    where_before_group = False
    start = 0
    for kind, text, pos in _tokens(query):
        if kind == "word" and depth == 0 and parens == 0:
            word = text.upper()
            if form is None and word in FORMS:
                form = word
            elif word == "WHERE" and not groups:
                where_before_group = True
        elif text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{":
            if depth == 0 and parens == 0:
                start = pos
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0 and parens == 0:
                groups.append((start, pos))
    if form is None:
        raise QueryError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")
    if depth != 0:
        raise QueryError("unbalanced braces in the query")
    # A CONSTRUCT's template comes first unless it is the short form CONSTRUCT WHERE { … }.
    index = 1 if form == "CONSTRUCT" and not where_before_group else 0
    if form == "CONSTRUCT" and where_before_group:
        raise QueryError("parameters cannot be bound in the short form CONSTRUCT WHERE { … }")
    if len(groups) <= index:
        raise QueryError("the query has no WHERE group to bind parameters in")
    return groups[index]
