"""Each department's roles are kept per document (graph/roles.py), written with the document in the
same request. Kept that way, they must equal the live join of the involvements over the whole
store, for every department, after adds, replacements and removals, and after a rebuild; a store
without them is told apart, so that its pages read the involvements live."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from graph import aggregates, roles
from graph.results import strings
from graph.store import OxigraphStore
from ontology import iris
from ontology.iris import RK
from webapp import around
from webapp.views import org

DEPARTMENTS = "SELECT DISTINCT ?o WHERE { ?i rk:agent ?o }"


def live(store: OxigraphStore, department: str) -> list[tuple[str, str]]:
    """What the department page read before the roles were kept: its involvements, joined live."""
    rows = strings(store.select(iris.sparql_prefixes() + org.ROLES_OF % department))
    return sorted((r["role"], r["finding"]) for r in rows)


# What the graph explorer counted and categorised a department by (webapp/around.py), live.
MEASURES_AND_CATEGORIES = """SELECT DISTINCT ?measure ?category WHERE {
  ?via rk:agent <%s> ; a rk:Involvement ; rk:measure ?measure .
  OPTIONAL { ?measure rk:finding/rk:category ?category } }"""


def assert_kept_equal_live(store: OxigraphStore) -> int:
    departments = [r["o"] for r in strings(store.select(iris.sparql_prefixes() + DEPARTMENTS))]
    for department in departments:
        assert roles.held_by(store, department) == live(store, department), department
        explored = strings(store.select(iris.sparql_prefixes() + MEASURES_AND_CATEGORIES % department))
        kept = roles.involvements(store, department)
        assert {(r["measure"], r["category"]) for r in explored} == {(i.measure, i.category) for i in kept}
        drawn = around.links(store, department, "department", skip={"report"})
        assert {(link.other, link.qualifier, link.via) for link in drawn} == {
            (i.measure, i.role, i.involvement) for i in kept
        }
    return len(departments)


def without_a_finding(loaded) -> Graph:
    """The report with its first finding's measures taken out: every role on that finding goes."""
    dropped = min(loaded.graph.subjects(RDF.type, RK.Finding))
    measures = set(loaded.graph.subjects(RK.finding, dropped))
    copy = Graph()
    for s, p, o in loaded.graph:
        if s not in measures and o not in measures:
            copy.add((s, p, o))
    return copy


def test_the_roles_each_write_keeps_are_the_live_join_for_every_department(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert roles.complete(store)
    assert assert_kept_equal_live(store) > 10

    store.replace_graph(qingpu.graph_iri, without_a_finding(qingpu))
    assert assert_kept_equal_live(store)
    dropped = str(min(qingpu.graph.subjects(RDF.type, RK.Finding)))
    assert not any(finding == dropped for d in _departments(store) for _r, finding in roles.held_by(store, d))

    store.update(aggregates.rebuild(store))
    assert roles.complete(store) and assert_kept_equal_live(store)

    store.remove_graph(fengjiang.graph_iri)
    assert assert_kept_equal_live(store) and roles.complete(store)
    left = f"ASK {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.rolesGraph}> <{fengjiang.graph_iri}> }} }}"
    assert not store.select(left).boolean


def test_roles_restated_in_two_graphs_stay_until_both_are_removed(store, qingpu):
    """The same report in two graphs (a copy loaded beside it): a department's roles are listed once,
    and stay while either graph holds them."""
    copy = "https://example.org/copy-of-a-report"
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    department = _departments(store)[0]
    alone = roles.held_by(store, department)
    store.replace_graph(copy, qingpu.graph)
    assert roles.held_by(store, department) == alone == live(store, department)
    store.remove_graph(qingpu.graph_iri)
    assert roles.held_by(store, department) == alone
    store.remove_graph(copy)
    assert roles.held_by(store, department) == [] == live(store, department)


def test_a_store_written_before_roles_were_kept_is_told_apart(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n <{RK.rolesGraph}> ?g ; ?p ?o }} }}")
    assert not roles.complete(store)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)  # one report written since: still incomplete
    assert not roles.complete(store)
    store.update(aggregates.rebuild(store))
    assert roles.complete(store) and assert_kept_equal_live(store)


def test_reference_data_without_a_report_does_not_make_the_store_incomplete(store, qingpu):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    reference = Graph()
    reference.add((URIRef("https://example.org/unit"), RDF.type, URIRef("http://www.w3.org/ns/org#Organization")))
    store.replace_graph("https://example.org/reference", reference)
    assert roles.complete(store)


def _departments(store: OxigraphStore) -> list[str]:
    return [r["o"] for r in strings(store.select(iris.sparql_prefixes() + DEPARTMENTS))]
