"""The shared-responsibility network behind /graph/shared, built once per store version: the
responsibility analysis (graph/analytics.py), where each finding was reported and who holds which
role on it (for the filters), and what the filters can be set to.

Building it reads the roles every write keeps (18 s at a thousand reports), so the warm-up after
each write builds it (webapp/warm.py) and a visit in between is answered from the network as it
was before that write, marked stale, rather than held until the new one is ready (`current`). It
is saved beside the store (db.lasting: 40 MB, read back in 0.3 s at a thousand reports), so a
restart does not build it again while its first visitors wait; in a large store the warm-up builds
it in a process of its own at a lower priority (`build_apart`), which this one then reads back.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from graph import analytics, roles
from graph.results import strings
from graph.store import Store
from ontology import iris
from webapp import db

log = logging.getLogger(__name__)
# Where each finding was reported: its report and the report's place (rk:jurisdiction); and the
# sharing roles (lead, partner) each organisation holds on it: for the shared network's filters.
FINDING_REPORTS = """
SELECT DISTINCT ?finding ?report ?place WHERE {
  ?finding a rk:Finding ; rk:report ?report .
  OPTIONAL { ?report rk:jurisdiction/rdfs:label ?place }
}"""
SHARING_ROLES = tuple(sorted(r.rsplit("#", 1)[-1] for r in iris.SHARING_ROLES))  # as the `role` filter names them
FINDING_ROLES = """
SELECT DISTINCT ?org ?finding ?role WHERE {
  ?inv rk:measure ?measure ; rk:agent ?org ; rk:role ?role .
  FILTER(?role IN (rk:lead, rk:partner))
  ?measure rk:finding ?finding .
}"""
REPORT_TITLES = "SELECT ?report ?title WHERE { ?report a rk:Report ; dcterms:title ?title }"
# Each document graph's report and the report's place: a row per report.
GRAPH_REPORTS = """
SELECT ?g ?report ?place WHERE {
  GRAPH ?g { ?report a rk:Report }
  OPTIONAL { GRAPH ?g { ?report rk:jurisdiction/rdfs:label ?place } }
}"""


@dataclass(frozen=True)
class Where:
    """Each finding's report and place (empty when the report names none), and the roles each
    organisation holds on it (local names)."""

    report: dict[str, str]
    place: dict[str, str]
    roles: dict[tuple[str, str], frozenset[str]]


@dataclass(frozen=True)
class Network:
    """The analysis, where its findings were reported, and the filters' choices (the sharing
    departments, reports and places, by name)."""

    found: analytics.Analysis
    where: Where
    choices: dict[str, list]


# The saved network's shape (db.lasting): bumped whenever Network, Where or analytics.Analysis
# change, so that a file an older release saved is ignored rather than read into the new classes.
SAVED_FORMAT = 1


def current() -> tuple[Network, bool]:
    """The network of the store as it is now, or as it was before the latest write while the
    warm-up builds the new one (then True: stale)."""
    return db.kept_or_stale("network", db.lasting("network", build, SAVED_FORMAT))


def fresh() -> Network:
    """The network of the store as it is now, built if it is not kept (the warm-up's call)."""
    return db.cached("network", db.lasting("network", build, SAVED_FORMAT))


def warm(large: bool, stopping: Callable[[], bool]) -> None:
    """The warm-up's step: in a large embedded store, unless what is saved beside it is current, the
    network is built and saved in a process of its own (db.build_apart) and then read back here; a failure
    there leaves `fresh` to build it in this process, as before. A write that came meanwhile, or
    a shutdown, ends the step: the next warm-up builds the store as it is then."""
    if large and not db.remote() and not db.lasting_current("network", SAVED_FORMAT):
        version = db.generation()
        try:
            if not db.build_apart("network", build, SAVED_FORMAT, stopping):
                return
        except Exception as error:
            log.warning("building the shared network apart failed (built in this process instead): %s", error)
        if db.generation() != version:
            return
    fresh()


def build(store: Store) -> Network:
    """Findings are described when an edge is clicked (`analytics.describe`), not here: the
    network needs only which departments share them, and where and how."""
    kept = _Kept()
    found = analytics.analyse(store, describe_findings=False, edges=analytics.read_edges(store, kept.see))
    where = _where_kept(store, found, kept) if kept.seen else _where(store)
    return Network(found, where, _choices(found, where, _report_titles(store)))


def _where(store: Store) -> Where:
    prefixes = iris.sparql_prefixes()
    rows = store.select(prefixes + FINDING_REPORTS).rows
    held: dict[tuple[str, str], set[str]] = {}
    for r in store.select(prefixes + FINDING_ROLES).rows:
        held.setdefault((r["org"].value, r["finding"].value), set()).add(r["role"].value.rsplit("#", 1)[-1])
    return Where(
        {r["finding"].value: r["report"].value for r in rows},
        {r["finding"].value: r["place"].value for r in rows if "place" in r},
        {key: frozenset(roles_held) for key, roles_held in held.items()},
    )


class _Kept:
    """What the filters need of each kept role, gathered as the analysis streams them by: who holds
    which sharing role on which finding, and each finding's document graph."""

    def __init__(self) -> None:
        self.seen = False
        self.holding: dict[tuple[str, str], set[str]] = {}
        self.graph_of: dict[str, str] = {}

    def see(self, graph: str, org: str, involvement: roles.Involvement) -> None:
        self.seen = True
        if involvement.role in iris.SHARING_ROLES:
            self.holding.setdefault((org, involvement.finding), set()).add(involvement.role.rsplit("#", 1)[-1])
            self.graph_of[involvement.finding] = graph


def _where_kept(store: Store, found: analytics.Analysis, kept: _Kept) -> Where:
    """`_where` from the roles each write keeps per document (graph/roles.py) and each document's
    report, for the findings the analysis holds (those some department leads or partners on)."""
    reports = {row["g"]: row for row in strings(store.select(iris.sparql_prefixes() + GRAPH_REPORTS))}
    kept_findings = {f: g for f, g in kept.graph_of.items() if found.bipartite.has_node(f) and g in reports}
    return Where(
        {f: reports[g]["report"] for f, g in kept_findings.items()},
        {f: reports[g]["place"] for f, g in kept_findings.items() if "place" in reports[g]},
        {key: frozenset(held) for key, held in kept.holding.items() if found.bipartite.has_node(key[1])},
    )


def _choices(found: analytics.Analysis, where: Where, titles: dict[str, str]) -> dict[str, list]:
    reports = {where.report.get(f, "") for _, _, data in found.sharing.edges(data=True) for f in data["shared"]} - {""}
    return {
        "departments": sorted(({"id": n, "label": found.label(n)} for n in found.sharing), key=lambda d: d["label"]),
        "reports": sorted(({"id": r, "label": titles.get(r, r)} for r in reports), key=lambda d: d["label"]),
        "places": sorted(set(where.place.values())),
    }


def _report_titles(store: Store) -> dict[str, str]:
    """Every report's title (a Chinese one first), one row per report: what the report filter
    names them by."""
    out: dict[str, str] = {}
    rows = store.select(iris.sparql_prefixes() + REPORT_TITLES).rows
    for r in sorted(rows, key=lambda r: not (r["title"].lang or "zh").startswith("zh")):
        out.setdefault(r["report"].value, r["title"].value)
    return out


@dataclass(frozen=True)
class Filters:
    """The shared network's filters, as the page's URL and the API name them."""

    department: str = ""
    report: str = ""
    place: str = ""
    role: str = ""
    least: int = 1
    top: int = 100

    @property
    def by_finding(self) -> bool:
        """Whether a finding can be left out (else only whole pairs are, by their count)."""
        return bool(self.report or self.place or self.role)

    def keeps(self, where: Where, finding: str, pair: tuple[str, str], centre: str) -> bool:
        """Whether a finding two departments share counts: in the chosen report and place, and
        with the chosen role held on it by the chosen department when it is one of the two (the
        findings it leads, or those it partners on), else by either of them."""
        holders = [centre] if centre in pair else pair
        return (
            (not self.report or where.report.get(finding) == self.report)
            and (not self.place or where.place.get(finding) == self.place)
            and (not self.role or any(self.role in where.roles.get((d, finding), ()) for d in holders))
        )


def filtered(network: Network, filters: Filters, centre: str) -> nx.Graph:
    """The sharing network counted over the findings the filters keep: a pair stays when it still
    shares at least `least` of them, so weights and sizes are those of what is drawn. Without a
    filter on findings the pairs are the analysis's own, not copied (tens of thousands at a
    thousand reports)."""
    sharing = network.found.sharing
    if not filters.by_finding:
        if filters.least <= 1:
            return sharing
        out = nx.Graph()
        out.add_edges_from((a, b, data) for a, b, data in sharing.edges(data=True) if data["findings"] >= filters.least)
        return out
    out = nx.Graph()
    bipartite = network.found.bipartite
    for a, b, data in sharing.edges(data=True):
        shared = [f for f in data["shared"] if filters.keeps(network.where, f, (a, b), centre)]
        if len(shared) >= filters.least:
            measures = sum(len(bipartite[a][f]["measures"] & bipartite[b][f]["measures"]) for f in shared)
            out.add_edge(*sorted((a, b)), findings=len(shared), measures=measures, shared=shared)
    return out


def most_sharing(sharing: nx.Graph, top: int, centre: str) -> nx.Graph:
    """The `top` departments sharing the most findings (the centre always) and the pairs among
    them: the part of the network an investigator reads first."""
    if sharing.number_of_nodes() <= top:
        return sharing
    strength = dict(sharing.degree(weight="findings"))
    chosen = heapq.nsmallest(top, sharing, key=lambda n: (n != centre, -strength[n], n))
    return sharing.subgraph(chosen)
