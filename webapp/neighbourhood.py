"""The explorer's index of the graph: typed nodes with short labels and their labelled neighbours.

The explorer needs, for every node it ships, how many neighbours of each kind it has *before*
they are fetched, and it must answer a click without scanning the store. So the browsable part
of the graph (reports, categories, groups, findings, measures, departments, documents,
quantities; structure, roles, citations) is read once with two SELECTs into plain dictionaries
and rebuilt only when the store was reopened, like the search index. Evidence sentences are not
kept here: they are fetched for the one node or edge a user clicks (see `evidence`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.store import Store, Term
from ontology import iris
from webapp import db, i18n, links
from webapp.around import Link, Node

log = logging.getLogger(__name__)

# Kinds in legend order: (zh, en) names, colour and vis-network shape, one per node type.
KINDS: dict[str, dict[str, str]] = {
    "report": {"zh": "通报", "en": "Report", "color": "#7a1f1f", "shape": "star"},
    "category": {"zh": "问题类别", "en": "Category", "color": "#b5651d", "shape": "diamond"},
    "group": {"zh": "问题组", "en": "Group", "color": "#d9a441", "shape": "triangle"},
    "finding": {"zh": "问题", "en": "Finding", "color": "#d64545", "shape": "dot"},
    "measure": {"zh": "整改措施", "en": "Measure", "color": "#3c78d8", "shape": "square"},
    "department": {"zh": "部门", "en": "Department", "color": "#2e8b57", "shape": "hexagon"},
    "document": {"zh": "文件", "en": "Document", "color": "#8e44ad", "shape": "box"},
    "quantity": {"zh": "数量", "en": "Quantity", "color": "#7f8c8d", "shape": "triangleDown"},
}

NODES_QUERY = """
SELECT DISTINCT ?node ?kind ?label ?number ?category WHERE {
  { ?node a rk:Report ; dcterms:title ?label . BIND("report" AS ?kind) }
  UNION { ?node a rk:ProblemCategory ; dcterms:title ?label . BIND("category" AS ?kind) BIND(?node AS ?category) }
  UNION { ?node a rk:ProblemGroup ; dcterms:title ?label ; rk:category ?category . BIND("group" AS ?kind) }
  UNION { ?node a rk:Finding ; dcterms:title ?label ; rk:number ?number ; rk:category ?category .
          BIND("finding" AS ?kind) }
  UNION { ?node a rk:Measure ; rk:text ?label ; rk:finding/rk:category ?category . BIND("measure" AS ?kind) }
  UNION { ?node a org:Organization ; skos:prefLabel ?label . BIND("department" AS ?kind) }
  UNION { ?node a org:OrganizationalUnit ; skos:prefLabel ?label . BIND("department" AS ?kind) }
  UNION { ?node a rk:NamedDocument ; dcterms:title ?label . BIND("document" AS ?kind) }
  UNION { ?node a rk:Quantity ; rk:value ?v ; rk:unit ?u ; rk:measure/rk:finding/rk:category ?category .
          BIND(CONCAT(STR(?v), STR(?u)) AS ?label) BIND("quantity" AS ?kind) }
}"""

# ?a – ?b with what joins them: `part` (structure), a role (?qualifier, through the involvement
# ?via), a citation action (through the citation ?via), or the report's issuer/inspector.
EDGES_QUERY = """
SELECT DISTINCT ?a ?b ?qualifier ?via WHERE {
  { ?a a rk:ProblemCategory ; rk:report ?b . }
  UNION { ?a a rk:ProblemGroup ; rk:category ?b . }
  UNION { ?a a rk:Finding ; rk:group ?b . }
  UNION { ?a a rk:Finding ; rk:category ?b . FILTER NOT EXISTS { ?a rk:group ?g } }
  UNION { ?a a rk:Measure ; rk:finding ?b . }
  UNION { ?b a rk:Quantity ; rk:measure ?a . }
  UNION { ?via a rk:Involvement ; rk:measure ?a ; rk:agent ?b ; rk:role ?qualifier . }
  UNION { ?via a rk:Citation ; rk:measure ?a ; rk:document ?b ; rk:action ?qualifier . }
  UNION { ?via a rk:Citation ; rk:report ?a ; rk:document ?b ; rk:action ?qualifier . }
  UNION { ?a a rk:Report ; ?qualifier ?b . FILTER(?qualifier IN (rk:issuer, rk:inspector, rk:inspectedBody)) }
}"""

EVIDENCE_QUERY = """
SELECT ?x ?sentence ?exact ?start WHERE {
  ?x rk:evidence ?ev . ?ev rk:sentence ?sentence ; oa:exact ?exact ; oa:start ?start .
} ORDER BY ?start LIMIT 3"""


@dataclass
class Edge:
    id: str
    a: str
    b: str
    qualifier: str | None  # role or action IRI; None for structure
    via: str | None  # the involvement or citation that carries the edge's evidence


@dataclass
class Index:
    """Nodes (kind, label, category titles) and, per node, the edges that touch it."""

    kind: dict[str, str] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    number: dict[str, str] = field(default_factory=dict)
    categories: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    edges: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))

    def __len__(self) -> int:
        return len(self.kind)

    def neighbours(self, node: str) -> dict[str, list[Edge]]:
        """Each neighbour of a node with the edges that join them."""
        out: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges.get(node, ()):
            out[edge.b if edge.a == node else edge.a].append(edge)
        return out

    def counts(self, node: str) -> dict[str, int]:
        """How many distinct neighbours of each kind a node has (what a click would add)."""
        out: dict[str, int] = defaultdict(int)
        for other in self.neighbours(node):
            out[self.kind[other]] += 1
        return dict(out)


def build(store: Store) -> Index:
    prefixes = iris.sparql_prefixes()
    index = Index()
    category_title: dict[str, str] = {}
    preferred: dict[str, bool] = {}
    for row in store.select(prefixes + NODES_QUERY).rows:
        node, kind, label = row["node"].value, row["kind"].value, row["label"]
        chinese = (label.lang or "zh").startswith("zh")
        if node not in index.kind or (chinese and not preferred[node]):
            index.kind[node], index.label[node], preferred[node] = kind, label.value, chinese
        if "number" in row:
            index.number[node] = row["number"].value
        if "category" in row:
            index.categories[node].add(row["category"].value)
        if kind == "category":
            category_title[node] = label.value
    for row in store.select(prefixes + EDGES_QUERY).rows:
        a, b = row["a"].value, row["b"].value
        if a not in index.kind or b not in index.kind:
            continue
        via = row["via"].value if "via" in row else None
        qualifier = row["qualifier"].value if "qualifier" in row else None
        edge = Edge(via or f"{a} {qualifier or ''} {b}", a, b, qualifier, via)
        index.edges[a].append(edge)
        index.edges[b].append(edge)
    for node, kind in index.kind.items():  # departments and documents: the categories they work in
        if kind in ("department", "document"):
            for other in index.neighbours(node):
                index.categories[node] |= (
                    index.categories.get(other, set()) if index.kind[other] == "measure" else set()
                )
    index.categories = defaultdict(
        set, {n: {category_title.get(c, c) for c in cs} for n, cs in index.categories.items()}
    )
    log.info("graph view index: %d nodes", len(index))
    return index


def current() -> Index:
    """The index for the store as it is now, rebuilt after the store was reopened."""
    return db.cached("graphindex", build)


def qualifier_label(qualifier: str | None) -> str:
    if qualifier is None:
        return ""
    return i18n.term_label(qualifier)


def node_json(index: Index, node: str) -> dict:
    """A node as the page draws it: id, kind, label, category titles, neighbour counts, page link."""
    return _node_json(
        node, index.kind[node], index.label[node], index.number.get(node, ""), index.categories.get(node, ()),
        index.counts(node),
    )


def summary_json(node: Node) -> dict:
    """The same, for a node read around a click (webapp/around.py) rather than from the index."""
    return _node_json(node.iri, node.kind, node.label, node.number, node.categories, node.counts)


def _node_json(node: str, kind: str, label: str, number: str, categories: Iterable[str], counts: dict) -> dict:
    if number and kind == "finding":
        label = f"{number} {label}"
    return {
        "id": node,
        "kind": kind,
        "label": label,
        "categories": sorted(categories),
        "counts": counts,
        "url": links.entity_url(node),
    }


def link_edge(node: str, link: Link) -> Edge:
    """An edge read around `node`, with the id and direction the whole-graph index gave it."""
    a, b = (node, link.other) if link.forward else (link.other, node)
    return Edge(link.via or f"{a} {link.qualifier or ''} {b}", a, b, link.qualifier, link.via)


def edge_json(edge: Edge) -> dict:
    role = edge.qualifier.rsplit("#", 1)[-1] if edge.qualifier else "part"
    return {
        "id": edge.id,
        "from": edge.a,
        "to": edge.b,
        "role": role,
        "label": qualifier_label(edge.qualifier),
        "via": edge.via,
    }


def evidence(iri: str) -> list[dict[str, str]]:
    """The sentences a node or an involvement/citation rests on, first in the text first."""
    found = db.run(lambda store: store.select(iris.sparql_prefixes() + EVIDENCE_QUERY, {"x": Term("iri", iri)}))
    return [{"sentence": r["sentence"].value, "exact": r["exact"].value} for r in found.rows]
