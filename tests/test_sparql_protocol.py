"""The /sparql endpoint against real clients: SPARQLWrapper, rdflib's SPARQLStore and plain HTTP."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from web_fixtures import serve

from ontology import iris

PREFIXES = iris.sparql_prefixes()
FINDINGS = PREFIXES + "SELECT ?f ?title WHERE { ?f a rk:Finding ; dcterms:title ?title } ORDER BY ?f"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f a rk:Finding ; dcterms:title ?t }"
SRX = "{http://www.w3.org/2005/sparql-results#}"
pytest_plugins = ("web_fixtures",)


@pytest.fixture(scope="module")
def expected(reader):
    """What the store itself says, to compare every client's answer with."""
    return {
        "findings": {r["f"].value for r in reader.select(FINDINGS).rows},
        "graph": reader.construct(CONSTRUCT),
        "graphs": reader.graphs(),
    }


def wrapper(base_url: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(base_url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_select_json(base_url, expected):
    answer = wrapper(base_url, FINDINGS, JSON).query().convert()
    assert answer["head"]["vars"] == ["f", "title"]
    assert {b["f"]["value"] for b in answer["results"]["bindings"]} == expected["findings"]
    assert all(b["f"]["type"] == "uri" for b in answer["results"]["bindings"])


def test_sparqlwrapper_select_xml(base_url, expected):
    document = wrapper(base_url, FINDINGS, XML).query().convert()
    uris = {node.firstChild.data for node in document.getElementsByTagName("uri")}
    assert uris == expected["findings"]


def test_sparqlwrapper_select_csv(base_url, expected):
    text = wrapper(base_url, FINDINGS, CSV).query().convert().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["f"] for r in rows} == expected["findings"]


def test_sparqlwrapper_ask(base_url, expected):
    some = next(iter(expected["findings"]))
    yes = PREFIXES + f"ASK {{ <{some}> a rk:Finding }}"
    no = PREFIXES + "ASK { <https://example.org/nothing> a rk:Finding }"
    assert wrapper(base_url, yes, JSON).query().convert()["boolean"] is True
    assert wrapper(base_url, no, JSON).query().convert()["boolean"] is False


def test_sparqlwrapper_construct_into_rdflib(base_url, expected):
    graph = wrapper(base_url, CONSTRUCT, TURTLE).queryAndConvert()
    if not isinstance(graph, Graph):  # SPARQLWrapper hands Turtle back as bytes
        graph = Graph().parse(data=graph, format="turtle")
    assert len(graph) == len(expected["graph"]) > 0
    assert isomorphic(graph, expected["graph"])
    rdfxml = wrapper(base_url, CONSTRUCT, XML).queryAndConvert()
    assert isinstance(rdfxml, Graph) and isomorphic(rdfxml, expected["graph"])


def test_rdflib_sparqlstore(base_url, expected):
    graph = Graph(store=SPARQLStore(base_url + "/sparql", returnFormat="xml"))
    found = {str(row.f) for row in graph.query(FINDINGS)}
    assert found == expected["findings"]
    assert graph.query(PREFIXES + "ASK { ?f a rk:Finding }").askAnswer is True


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_three_ways_to_send_a_query(base_url, expected, how):
    headers = {"Accept": "application/sparql-results+json"}
    if how == "get":
        response = requests.get(base_url + "/sparql", params={"query": FINDINGS}, headers=headers)
    elif how == "form":
        response = requests.post(base_url + "/sparql", data={"query": FINDINGS}, headers=headers)
    else:
        headers["Content-Type"] = "application/sparql-query"
        response = requests.post(base_url + "/sparql", data=FINDINGS.encode("utf-8"), headers=headers)
    assert response.status_code == 200
    assert {b["f"]["value"] for b in response.json()["results"]["bindings"]} == expected["findings"]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_content_types(base_url, expected, accept, media):
    response = requests.get(base_url + "/sparql", params={"query": FINDINGS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media)
    found = _findings_in(response.text, media)
    assert found == expected["findings"]


def _findings_in(text: str, media: str) -> set[str]:
    if media.endswith("json"):
        return {b["f"]["value"] for b in json.loads(text)["results"]["bindings"]}
    if media.endswith("xml"):
        return {u.text for u in ET.fromstring(text).iter(SRX + "uri")}
    if media == "text/csv":
        return {r["f"] for r in csv.DictReader(io.StringIO(text))}
    lines = text.splitlines()
    assert lines[0] == "?f\t?title"
    return {line.split("\t")[0].strip("<>") for line in lines[1:]}


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_content_types(base_url, expected, accept, rdflib_format):
    response = requests.post(base_url + "/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert isomorphic(graph, expected["graph"])


def test_describe(base_url, expected):
    some = sorted(expected["findings"])[0]
    response = requests.get(base_url + "/sparql", params={"query": f"DESCRIBE <{some}>", "format": "nt"})
    graph = Graph().parse(data=response.text, format="nt")
    assert (URIRef(some), None, None) in graph


def test_default_graph_uri_selects_one_document(base_url, expected, reader):
    count = PREFIXES + "SELECT (COUNT(?f) AS ?n) WHERE { ?f a rk:Finding }"
    totals = []
    for graph_iri in expected["graphs"]:
        response = requests.get(
            base_url + "/sparql", params={"query": count, "default-graph-uri": graph_iri, "format": "json"}
        )
        totals.append(int(response.json()["results"]["bindings"][0]["n"]["value"]))
    assert all(n > 0 for n in totals)
    assert sum(totals) == len(expected["findings"])


def test_named_graph_uri_limits_graph_clause(base_url, expected):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    one = expected["graphs"][0]
    response = requests.post(base_url + "/sparql", data={"query": query, "named-graph-uri": one, "format": "json"})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [one]
    everything = requests.post(base_url + "/sparql", data={"query": query, "format": "json"}).json()
    assert {b["g"]["value"] for b in everything["results"]["bindings"]} == set(expected["graphs"])


def test_service_description(base_url, expected):
    response = requests.get(base_url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(base_url + "/sparql"), URIRef(sd + "endpoint"), None) in graph
    names = {str(o) for o in graph.objects(None, URIRef(sd + "name"))}
    assert names == set(expected["graphs"])


def test_browser_gets_the_editor(base_url):
    response = requests.get(base_url + "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'id="editor-form"' in response.text


def _error(response, status: int, error: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == error and body["message"]


def test_updates_are_refused_and_change_nothing(base_url, reader):
    before = reader.triple_count()
    insert = "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }"
    _error(requests.post(base_url + "/sparql", data={"update": insert}), 403, "read-only")
    direct = {"Content-Type": "application/sparql-update"}
    _error(requests.post(base_url + "/sparql", data=insert, headers=direct), 403, "read-only")
    _error(requests.post(base_url + "/sparql", data={"query": insert}), 400, "bad-query")
    _error(requests.get(base_url + "/sparql", params={"query": "DROP ALL"}), 400, "bad-query")
    assert reader.triple_count() == before
    ask = requests.get(base_url + "/sparql", params={"query": "ASK { <https://example.org/a> ?p ?o }"})
    assert ask.json()["boolean"] is False


def test_malformed_query_is_400(base_url):
    _error(requests.get(base_url + "/sparql", params={"query": "SELECT ?x WHERE { ?x"}), 400, "bad-query")
    _error(requests.get(base_url + "/sparql", params={"query": "   "}), 400, "bad-query")
    _error(requests.get(base_url + "/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), 400, "bad-query")


def test_service_is_refused(base_url):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    _error(requests.get(base_url + "/sparql", params={"query": query}), 400, "service-not-allowed")
    harmless = 'SELECT ("SERVICE" AS ?word) WHERE { }'
    assert requests.get(base_url + "/sparql", params={"query": harmless, "format": "json"}).status_code == 200


def test_unacceptable_and_unsupported(base_url):
    _error(
        requests.get(base_url + "/sparql", params={"query": FINDINGS}, headers={"Accept": "image/png"}),
        406,
        "not-acceptable",
    )
    _error(requests.get(base_url + "/sparql", params={"query": FINDINGS, "format": "png"}), 406, "not-acceptable")
    _error(
        requests.post(base_url + "/sparql", data=b"x", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported-media-type",
    )


def test_store_failure_is_500(tmp_path):
    broken = tmp_path / "not-a-store"
    broken.write_text("this file is not an Oxigraph store")
    with serve({"STORE": str(broken)}) as url:
        _error(requests.get(url + "/sparql", params={"query": "ASK {}"}), 500, "store-failure")


def test_row_limit_cuts_short_and_says_so(web_store):
    with serve({"STORE": str(web_store), "MAX_ROWS": 3}) as url:
        response = requests.get(url + "/sparql", params={"query": FINDINGS, "format": "json"})
    assert len(response.json()["results"]["bindings"]) == 3
    assert response.headers["X-Rectkg-Truncated"] == "3"


def test_construct_is_cut_at_max_graph_nodes_not_max_rows(web_store):
    with serve({"STORE": str(web_store), "MAX_ROWS": 3, "MAX_GRAPH_NODES": 7}) as url:
        response = requests.get(url + "/sparql", params={"query": CONSTRUCT, "format": "nt"})
    assert len(Graph().parse(data=response.text, format="nt")) == 7
    assert response.headers["X-Rectkg-Truncated"] == "7"
    assert "MAX_GRAPH_NODES" in response.headers["X-Rectkg-Truncated-Reason"]


def test_time_limit_gives_503(web_store):
    heavy = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d rk:number ?e }"  # about a second
    with serve({"STORE": str(web_store), "QUERY_TIMEOUT": 0.001}) as url:
        _error(requests.get(url + "/sparql", params={"query": heavy}), 503, "timeout")
