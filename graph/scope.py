"""Whether a visitor's query could see rectkg's aggregate graph through the union default graph.

Visitors' default graph is the union of the documents. Oxigraph's union takes in every named
graph, the aggregate one too (`iris.AGGREGATES`: department pairs, search shares, dashboard rows),
and the only exact alternative, the documents listed one by one as the default graph, made joins
over many documents up to 144 times slower (`timeline` 0.57 s → 82 s at 100 reports). Yet the
aggregate is written in a vocabulary of its own (`iris.AGGREGATE_PREDICATES`, `AGGREGATE_CLASSES`;
tests/test_aggregate_invisible.py holds the documents free of it), so a triple pattern whose
predicate is a constant IRI outside that vocabulary matches exactly the same triples in both
defaults. Only the queries that might match an aggregate triple need the listed documents:
- a variable predicate, or a negated property set (`!p`), which may stand for any predicate;
- `rdf:type` with anything but a constant class outside the vocabulary as its object;
- a path that may have length zero (`p*`, `p?`): it matches every node of the default graph;
- a predicate of the aggregate's vocabulary, or an IRI this reading cannot resolve (relative);
- DESCRIBE, whose answer depends on what the engine finds about a node.
Patterns inside GRAPH read named graphs, which never include the aggregate unless the query names
it. For those queries the walk costs microseconds on the parse tree graph/guard.py already made;
the listed documents cost about what the union does (a count of every triple at 1,000 reports:
15.5 s union, 12.6 s listed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyparsing import ParseResults
from rdflib import URIRef, Variable
from rdflib.namespace import RDF
from rdflib.plugins.sparql.parserutils import CompValue

from ontology import iris

_TYPE = str(RDF.type)
# Parse-tree nodes whose contents are no pattern of the default graph: the named graphs of GRAPH,
# and a CONSTRUCT's template (what is written, not what is matched).
_NOT_DEFAULT = {"GraphGraphPattern": "graph", "ConstructQuery": "template"}


def reaches_aggregate(tree: Any) -> bool:
    """Whether some pattern of the query's default graph might match a triple of the aggregate."""
    prefixes = _prefixes(tree)
    for node in _default_graph_nodes(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name == "DescribeQuery":
            return True
        if node.name == "TriplesBlock" and any(_may_match(p, o, prefixes) for p, o in _predicates(node)):
            return True
    return False


def _default_graph_nodes(tree: Any) -> Iterator[Any]:
    """Every node of the parse tree outside GRAPH patterns and CONSTRUCT templates, without
    recursion (a tree may be thousands of levels deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue):
            skipped = _NOT_DEFAULT.get(node.name)
            stack.extend(value for key, value in node.items() if key != skipped)
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def _predicates(block: CompValue) -> Iterator[tuple[Any, Any]]:
    """(predicate, object) of each triple of a block: the parser lays a block's triples out flat."""
    for triples in _field(block, "triples") or []:
        items = list(triples)
        for i in range(1, len(items) - 1, 3):
            yield items[i], items[i + 1]


def _may_match(predicate: Any, obj: Any, prefixes: dict[str, str]) -> bool:
    if isinstance(predicate, Variable):
        return True
    elements = list(_path_elements(predicate))
    if len(elements) == 1 and elements[0][1:] == (None, False):  # a plain predicate, not a path
        iri = _iri(elements[0][0], prefixes)
        if iri == _TYPE:
            return _iri(obj, prefixes) in (None, *iris.AGGREGATE_CLASSES)
        return iri is None or iri in iris.AGGREGATE_PREDICATES
    return any(_path_may_match(part, mod, prefixes) for part, mod, _inverse in elements)


def _path_may_match(part: Any, mod: str | None, prefixes: dict[str, str]) -> bool:
    """One step of a longer path: its object is not known here, so rdf:type counts as internal."""
    if mod in ("*", "?") or (isinstance(part, CompValue) and part.name == "PathNegatedPropertySet"):
        return True
    if isinstance(part, CompValue) and part.name == "PathAlternative":
        return any(_path_may_match(p, m, prefixes) for p, m, _i in _path_elements(part))
    iri = _iri(part, prefixes)
    return iri is None or iri == _TYPE or iri in iris.AGGREGATE_PREDICATES


def _path_elements(path: Any) -> Iterator[tuple[Any, str | None, bool]]:
    """(part, modifier, inverse) of each step of a path's alternatives and sequences."""
    if not (isinstance(path, CompValue) and path.name == "PathAlternative"):
        yield path, None, False
        return
    for sequence in path["part"]:
        for element in sequence["part"]:
            inverse = element.name == "PathEltOrInverse"
            step = element["part"] if inverse else element
            yield step["part"], _field(step, "mod"), inverse


def _iri(term: Any, prefixes: dict[str, str]) -> str | None:
    """The absolute IRI a term names, or None for anything else (a variable, a blank node, a
    relative IRI, a nested path): None is read as "might be internal"."""
    if isinstance(term, CompValue) and term.name == "pname":
        namespace = prefixes.get(_field(term, "prefix") or "")
        return None if namespace is None else namespace + (_field(term, "localname") or "")
    if isinstance(term, URIRef) and ":" in term:
        return str(term)
    return None


def _prefixes(tree: Any) -> dict[str, str]:
    """The query's PREFIX declarations (the prologue comes first in the parse tree)."""
    prologue = tree[0] if isinstance(tree, ParseResults | list) and len(tree) else []
    found: dict[str, str] = {}
    for decl in prologue if isinstance(prologue, ParseResults | list) else []:
        if isinstance(decl, CompValue) and decl.name == "PrefixDecl":
            found[_field(decl, "prefix") or ""] = str(decl["iri"])
    return found


def _field(node: CompValue, key: str) -> Any:
    """A parse-tree node's field, None when absent (CompValue.get answers the key itself then)."""
    return dict.get(node, key)
