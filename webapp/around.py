"""The explorer's answers read around one node: bounded SPARQL, never the whole graph.

A click must cost what the node's neighbourhood costs, not what the corpus costs (the whole-graph
index of webapp/neighbourhood.py took 70–150 s to build at a thousand reports). So the node's kind
is read first (its rdf:type), and only the edge patterns that kind can have are asked, each
starting from the node itself as a constant written into the query: Oxigraph plans a constant into
an index lookup, while a substituted variable or a big UNION over every pattern made it scan
(18–31 s for one department). Neighbours are shipped a page at a time (`limit`, `offset`), with
the total, so a department in thousands of measures answers with the first ones and "K more".

A shipped node carries what the page shows before it is clicked: label, category titles and, per
kind, how many neighbours a click would add. Those are read for the shipped page only, by the same
patterns, one UNION branch per shipped node; a department's or document's summary and edges
(thousands of measures behind them) are kept until the next write, for the last few hundred.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeVar

from graph import citations, per_document, roles
from graph.store import Store
from ontology import iris
from webapp import db

T = TypeVar("T")

CLASSES: dict[str, str] = {
    "report": "rk:Report",
    "category": "rk:ProblemCategory",
    "group": "rk:ProblemGroup",
    "finding": "rk:Finding",
    "measure": "rk:Measure",
    "document": "rk:NamedDocument",
    "quantity": "rk:Quantity",
}
REPORT_ROLES = "rk:issuer, rk:inspector, rk:inspectedBody"


@dataclass(frozen=True)
class Step:
    """One kind of edge seen from a node of kind `kind`: `pattern` binds ?other (and ?qualifier,
    ?via for a role or a citation) from ?x; `other` is the kind at the far end."""

    kind: str
    other: str
    pattern: str

    @property
    def forward(self) -> bool:
        """Whether ?x is the edge's first end, as the whole-graph index drew it (edge ids and
        arrows stay the same)."""
        return (self.kind, self.other) in FORWARD


# The edges' ends in the order the explorer has always drawn them (from, to).
FORWARD = frozenset(
    {
        ("category", "report"),
        ("group", "category"),
        ("finding", "group"),
        ("finding", "category"),
        ("measure", "finding"),
        ("measure", "quantity"),
        ("measure", "department"),
        ("measure", "document"),
        ("report", "document"),
        ("report", "department"),
    }
)


def _is(var: str, kind: str) -> str:
    """The type check of the far end (an involvement's agent and a report's issuer are always
    departments, and a VALUES of their two classes made the planner scan them all)."""
    return "" if kind == "department" else f"?{var} a {CLASSES[kind]} ."


# The explorer's edges (report–category–group–finding–measure–quantity structure, roles,
# citations, a report's issuer/inspector/inspected body) from each end in turn.
STEPS: tuple[Step, ...] = (
    Step("category", "report", "?x rk:report ?other ."),
    Step("report", "category", "?other rk:report ?x . " + _is("other", "category")),
    Step("group", "category", "?x rk:category ?other ."),
    Step("category", "group", "?other rk:category ?x . " + _is("other", "group")),
    Step("finding", "group", "?x rk:group ?other ."),
    Step("group", "finding", "?other rk:group ?x . " + _is("other", "finding")),
    Step("finding", "category", "?x rk:category ?other . FILTER NOT EXISTS { ?x rk:group ?g }"),
    Step(
        "category",
        "finding",
        "?other rk:category ?x . " + _is("other", "finding") + " FILTER NOT EXISTS { ?other rk:group ?g }",
    ),
    Step("measure", "finding", "?x rk:finding ?other ."),
    Step("finding", "measure", "?other rk:finding ?x . " + _is("other", "measure")),
    Step("measure", "quantity", "?other rk:measure ?x . " + _is("other", "quantity")),
    Step("quantity", "measure", "?x rk:measure ?other ."),
    Step(
        "measure",
        "department",
        "?via rk:measure ?x ; a rk:Involvement ; rk:agent ?other ; rk:role ?qualifier . " + _is("other", "department"),
    ),
    Step("department", "measure", "?via rk:agent ?x ; a rk:Involvement ; rk:measure ?other ; rk:role ?qualifier ."),
    Step("measure", "document", "?via rk:measure ?x ; a rk:Citation ; rk:document ?other ; rk:action ?qualifier ."),
    Step("document", "measure", "?via rk:document ?x ; a rk:Citation ; rk:measure ?other ; rk:action ?qualifier ."),
    Step("report", "document", "?via rk:report ?x ; a rk:Citation ; rk:document ?other ; rk:action ?qualifier ."),
    Step("document", "report", "?via rk:document ?x ; a rk:Citation ; rk:report ?other ; rk:action ?qualifier ."),
    Step(
        "report",
        "department",
        f"?x ?qualifier ?other . FILTER(?qualifier IN ({REPORT_ROLES})) " + _is("other", "department"),
    ),
    Step(
        "department",
        "report",
        f"?other ?qualifier ?x . FILTER(?qualifier IN ({REPORT_ROLES})) " + _is("other", "report"),
    ),
)

# Label (and printed number, category IRIs) of nodes of one kind, as the whole-graph index read them.
LABELS: dict[str, str] = {
    "report": "?x dcterms:title ?label .",
    "category": "?x dcterms:title ?label . BIND(?x AS ?category)",
    "group": "?x dcterms:title ?label ; rk:category ?category .",
    "finding": "?x dcterms:title ?label ; rk:number ?number ; rk:category ?category .",
    "measure": "?x rk:text ?label ; rk:finding/rk:category ?category .",
    "department": "?x skos:prefLabel ?label .",
    "document": "?x dcterms:title ?label .",
    "quantity": "?x rk:value ?v ; rk:unit ?u ; rk:measure/rk:finding/rk:category ?category ."
    " BIND(CONCAT(STR(?v), STR(?u)) AS ?label)",
}
# Departments and documents work in the categories of the measures they touch.
WIDE = ("department", "document")
WIDE_CATEGORIES = {
    "department": "?via rk:agent ?x ; a rk:Involvement ; rk:measure/rk:finding/rk:category ?category .",
    "document": "?via rk:document ?x ; a rk:Citation ; rk:measure/rk:finding/rk:category ?category .",
}
TYPES = {f"{iris.RK}{c.split(':')[1]}": k for k, c in CLASSES.items()} | {
    f"{iris.ORG}Organization": "department",
    f"{iris.ORG}OrganizationalUnit": "department",
}
IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


@dataclass(frozen=True)
class Link:
    """An edge from the node asked about to `other`: a role or citation action (`qualifier`,
    through `via`), or structure (None); `forward` when the node is the edge's first end."""

    other: str
    kind: str
    qualifier: str | None
    via: str | None
    forward: bool


@dataclass
class Node:
    """What the page draws for a node: kind, label, printed number, category titles, and how many
    distinct neighbours of each kind it has."""

    iri: str
    kind: str
    label: str = ""
    number: str = ""
    categories: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)


def _each(nodes: list[str], pattern: str) -> str:
    """One UNION branch per node with the node written in (and bound to ?x for the answer):
    VALUES ?x joined to a pattern let the planner scan the pattern unbound (minutes at N = 1,000)."""
    return " UNION ".join("{ " + pattern.replace("?x", f"<{n}>") + f" BIND(<{n}> AS ?x) }}" for n in nodes)


def _query(store: Store, body: str) -> list[dict]:
    return store.select(iris.sparql_prefixes() + body).rows


def kind_of(store: Store, node: str) -> str | None:
    """The explorer's kind of a node (from its rdf:type), None for what it does not draw."""
    if not IRI.fullmatch(node):
        return None
    rows = _query(store, f"SELECT ?type WHERE {{ <{node}> a ?type }}")
    kinds = sorted({TYPES[r["type"].value] for r in rows if r["type"].value in TYPES}, key=list(TYPES.values()).index)
    return kinds[0] if kinds else None


def links(store: Store, node: str, kind: str, skip: AbstractSet[str] = frozenset()) -> list[Link]:
    """Every edge of one node (but to kinds in `skip`), read by the patterns its kind has, the node
    written in as a constant."""
    steps = [s for s in STEPS if s.kind == kind and s.other not in skip]
    if not steps:
        return []
    union = " UNION ".join(_each([node], s.pattern + f" BIND({n} AS ?step)") for n, s in enumerate(steps))
    rows = _query(store, f"SELECT DISTINCT ?other ?step ?qualifier ?via WHERE {{ {union} }}")
    out = []
    for r in rows:
        step = steps[int(r["step"].value)]
        qualifier, via = (r[name].value if name in r else None for name in ("qualifier", "via"))
        out.append(Link(r["other"].value, step.other, qualifier, via, step.forward))
    return out


def describe(store: Store, nodes: dict[str, str]) -> dict[str, Node]:
    """Label, number, category titles and neighbour counts of these nodes (IRI → kind); a
    department's or document's from the per-version cache, the rest read now."""
    out: dict[str, Node] = {}
    narrow = {n: k for n, k in nodes.items() if k not in WIDE}
    out.update(_read(store, narrow))
    for node, kind in nodes.items():
        if kind in WIDE:
            out[node] = _wide(store, node, kind)
    return out


def _wide(store: Store, node: str, kind: str) -> Node:
    """A department's or document's summary, kept until the next write (thousands of measures)."""
    return RECENT.get(("summary", node), lambda: summary_of(store, node, kind, _kept(store, node, kind)))


def summary_of(store: Store, node: str, kind: str, kept: Kept | None) -> Node:
    """A department's or document's summary: its label, and its neighbours and categories of the
    kinds `kept` holds from what the writes keep, the rest read live; all of it live without
    `kept` (a store filled before). At a thousand reports the live joins took 0.2–0.6 s cold for
    a busy department, and 0.5 s for the most cited document's counts and categories (1,469
    citations; 0.17 s CPU kept)."""
    if kept is None:
        return _read(store, {node: kind})[node]
    read = {node: Node(node, kind)}
    _labels(store, kind, read, wide=False)
    _count(store, kind, read, skip=kept.kinds)
    summary = read[node]
    for other in kept.kinds:
        if found := {link.other for link in kept.links if link.kind == other}:
            summary.counts[other] = len(found)
    titles = _titles(store, sorted(kept.categories))
    summary.categories = {titles.get(c, c) for c in kept.categories}
    return summary


def wide_links(store: Store, node: str, kind: str) -> list[Link]:
    """`links`, kept until the next write for a department or a document (a hub's thousands of
    edges are read again for each page of its neighbours otherwise)."""
    if kind not in WIDE:
        return links(store, node, kind)
    return RECENT.get(("links", node), lambda: hub_links_of(store, node, kind, _kept(store, node, kind)))


def hub_links_of(store: Store, node: str, kind: str, kept: Kept | None) -> list[Link]:
    """A department's or document's edges: those to the kinds `kept` holds from what the writes
    keep, the others read live; all of them live without `kept`."""
    if kept is None:
        return links(store, node, kind)
    return [*dict.fromkeys(kept.links), *links(store, node, kind, skip=kept.kinds)]


@dataclass(frozen=True)
class Kept:
    """A wide node's edges to the kinds of neighbour `kinds` and the categories of its measures, as
    the writes keep them per document: a department's measures from its roles (graph/roles.py), a
    named document's measures and reports from its citations (graph/citations.py)."""

    kinds: frozenset[str]
    links: list[Link]
    categories: set[str]


def kept_edges(store: Store, node: str, kind: str) -> Kept:
    """What the writes keep about a department's or document's edges, read whether or not every
    report has it (`_kept` asks that first)."""
    if kind == "department":
        held = roles.involvements(store, node)
        edges = [_kept_link(kind, "measure", i.measure, i.role, i.involvement) for i in held]
        return Kept(frozenset({"measure"}), edges, {i.category for i in held if i.category})
    cited = citations.of(store, node)
    edges = [
        _kept_link(kind, other, end, c.action, c.citation)
        for c in cited
        for other, end in (("measure", c.measure), ("report", c.report))
        if end and c.action  # the live steps read a citation's action with its measure or report
    ]
    return Kept(frozenset({"measure", "report"}), edges, {c.category for c in cited if c.category})


def _kept_link(kind: str, other: str, end: str, qualifier: str, via: str) -> Link:
    step = next(s for s in STEPS if (s.kind, s.other) == (kind, other))
    return Link(end, other, qualifier, via, step.forward)


def _kept(store: Store, node: str, kind: str) -> Kept | None:
    """`kept_edges` where every report's are kept, else None (read live)."""
    return kept_edges(store, node, kind) if kind in KEEPERS and kept_for(kind) else None


# The check that every report has what the writes keep per document for a wide kind.
KEEPERS: dict[str, Callable[[Store, AbstractSet[str]], bool]] = {
    "department": roles.complete,
    "document": citations.complete,
}


def kept_for(kind: str) -> bool:
    """Whether every report's roles (a department) or citations (a document) are kept (graph/roles.py,
    graph/citations.py), checked once per store version for both, the reports read once."""
    return db.cached("kept-complete", _complete)[kind]


def _complete(store: Store) -> dict[str, bool]:
    reports = per_document.report_graphs(store)
    return {kind: complete(store, reports) for kind, complete in KEEPERS.items()}


def roles_kept() -> bool:
    """Whether every report's department roles are kept (graph/roles.py), checked once per store version."""
    return kept_for("department")


class Recent:
    """The last `size` answers about single nodes, for the store version they were read at: a
    bounded cache (one entry per department ever clicked would grow without end)."""

    def __init__(self, size: int):
        self._size = size
        self._kept: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, read: Callable[[], T]) -> T:
        versioned = (db.generation(), *key)
        with self._lock:
            if versioned in self._kept:
                self._kept.move_to_end(versioned)
                return self._kept[versioned]  # type: ignore[return-value]
        value = read()
        with self._lock:
            self._kept[versioned] = value
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return value


RECENT = Recent(256)


def _read(store: Store, nodes: dict[str, str]) -> dict[str, Node]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for node, kind in nodes.items():
        by_kind[kind].append(node)
    out: dict[str, Node] = {}
    for kind, members in by_kind.items():
        read = {n: Node(n, kind) for n in sorted(members)}
        category_iris = _labels(store, kind, read)
        _count(store, kind, read)
        titles = _titles(store, sorted({c for cs in category_iris.values() for c in cs}))
        for node, found in category_iris.items():
            read[node].categories = {titles.get(c, c) for c in found}
        out.update(read)
    return out


def _labels(store: Store, kind: str, nodes: dict[str, Node], wide: bool = True) -> dict[str, set[str]]:
    """Fill in label and number (a Chinese or untagged label first, as the index preferred);
    answer each node's category IRIs (a department's or document's only if `wide`)."""
    rows = _query(store, f"SELECT ?x ?label ?number ?category WHERE {{ {_each(list(nodes), LABELS[kind])} }}")
    categories: dict[str, set[str]] = defaultdict(set)
    chinese: dict[str, bool] = {}
    for r in rows:
        node, label = nodes[r["x"].value], r["label"]
        zh = (label.lang or "zh").startswith("zh")
        if node.iri not in chinese or (zh and not chinese[node.iri]):
            node.label, chinese[node.iri] = label.value, zh
        if "number" in r:
            node.number = r["number"].value
        if "category" in r:
            categories[node.iri].add(r["category"].value)
    if kind in WIDE and wide:
        found = _each(list(nodes), WIDE_CATEGORIES[kind])
        for r in _query(store, f"SELECT DISTINCT ?x ?category WHERE {{ {found} }}"):
            categories[r["x"].value].add(r["category"].value)
    return categories


def _count(store: Store, kind: str, nodes: dict[str, Node], skip: AbstractSet[str] = frozenset()) -> None:
    """Distinct neighbours of each kind (but those in `skip`) of every node, in one grouped query."""
    steps = [s for s in STEPS if s.kind == kind and s.other not in skip]
    if not steps:
        return
    union = " UNION ".join(_each(list(nodes), s.pattern + f' BIND("{s.other}" AS ?kind)') for s in steps)
    query = f"SELECT ?x ?kind (COUNT(DISTINCT ?other) AS ?n) WHERE {{ {union} }} GROUP BY ?x ?kind"
    for r in _query(store, query):
        nodes[r["x"].value].counts[r["kind"].value] = int(r["n"].value)


def _titles(store: Store, categories: list[str]) -> dict[str, str]:
    """Each category's title. A VALUES, not `_each`: joined to this one triple pattern it is an index
    lookup per category, while a UNION branch per category cost more per branch the more there
    were (the most cited document's 849 categories at N = 1,000: 0.8–1.7 s, 32–68 ms as VALUES)."""
    if not categories:
        return {}
    values = " ".join(f"<{c}>" for c in categories)
    rows = _query(store, f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} ?x dcterms:title ?label }}")
    return {r["x"].value: r["label"].value for r in sorted(rows, key=lambda r: r["label"].lang != "zh")}
