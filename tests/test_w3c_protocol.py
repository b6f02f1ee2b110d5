"""The W3C SPARQL 1.1 Protocol test suite (tests/w3c, copied from ../shared/w3c), run by one runner
against rectkg's /sparql and, in the same run, against `oxigraph serve` for comparison.

Every query-side test must pass on both. The update tests are answered as a read-only endpoint
must: each update request is refused with a 4xx (their follow-up queries, which check what the
update wrote, do not apply). The dataset tests' graphs are loaded first, into rectkg by `rectkg
ingest --graph IRI FILE` as a user would, into Oxigraph by its Graph Store protocol.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from servers import OXIGRAPH, OxigraphServer
from web_fixtures import serve

from rectkg.cli import main

W3C = Path(__file__).resolve().parent / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
}
NT = "application/n-triples"
SPARQL_RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # after the endpoint: "" or "?query=…"
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # hundreds: 2, 3, 4
    form: str | None  # boolean, tabular, RDF
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    graphs: tuple[str, ...]
    exchanges: tuple[Exchange, ...]

    @property
    def update(self) -> bool:
        return "update" in self.name


def _manifest() -> list[ProtocolTest]:
    graph = Graph().parse(W3C / "protocol-manifest.ttl")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for node in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(node, MF.action)
        exchanges = tuple(_exchange(graph, r) for r in Collection(graph, graph.value(action, HT.requests)))
        graphs = tuple(sorted(str(graph.value(d, RDFS.label)) for d in graph.objects(node, UT.graphData)))
        tests.append(ProtocolTest(str(node).rpartition("#")[2], graphs, exchanges))
    return tests


def _exchange(graph: Graph, request) -> Exchange:
    headers_list = graph.value(request, HT.headers)
    headers = {
        str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
        for h in (Collection(graph, headers_list) if headers_list else [])
    }
    body_node = graph.value(request, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    statuses = frozenset(int(str(s).rpartition("StatusCode")[2][0]) for s in graph.objects(response, MF.expectedStatus))
    boolean = graph.value(response, MF.expectedBoolean)
    form = graph.value(response, MF.expectedFormat)
    path = str(graph.value(request, HT.absolutePath)).removeprefix("/sparql/")
    return Exchange(
        str(graph.value(request, HT.methodName)),
        path,
        headers,
        body,
        statuses,
        str(form) if form is not None else None,
        None if boolean is None else boolean.toPython(),
    )


TESTS = _manifest()
QUERY_TESTS = [t for t in TESTS if not t.update]
UPDATE_TESTS = [t for t in TESTS if t.update]


def run_exchange(endpoint: str, exchange: Exchange) -> str | None:
    """None when the answer is what the test expects, else what was wrong."""
    response = requests.request(
        exchange.method, endpoint + exchange.path, headers=exchange.headers, data=exchange.body, timeout=60
    )
    if response.status_code // 100 not in exchange.statuses:
        return f"status {response.status_code}, expected {sorted(exchange.statuses)}xx: {response.text[:200]}"
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    if exchange.form == "boolean":
        value = _boolean(media, response.content)
        if value is None:
            return f"no boolean answer in {media}: {response.text[:200]}"
        if exchange.boolean is not None and value != exchange.boolean:
            return f"answered {value}, expected {exchange.boolean}"
    if exchange.form == "tabular" and media not in RESULT_TYPES:
        return f"a table answered as {media}"
    if exchange.form == "RDF" and media not in RDF_TYPES:
        return f"a graph answered as {media}"
    return None


def _boolean(media: str, body: bytes) -> bool | None:
    if media == "application/sparql-results+json":
        return json.loads(body).get("boolean")
    if media == "application/sparql-results+xml":
        found = ET.fromstring(body).find(SPARQL_RESULTS_NS + "boolean")
        return None if found is None else found.text == "true"
    return None


def _graph_files() -> dict[str, Path]:
    """Each kasei graph's file, by the graph's address (tests/w3c/README.md)."""
    return {f"http://kasei.us/2009/09/sparql/data/data{n}.rdf": W3C / f"kasei-data{n}.nt" for n in (1, 2, 3)}


def _graph_data() -> dict[str, bytes]:
    return {iri: path.read_bytes() for iri, path in _graph_files().items()}


@pytest.fixture(scope="module")
def rectkg_endpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("w3c") / "store"
    for iri, file in _graph_files().items():
        loaded = CliRunner().invoke(main, ["--store", str(path), "ingest", "--graph", iri, str(file)])
        assert loaded.exit_code == 0, loaded.output
    with serve({"STORE": str(path)}) as url:
        yield url + "/sparql"


@pytest.fixture(scope="module")
def oxigraph_endpoint(tmp_path_factory):
    if not shutil.which(str(OXIGRAPH)):
        pytest.skip("the oxigraph package's server is not installed")
    server = OxigraphServer(tmp_path_factory.mktemp("w3c-oxigraph")).start()
    try:
        for iri, data in _graph_data().items():
            put = requests.put(f"{server.url}/store", params={"graph": iri}, data=data, headers={"Content-Type": NT})
            put.raise_for_status()
        yield server.url + "/query"
    finally:
        server.stop()


@pytest.mark.parametrize("test", QUERY_TESTS, ids=lambda t: t.name)
def test_query_side_on_rectkg(rectkg_endpoint, test: ProtocolTest):
    failures = [run_exchange(rectkg_endpoint, e) for e in test.exchanges]
    assert failures == [None] * len(failures), failures


@pytest.mark.parametrize("test", QUERY_TESTS, ids=lambda t: t.name)
def test_query_side_on_oxigraph_server(oxigraph_endpoint, test: ProtocolTest):
    """The same runner against the reference server: a test it fails would be the runner's fault."""
    failures = [run_exchange(oxigraph_endpoint, e) for e in test.exchanges]
    assert failures == [None] * len(failures), failures


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=lambda t: t.name)
def test_updates_are_refused(rectkg_endpoint, test: ProtocolTest):
    first = test.exchanges[0]
    response = requests.request(first.method, rectkg_endpoint + first.path, headers=first.headers, data=first.body)
    assert response.status_code // 100 == 4, response.text


def test_the_suite_is_whole():
    """14 query tests without data and 6 with, and 14 update tests: a manifest read wrongly shows here."""
    with_data = [t for t in QUERY_TESTS if t.graphs]
    assert (len(QUERY_TESTS) - len(with_data), len(with_data), len(UPDATE_TESTS)) == (14, 6, 14)


def test_from_clauses_and_protocol_graphs_give_the_same_answers(rectkg_endpoint):
    """A query's own FROM / FROM NAMED is its dataset (it used to be read and then ignored)."""
    one, two = sorted(_graph_data())[:2]

    def count(query: str, **fields: str) -> int:
        answer = requests.get(rectkg_endpoint, params={"query": query, "format": "json", **fields}, timeout=30)
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(everything) >= 3
    assert (
        count(f"SELECT (COUNT(*) AS ?n) FROM <{one}> WHERE {{ ?s ?p ?o }}")
        == 1
        == count(everything, **{"default-graph-uri": one})
    )
    named = "SELECT (COUNT(*) AS ?n) {} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count(named.format(f"FROM NAMED <{two}>")) == 1 == count(named.format(""), **{"named-graph-uri": two})
    assert count(named.format("")) == 3
