"""Responsibility analytics: who shares findings with whom, who bridges, who clusters together.

The store is read into networkx once, by `read_responsibility`, the only place RDF becomes a
networkx graph; everything else here is graph algorithms over that result. The graph read is the
department × finding bipartite graph of lead and partner roles, with the same exclusions as the
`shared-responsibility` saved query (generic bodies like 有关部门 and internal units of the issuing
body are not partners), so `rectkg analyze` and that query always agree on who shares what.

Only the projection onto departments is ever built: departments number in the hundreds even for
thousands of reports, while projecting onto findings would mean billions of edges.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from graph import roles
from graph.export import GRAPH_FORMATS
from graph.interface import Result, Store
from graph.results import strings
from ontology import iris

log = logging.getLogger(__name__)

DEPARTMENT = "department"
FINDING = "finding"
EXPORT_FORMATS = GRAPH_FORMATS
SEED = 20260213  # communities must not change between runs on the same store

# One row per (organisation, measure) with a lead or partner role; the exclusions mirror
# queries/shared-responsibility.rq so both count the same pairs.
EDGES_QUERY = """
SELECT DISTINCT ?org ?measure ?finding WHERE {
  ?inv rk:measure ?measure ; rk:agent ?org ; rk:role ?role .
  FILTER(?role IN (rk:lead, rk:partner))
  ?measure rk:finding ?finding .
  FILTER NOT EXISTS { ?org rk:generic true }
  FILTER NOT EXISTS { ?org rk:internalUnit true }
}
"""

# The organisations that share nothing however they are named in a measure (generic bodies like
# 有关部门, and internal units of the issuing body): what EDGES_QUERY leaves out.
EXCLUDED_QUERY = "SELECT DISTINCT ?org WHERE { { ?org rk:generic true } UNION { ?org rk:internalUnit true } }"

# Labels of every organisation (anything with SKOS labels) and finding, one (node, attribute,
# value) row each: a UNION keeps it one round trip on remote stores, and avoids multiplying rows
# as OPTIONALs would. DISTINCT because an organisation is described again in every report's graph
# that names it, and the union default graph repeats its triples once per graph (200 reports:
# 1.2M rows without it). Organisations are matched by their SKOS labels alone: adding
# `a org:Organization` would join those repeats with each other, squaring them.
ORGANISATION_LABELS = """
  { ?node skos:prefLabel ?value . BIND("pref" AS ?attr) }
  UNION { ?node skos:altLabel ?value . BIND("alt" AS ?attr) }"""
FINDING_LABELS = """
  { ?node a rk:Finding ; dcterms:title ?value . BIND("pref" AS ?attr) }
  UNION { ?node a rk:Finding ; rk:number ?value . BIND("number" AS ?attr) }
  UNION { ?node a rk:Finding ; rk:report/dcterms:title ?value . BIND("report" AS ?attr) }"""
NODES_QUERY = f"SELECT DISTINCT ?node ?attr ?value WHERE {{ {ORGANISATION_LABELS}\n  UNION {FINDING_LABELS}\n}}"


class AnalyticsError(ValueError):
    """A request the graph cannot answer (unknown or ambiguous department): the user's to fix."""


Edges = dict[tuple[str, str], set[str]]  # (organisation, finding) → the measures it leads or partners on


def read_responsibility(store: Store, *, describe_findings: bool = True, edges: Edges | None = None) -> nx.Graph:
    """The department × finding bipartite graph, straight from the store (any backend).

    Nodes are entity IRIs with `type` (department | finding), `label` (Chinese preferred label,
    else any) and `label_zh` / `label_en` where the graph has them; departments also carry
    `aliases` (skos:altLabel), findings `number` and `report` (unless not `describe_findings`:
    then a finding's label is its IRI, and `describe` gives its attributes when they are
    wanted). An edge joins a department to a finding it leads or partners on, with `measures`:
    the measure IRIs it is involved in there. Nodes and edges are added in sorted order so that
    seeded algorithms give the same answer whatever order the store returned rows in. `edges`:
    what `read_edges` gives, when the caller has read them already.
    """
    prefixes = iris.sparql_prefixes()
    edges = read_edges(store) if edges is None else edges
    wanted = ORGANISATION_LABELS + (f"\n  UNION {FINDING_LABELS}" if describe_findings else "")
    attrs = _node_attributes(store.select(f"{prefixes}SELECT DISTINCT ?node ?attr ?value WHERE {{ {wanted} }}"))
    graph = nx.Graph()
    for kind, nodes in ((DEPARTMENT, {o for o, _ in edges}), (FINDING, {f for _, f in edges})):
        for node in sorted(nodes):
            graph.add_node(node, type=kind, **_labels(node, attrs.get(node, {})))
    for (org, finding), measures in sorted(edges.items()):
        graph.add_edge(org, finding, measures=frozenset(measures))
    log.info("responsibility graph: %d nodes, %d edges", graph.number_of_nodes(), graph.number_of_edges())
    return graph


def read_edges(store: Store, also: Callable[[str, str, roles.Involvement], None] | None = None) -> Edges:
    """(organisation, finding) → the measures it leads or partners on there: from the roles each
    write keeps per document where every report has them, else from the involvements (a minute
    and more at a thousand reports). `also` sees every kept role as it streams by (the shared
    network's filters are read in the same pass): None when the involvements were read."""
    prefixes = iris.sparql_prefixes()
    edges: Edges = defaultdict(set)
    if not roles.complete(store):
        for row in store.select(prefixes + EDGES_QUERY).rows:
            edges[(row["org"].value, row["finding"].value)].add(row["measure"].value)
        return edges
    excluded = {row["org"] for row in strings(store.select(prefixes + EXCLUDED_QUERY))}
    for graph, org, found in roles.every(store):
        if also is not None:
            also(graph, org, found)
        if found.role in iris.SHARING_ROLES and org not in excluded:
            edges[(org, found.finding)].add(found.measure)
    return edges


def describe(store: Store, findings: list[str]) -> dict[str, dict[str, object]]:
    """The labels, printed numbers and report titles of these findings, as `read_responsibility`
    gives them when it describes findings."""
    if not findings:
        return {}
    values = " ".join(f"<{f}>" for f in findings)
    query = f"SELECT DISTINCT ?node ?attr ?value WHERE {{ VALUES ?node {{ {values} }} {FINDING_LABELS} }}"
    attrs = _node_attributes(store.select(iris.sparql_prefixes() + query))
    return {f: _labels(f, attrs.get(f, {})) for f in findings}


def _node_attributes(result: Result) -> dict[str, dict[str, list]]:
    attrs: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in result.rows:
        attrs[row["node"].value][row["attr"].value].append(row["value"])
    return attrs


def _labels(node: str, attrs: dict[str, list]) -> dict[str, object]:
    """Chinese and English labels from language tags; an untagged label counts as Chinese."""
    pref = sorted(attrs.get("pref", []), key=lambda t: (t.lang or "", t.value))
    zh = next((t.value for t in pref if (t.lang or "zh").split("-")[0] == "zh"), None)
    en = next((t.value for t in pref if (t.lang or "").split("-")[0] == "en"), None)
    out: dict[str, object] = {"label": zh or en or (pref[0].value if pref else node)}
    if zh:
        out["label_zh"] = zh
    if en:
        out["label_en"] = en
    if "alt" in attrs:
        out["aliases"] = tuple(sorted({t.value for t in attrs["alt"]}))
    for key in ("number", "report"):
        if key in attrs:
            out[key] = min(t.value for t in attrs[key])
    return out


def project(bipartite: nx.Graph) -> nx.Graph:
    """Departments joined by what they share: `findings` (the weight) and `measures`.

    Two departments share a measure when both lead or partner on that same measure; `shared`
    lists the finding IRIs, so a view can show which findings an edge stands for.
    """
    graph = nx.Graph()
    graph.add_nodes_from((n, d) for n, d in bipartite.nodes(data=True) if d["type"] == DEPARTMENT)
    for finding in sorted(n for n, d in bipartite.nodes(data=True) if d["type"] == FINDING):
        involved = sorted(bipartite[finding].items())
        for (a, ea), (b, eb) in itertools.combinations(involved, 2):
            if not graph.has_edge(a, b):
                graph.add_edge(a, b, findings=0, measures=0, shared=[])
            edge = graph[a][b]
            edge["findings"] += 1
            edge["measures"] += len(ea["measures"] & eb["measures"])
            edge["shared"].append(finding)
    for _a, _b, edge in graph.edges(data=True):
        edge["weight"] = edge["findings"]
        edge["distance"] = 1 / edge["findings"]  # closer when they share more
    return graph


@dataclass(frozen=True)
class Pair:
    """Two departments that share findings; a before b by label."""

    a: str
    b: str
    label_a: str
    label_b: str
    findings: int
    measures: int
    shared: tuple[str, ...]


@dataclass(frozen=True)
class Centrality:
    department: str
    label: str
    partners: int  # departments it shares any finding with
    weighted_degree: int  # sum of shared findings over its partners
    betweenness: float  # on distances 1/shared findings, normalised
    community: int


@dataclass
class Analysis:
    """Everything `rectkg analyze` shows, computed once from one read of the store."""

    bipartite: nx.Graph
    projection: nx.Graph
    communities: list[list[str]]  # department IRIs; largest first, numbered from 1 in this order

    @cached_property
    def sharing(self) -> nx.Graph:
        """The projection without departments that share nothing (they only ever work alone): a
        graph of its own, as views of views cost a filter call per step (the web app reads it on
        every request for the network)."""
        return nx.Graph(_sharing(self.projection))

    @property
    def community_of(self) -> dict[str, int]:
        return {node: n for n, members in enumerate(self.communities, start=1) for node in members}

    def label(self, node: str) -> str:
        return self.bipartite.nodes[node]["label"]

    def pairs(self) -> list[Pair]:
        """Every sharing pair, most shared findings first, then by labels (like the saved query)."""
        out = []
        for a, b, edge in self.projection.edges(data=True):
            a, b = sorted((a, b), key=lambda n: (self.label(n), n))
            out.append(
                Pair(a, b, self.label(a), self.label(b), edge["findings"], edge["measures"], tuple(edge["shared"]))
            )
        return sorted(out, key=lambda p: (-p.findings, p.label_a, p.label_b))

    def centrality(self) -> list[Centrality]:
        """Departments that share anything, by weighted degree then betweenness."""
        sharing = self.sharing
        between = nx.betweenness_centrality(sharing, weight="distance", normalized=True)
        strength = dict(sharing.degree(weight="findings"))
        community = self.community_of
        rows = [
            Centrality(n, self.label(n), sharing.degree(n), strength[n], between[n], community.get(n, 0))
            for n in sharing
        ]
        return sorted(rows, key=lambda c: (-c.weighted_degree, -c.betweenness, c.label))

    def find_department(self, name: str) -> str:
        """A department IRI from its preferred label, an alias (skos:altLabel) or its IRI."""
        departments = [(n, d) for n, d in self.bipartite.nodes(data=True) if d["type"] == DEPARTMENT]
        for match in (
            lambda n, d: n == name,
            lambda n, d: name in (d["label"], d.get("label_zh"), d.get("label_en")),
            lambda n, d: name in d.get("aliases", ()),
        ):
            found = sorted(n for n, d in departments if match(n, d))
            if len(found) == 1:
                return found[0]
            if found:
                labels = ", ".join(self.label(n) for n in found)
                raise AnalyticsError(f"{name!r} could be any of: {labels}; give the full name")
        raise AnalyticsError(f"no department {name!r} leads or partners on any finding")

    def chain(self, source: str, target: str) -> list[str]:
        """The shortest department → finding → department … chain linking two departments.

        Empty when they are not connected through shared findings at all.
        """
        try:
            return nx.shortest_path(self.bipartite, source, target)
        except nx.NetworkXNoPath:
            return []


def _sharing(projection: nx.Graph) -> nx.Graph:
    return projection.subgraph(n for n in projection if projection.degree(n))


def analyse(store: Store, *, seed: int = SEED, describe_findings: bool = True, edges: Edges | None = None) -> Analysis:
    """Read the store once and compute the projection and its communities (Louvain, seeded)."""
    bipartite = read_responsibility(store, describe_findings=describe_findings, edges=edges)
    projection = project(bipartite)
    sharing = _sharing(projection)
    found = nx.community.louvain_communities(sharing, weight="findings", seed=seed) if sharing else []
    communities = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))
    return Analysis(bipartite, projection, communities)


def export_graph(analysis: Analysis) -> nx.Graph:
    """Departments, findings and both kinds of edge, with only attributes GraphML/GEXF can hold.

    Edges have `kind`: `responsible` (department → finding; weight = its measures there) or
    `shares` (department – department; weight = shared findings, `measures` = shared measures).
    Departments carry their weighted degree, betweenness and community for Gephi or Cytoscape.
    """
    out = nx.Graph()
    scores = {c.department: c for c in analysis.centrality()}
    for node, data in analysis.bipartite.nodes(data=True):
        attrs = {k: v for k, v in data.items() if k != "aliases"}
        if "aliases" in data:
            attrs["aliases"] = "|".join(data["aliases"])
        if node in scores:
            attrs["weighted_degree"] = scores[node].weighted_degree
            attrs["betweenness"] = scores[node].betweenness
            attrs["community"] = scores[node].community
        out.add_node(node, **attrs)
    for dept, finding, edge in analysis.bipartite.edges(data=True):
        n = len(edge["measures"])
        out.add_edge(dept, finding, kind="responsible", weight=n, measures=n)
    for a, b, edge in analysis.projection.edges(data=True):
        out.add_edge(a, b, kind="shares", weight=edge["findings"], findings=edge["findings"], measures=edge["measures"])
    return out


def serialise(graph: nx.Graph, fmt: str) -> bytes:
    """GraphML or GEXF bytes of a graph made by `export_graph`."""
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer, encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(graph, buffer, encoding="utf-8")
    else:
        raise ValueError(f"unknown graph format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return buffer.getvalue()


def export(store: Store, fmt: str) -> bytes:
    """The responsibility network of the whole store as GraphML or GEXF."""
    return serialise(export_graph(analyse(store)), fmt)
