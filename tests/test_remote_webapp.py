"""The web app's /sparql over a remote store: the same answers, limits and error shape as over the
embedded store, with every request going through to a real `oxigraph serve` (and Virtuoso for the
one thing that differs between engines: a query endpoint that also runs updates).
"""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic
from servers import OxigraphServer, Server, VirtuosoServer
from web_fixtures import serve, serve_app

from ontology import iris
from webapp import create_app, db

PREFIXES = iris.sparql_prefixes()
FINDINGS = PREFIXES + "SELECT ?f ?title WHERE { ?f a rk:Finding ; dcterms:title ?title }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f a rk:Finding ; dcterms:title ?t }"
COUNT = PREFIXES + "SELECT (COUNT(?f) AS ?n) WHERE { ?f a rk:Finding }"
INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/b> 1 } }"
pytest_plugins = ("web_fixtures",)


def loaded_server(server: Server, *reports) -> Server:
    server.start()
    store = server.store()
    for report in reports:
        store.replace_graph(report.graph_iri, report.graph)
    return server


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory, qingpu, fengjiang):
    """`oxigraph serve` holding the sample reports; it stops a query itself after 5 s."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-web"), timeout_s=5)
    try:
        yield loaded_server(server, qingpu, fengjiang)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def remote_url(oxigraph):
    with serve({"STORE": oxigraph.url}) as url:
        yield url


@pytest.fixture(scope="module")
def apps(base_url, remote_url) -> dict[str, str]:
    """The app over the embedded store and over the server, both holding the same two reports."""
    return {"embedded": base_url, "remote": remote_url}


def sparql(url: str, query: str, **params: str) -> requests.Response:
    return requests.post(url + "/sparql", data={"query": query, **params}, timeout=60)


def rows(response: requests.Response) -> list[tuple]:
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return sorted(tuple(sorted((k, v["type"], v["value"]) for k, v in b.items())) for b in bindings)


def error_of(response: requests.Response) -> tuple[int, str, list[str]]:
    body = response.json()
    assert body["message"]
    return response.status_code, body["error"], sorted(body)


def test_a_query_answers_alike(apps):
    embedded, remote = apps["embedded"], apps["remote"]
    assert rows(sparql(remote, FINDINGS, format="json")) == rows(sparql(embedded, FINDINGS, format="json"))
    assert len(rows(sparql(remote, FINDINGS, format="json"))) == 63 + 22
    graphs = [Graph().parse(data=sparql(url, CONSTRUCT, format="nt").text, format="nt") for url in apps.values()]
    assert len(graphs[0]) == 63 + 22 and isomorphic(graphs[0], graphs[1])
    ask = PREFIXES + "ASK { ?f a rk:Finding }"
    assert [sparql(url, ask, format="json").json()["boolean"] for url in apps.values()] == [True, True]


def test_the_protocol_dataset_is_passed_on(apps, qingpu):
    counts = {
        name: rows(sparql(url, COUNT, format="json", **{"default-graph-uri": qingpu.graph_iri}))
        for name, url in apps.items()
    }
    assert counts["remote"] == counts["embedded"] == [(("n", "literal", "63"),)]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = {name: rows(sparql(url, graphs, format="json")) for name, url in apps.items()}
    assert named["remote"] == named["embedded"] and len(named["remote"]) == 2
    one = {
        name: rows(sparql(url, graphs, format="json", **{"named-graph-uri": qingpu.graph_iri}))
        for name, url in apps.items()
    }
    assert one["remote"] == one["embedded"] == [(("g", "uri", qingpu.graph_iri),)]


def test_a_syntax_error_has_the_same_shape(apps):
    answers = [error_of(sparql(url, "SELECT ?x WHERE { ?x")) for url in apps.values()]
    assert answers[0] == answers[1] == (400, "bad-query", ["error", "message"])


def test_the_row_limit_cuts_short_and_says_so(oxigraph):
    with serve({"STORE": oxigraph.url, "MAX_ROWS": 3, "MAX_GRAPH_NODES": 4}) as url:
        select = sparql(url, FINDINGS, format="json")
        construct = sparql(url, CONSTRUCT, format="nt")
        small = sparql(url, COUNT, format="json")
    assert len(select.json()["results"]["bindings"]) == 3
    assert select.headers["X-Rectkg-Truncated"] == "3"
    assert len(Graph().parse(data=construct.text, format="nt")) == 4  # MAX_GRAPH_NODES, not MAX_ROWS
    assert construct.headers["X-Rectkg-Truncated"] == "4"
    assert "X-Rectkg-Truncated" not in small.headers


# A literal of every value joined (~1.1 MB), on each of 10 rows: ~11 MB from the server, uncapped.
BIG = '{ SELECT (GROUP_CONCAT(STR(?o); separator=" ") AS ?big) WHERE { ?s ?p ?o } } ?a ?b ?c'
BIG_SELECT = "SELECT ?big WHERE { " + BIG + " } LIMIT 10"
BIG_CONSTRUCT = "CONSTRUCT { ?a <https://example.org/big> ?big } WHERE { " + BIG + " } LIMIT 10"


def test_the_byte_cap_is_applied_while_reading_the_servers_answer(oxigraph):
    cap = 2_000_000
    with serve({"STORE": oxigraph.url, "MAX_RESULT_BYTES": cap}) as url:
        select = sparql(url, BIG_SELECT, format="json")
        construct = sparql(url, BIG_CONSTRUCT, format="nt")
    assert select.status_code == 200 and len(select.content) <= cap
    rows = select.json()["results"]["bindings"]
    assert 0 < len(rows) < 10 and select.headers["X-Rectkg-Truncated"] == str(len(rows))
    assert "MAX_RESULT_BYTES" in select.headers["X-Rectkg-Truncated-Reason"]
    assert construct.status_code == 200 and len(construct.content) <= cap
    triples = len(Graph().parse(data=construct.text, format="nt"))
    assert 0 < triples < 10 and construct.headers["X-Rectkg-Truncated"] == str(triples)


def test_the_time_limit_gives_the_timeout_error(oxigraph):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 26,000² rows: the server stops it at 5 s
    with serve({"STORE": oxigraph.url, "QUERY_TIMEOUT": 0.5}) as url:
        assert error_of(sparql(url, heavy)) == (503, "timeout", ["error", "message"])
        assert rows(sparql(url, COUNT, format="json")) == [(("n", "literal", "85"),)]  # the app still answers


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, qingpu):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-web"))
    try:
        yield loaded_server(server, qingpu)
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_writes_are_refused_before_reaching_the_server(request, apps, kind):
    """Virtuoso's query endpoint runs updates sent as `query=`: the app must not pass them on."""
    server: Server = request.getfixturevalue(kind)
    before = server.store().triple_count()
    sneaky = INSERT.replace("INSERT DATA", "INSERT") + " WHERE { SELECT * { } }"
    with pytest.MonkeyPatch.context() as env:
        for name, value in server.env.items():
            env.setenv(name, value)
        with serve({"STORE": server.url}) as url:
            for update in (INSERT, sneaky, "DROP ALL"):
                assert error_of(sparql(url, update)) == error_of(sparql(apps["embedded"], update))
                assert error_of(sparql(url, update))[:2] == (400, "bad-query")
            refused = requests.post(url + "/sparql", data={"update": INSERT}, timeout=60)
            assert error_of(refused)[:2] == (403, "read-only")
    assert server.store().triple_count() == before


def test_the_apps_caches_end_with_a_write_made_on_the_server(tmp_path, qingpu, fengjiang, monkeypatch):
    """Another process (here: a second client) writes to the server; the dashboard and the search
    index the app built before must show the change, not what they held. (The list of document
    graphs and the version stamp are asked again every time here, not after 10 s and 1 s.)"""
    monkeypatch.setenv("RECTKG_SPARQL_GRAPHS_TTL", "0")
    monkeypatch.setattr(db, "REMOTE_VERSION_TTL_S", 0.0)
    server = loaded_server(OxigraphServer(tmp_path / "oxigraph"), qingpu)
    try:
        with serve({"STORE": server.url}) as url:
            title = next(str(o) for _s, p, o in fengjiang.graph if str(p).endswith("/title") and "通报" in str(o))
            before = requests.get(url + "/", timeout=60).text
            assert qingpu.report.title in before and title not in before
            finding = fengjiang.report.findings[-1].title

            def found() -> bool:
                return bool(requests.get(url + "/search.json", params={"q": finding}, timeout=60).json()["hits"])

            assert not found()
            server.store().replace_graph(fengjiang.graph_iri, fengjiang.graph)
            assert title in requests.get(url + "/", timeout=60).text
            assert found()
    finally:
        server.stop()


def test_a_large_store_on_a_server_still_warms_its_network(oxigraph):
    """Built apart only from an embedded store's snapshot: on a server the warm-up builds it here."""
    from test_warm import wait_until_warm

    app = create_app({"TESTING": True, "STORE": oxigraph.url, "LARGE_STORE_REPORTS": 0})
    with serve_app(app) as url:
        wait_until_warm(app, ("rectkg.cache.network",))
        shared = requests.get(url + "/graph/api/shared", timeout=60).json()
    assert shared["stale"] is False and shared["departments"]
