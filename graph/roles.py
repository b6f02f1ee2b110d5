"""Each department's roles in each document, kept in the aggregate graph and written with the document.

A department's page lists the findings it leads, partners on or is the target of. Read live, that
is every involvement of the department joined to its role, measure and finding across the union
of every graph: 0.2–0.7 s for the busiest department at a thousand reports, and more on the first
visit after a write, growing with the corpus. A department's roles in one document depend on that
document alone, so, as the dashboard's rows (graph/summaries.py), the write that adds, replaces or
removes a document also writes, in the same request, one `rk:DepartmentRoles` node per department
it involves: its roles in measures, with their findings and categories, as JSON. The page then
reads one short literal per document naming the department (`held_by`), and the graph explorer
draws, counts and categorises a department's measures from the same literals (webapp/around.py).

Each written document also gets one `rk:DocumentRoles` node, with or without departments, so the
app can tell a store whose every report was written this way (`complete`) from one filled
before, whose pages read the involvements live until `graph.aggregates.rebuild` writes the nodes.

The roles are the answers of the same query (`ROLES`) over the one graph, run on a small
in-memory store holding only the lines it reads: what the write stores and what the live query
gives are the same by construction (tests/test_roles.py holds them equal).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from graph import per_document
from graph.interface import Store, Term
from graph.results import strings
from ontology import iris
from ontology.iris import RK

_iri = per_document.iri_text

# In each document graph: who holds which role in which measure, of which finding, in which
# category, through which involvement node.
ROLES = """SELECT DISTINCT ?g ?org ?role ?finding ?measure ?category ?inv WHERE { GRAPH ?g {
  ?inv rk:agent ?org ; rk:role ?role ; rk:measure ?measure . ?measure rk:finding ?finding .
  OPTIONAL { ?finding rk:category ?category } } }"""
_KEYS = tuple(f"> <{p}> ".encode() for p in (RK.agent, RK.role, RK.measure, RK.finding, RK.category))
_GRAPH, _AGENT, _HELD = str(RK.rolesGraph), str(RK.rolesAgent), str(RK.rolesHeld)
_DEPARTMENT_CLASS, _DOCUMENT_CLASS = Term("iri", str(RK.DepartmentRoles)), Term("iri", str(RK.DocumentRoles))


class Involvement(NamedTuple):
    """One role a department holds in one measure ("" for a finding without a category)."""

    role: str
    finding: str
    measure: str
    category: str
    involvement: str


KEPT = per_document.Keyed(
    iris.document_roles,
    iris.department_roles,
    _DOCUMENT_CLASS,
    _DEPARTMENT_CLASS,
    _GRAPH,
    _AGENT,
    _HELD,
    ROLES,
    "org",
    ("role", "finding", "measure", "category", "inv"),
    Involvement,
    _KEYS,
)
changes, rebuilt, complete = KEPT.changes, KEPT.rebuilt, KEPT.complete
involvements = KEPT.of  # every role a department holds in a measure, across the documents


# Document graphs whose roles one query reads: at 3,000 reports all of them are 300 MB of JSON,
# past a query worker's memory limit (2 GB with the rows around it).
GRAPHS_AT_ONCE = 200


def every(store: Store) -> Iterator[tuple[str, str, Involvement]]:
    """Every (document graph, department, role) the writes kept. Each node's graph and department
    come from one scan of the aggregate graph per property, joined here (joined by the engine, it
    costs a lookup per node and property); the roles themselves GRAPHS_AT_ONCE documents at a
    time, so neither a query's answer nor the caller's memory holds them all."""
    aggregate = _iri(iris.AGGREGATES)

    def column(predicate: str) -> dict[str, str]:
        query = f"SELECT ?n ?v WHERE {{ GRAPH {aggregate} {{ ?n <{predicate}> ?v }} }}"
        return {row["n"]: row["v"] for row in strings(store.select(query))}

    graphs, agents = column(_GRAPH), column(_AGENT)
    documents = sorted(set(graphs.values()))
    for at in range(0, len(documents), GRAPHS_AT_ONCE):
        named = " ".join(_iri(g) for g in documents[at : at + GRAPHS_AT_ONCE])
        held = f"VALUES ?g {{ {named} }} ?n <{_GRAPH}> ?g ; <{_HELD}> ?v"
        query = f"SELECT ?n ?v WHERE {{ GRAPH {aggregate} {{ {held} }} }}"
        for row in strings(store.select(query)):
            for found in json.loads(row["v"]):
                yield graphs[row["n"]], agents[row["n"]], Involvement(*found)


def held_by(store: Store, org: str) -> list[tuple[str, str]]:
    """Every (role, finding) the department holds, once each, in IRI order."""
    return sorted({(found.role, found.finding) for found in involvements(store, org)})
