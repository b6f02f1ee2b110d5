"""The aggregate graph (department pairs, search shares, dashboard rows) is rectkg's own bookkeeping,
no document: a visitor's query sees it only by naming it, whatever the query looks like, while
queries that cannot reach it keep Oxigraph's fast union default graph (graph/scope.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic
from web_fixtures import serve

from graph import guard, scope
from ontology import iris

pytest_plugins = ("web_fixtures",)
PREFIXES = iris.sparql_prefixes()
AGG = f"<{iris.AGGREGATES}>"
DOCUMENT_GRAPHS = f"FILTER(?g != {AGG})"


@pytest.fixture(scope="module")
def base_url(web_store, tmp_path_factory):
    """The app over a copy of the sample store, with caps that let every triple through."""
    copy = tmp_path_factory.mktemp("invisible") / "store"
    shutil.copytree(web_store, copy)
    with serve({"STORE": str(copy), "MAX_ROWS": 10**7, "MAX_GRAPH_NODES": 10**7}) as url:
        yield url


def ask(base_url: str, query: str, **params) -> bool:
    answer = requests.get(
        base_url + "/sparql",
        params={"query": PREFIXES + query, **params},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["boolean"]


def rows(base_url: str, query: str) -> list[dict]:
    answer = requests.post(
        base_url + "/sparql", data={"query": PREFIXES + query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["bindings"]


# -- the premise: the aggregate speaks a vocabulary no document uses ------------------------------


def test_the_aggregate_uses_only_its_own_vocabulary(reader):
    found = reader.select(f"SELECT DISTINCT ?p ?c WHERE {{ GRAPH {AGG} {{ ?s ?p ?o OPTIONAL {{ ?s a ?c }} }} }}").rows
    predicates = {r["p"].value for r in found}
    classes = {r["c"].value for r in found if "c" in r}
    assert str(iris.RK.pairMember) in predicates and str(iris.RK.DepartmentPair) in classes  # not an empty aggregate
    assert predicates - {str(iris.RDF.type)} <= iris.AGGREGATE_PREDICATES
    assert classes <= iris.AGGREGATE_CLASSES


def test_no_document_uses_the_aggregate_vocabulary(reader):
    terms = " ".join(f"<{t}>" for t in iris.AGGREGATE_PREDICATES | iris.AGGREGATE_CLASSES)
    found = reader.select(
        f"SELECT DISTINCT ?g ?t WHERE {{ VALUES ?t {{ {terms} }} "
        f"{{ GRAPH ?g {{ ?s ?t ?o }} }} UNION {{ GRAPH ?g {{ ?s a ?t }} }} {DOCUMENT_GRAPHS} }}"
    ).rows
    assert found == []


# -- what a visitor sees ----------------------------------------------------------------------------


def test_every_triple_the_endpoint_shows_is_a_document_triple(base_url, reader):
    shown = requests.get(
        base_url + "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    assert shown.status_code == 200 and "X-Rectkg-Truncated" not in shown.headers, shown.headers
    exported = Graph().parse(data=reader.export("ntriples"), format="nt")
    assert isomorphic(Graph().parse(data=shown.text, format="nt"), exported)


# Each finds aggregate nodes by another road (their IRIs are under id/department-pair/,
# id/search-share/ and id/report-summary/), so each rule of graph/scope.py is tried end to end.
OWN = 'FILTER(REGEX(STR(?s), "/id/(department-pair|search-share|report-summary)/"))'


@pytest.mark.parametrize(
    "query",
    [
        "{ ?s a rk:DepartmentPair }",
        "{ ?s rk:pairMember ?o }",
        "{ ?s a ?t " + OWN + " }",
        "{ ?s ?p ?o " + OWN + " }",
        "{ ?s !rdf:type ?o " + OWN + " }",
        "{ ?s rk:partOf* ?o " + OWN + " }",
        "{ ?o ^rdf:type ?s " + OWN + " }",
        "{ FILTER EXISTS { ?s ?p ?o " + OWN + " } }",
        "{ { SELECT ?s WHERE { ?s ?p ?o } } " + OWN + " }",
        "{ GRAPH ?g { ?s ?p ?o } " + OWN + " }",
    ],
)
def test_a_visitor_does_not_find_the_aggregate(base_url, query):
    assert not ask(base_url, "ASK " + query)


def test_a_visitor_who_names_the_aggregate_finds_it(base_url):
    assert ask(base_url, f"ASK {{ GRAPH {AGG} {{ ?s a rk:DepartmentPair }} }}")
    assert ask(base_url, f"ASK FROM {AGG} {{ ?s a rk:DepartmentPair }}")
    assert ask(base_url, "ASK { ?s a rk:DepartmentPair }", **{"default-graph-uri": iris.AGGREGATES})


def test_types_and_predicates_are_the_documents(base_url, reader):
    """Counting by type or by predicate (wildcard queries) agrees with the documents' own count."""
    documents = reader.select(
        f"SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?t }} {DOCUMENT_GRAPHS} }} GROUP BY ?t"
    ).rows
    shown = rows(base_url, "SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t")
    expected = {r["t"].value: int(r["n"].value) for r in documents}
    assert {r["t"]["value"]: int(r["n"]["value"]) for r in shown} == expected


def test_the_cli_counts_what_the_endpoint_counts(base_url, web_store):
    rectkg = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "rectkg"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    done = subprocess.run(
        [rectkg, "--store", web_store, "query", count, "--format", "csv"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", rows(base_url, count)[0]["n"]["value"]]


# -- which queries need the documents listed --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "reaches"),
    [
        ("SELECT * { ?f a rk:Finding ; dcterms:title ?t }", False),
        ("SELECT * { ?s rdf:type rk:Measure . ?s rk:lead/skos:prefLabel ?n }", False),
        ("SELECT * { ?s rk:partOf+ ?o }", False),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s rk:lead ?o BIND(rk:x AS ?p) }", False),
        ("SELECT * { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> 'x' }", False),
        ("SELECT * { ?s ?p ?o }", True),
        ("SELECT * { ?s a ?t }", True),
        ("SELECT * { ?s a rk:DepartmentPair }", True),
        ("SELECT * { ?s <https://w3id.org/rectkg/ns#pairMember> ?o }", True),
        ("PREFIX x: <https://w3id.org/rectkg/ns#> SELECT * { ?s x:searchEntries ?o }", True),
        ("SELECT * { ?s !rk:lead ?o }", True),
        ("SELECT * { ?s rk:partOf* ?o }", True),
        ("SELECT * { ?s rk:partOf? ?o }", True),
        ("SELECT * { ?s ^rdf:type ?o }", True),
        ("SELECT * { ?s rdf:type/rdfs:subClassOf ?o }", True),
        ("SELECT * { ?s (rk:lead|rk:pairMember) ?o }", True),
        ("SELECT * { ?s <pairMember> ?o }", True),
        ("SELECT * { ?s rk:lead ?o FILTER NOT EXISTS { ?o ?p ?x } }", True),
        ("SELECT * { ?s rk:lead ?o { SELECT ?o { ?o ?p 1 } } }", True),
        ("SELECT * { ?s rk:lead [ ?p ?x ] }", True),
        ("DESCRIBE <https://w3id.org/rectkg/id/x>", True),
    ],
)
def test_which_queries_could_reach_the_aggregate(query, reaches):
    assert scope.reaches_aggregate(guard.checked(PREFIXES + query).tree) is reaches
