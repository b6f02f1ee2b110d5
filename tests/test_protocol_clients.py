"""What standard clients send to /sparql, answered as they expect: SPARQLWrapper in each return
format, HEAD, a form POST with graphs in its URL, Vary on negotiated answers, JSON for /id/, and
a page on another origin reading the endpoint from Chromium (CORS)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import sync_playwright
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from test_browser import CHROMIUM, FLAGS

from ontology import iris

pytest_plugins = ("web_fixtures",)
PREFIXES = iris.sparql_prefixes()
FINDINGS = PREFIXES + "SELECT ?f ?t WHERE { ?f a rk:Finding ; dcterms:title ?t } LIMIT 5"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f a rk:Finding ; dcterms:title ?t } LIMIT 5"


def _ask(base_url: str, query: str, fmt: str):
    client = SPARQLWrapper(base_url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    answer = client.query()
    assert answer.response.status == 200
    return answer.convert()


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_each_format(base_url, fmt):
    assert _ask(base_url, FINDINGS, fmt)


@pytest.mark.parametrize("fmt", [RDFXML, TURTLE, N3, JSON])
def test_sparqlwrapper_construct_in_each_format(base_url, fmt):
    converted = _ask(base_url, CONSTRUCT, fmt)
    graph = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format=_rdflib_format(fmt))
    assert len(graph) == 5


def _rdflib_format(fmt: str) -> str:
    return {TURTLE: "turtle", N3: "turtle", JSON: "json-ld", RDFXML: "xml"}[fmt]


def test_an_unknown_format_gives_way_to_a_satisfiable_accept(base_url):
    answer = requests.get(
        base_url + "/sparql", params={"query": CONSTRUCT, "format": "made-up"}, headers={"Accept": "text/turtle"}
    )
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/turtle")
    assert requests.get(base_url + "/sparql", params={"query": FINDINGS, "format": "made-up"}).status_code == 406


def test_head_and_form_posts(base_url, reader):
    head = requests.head(base_url + "/sparql", params={"query": "ASK {}"})
    assert head.status_code == 200 and head.content == b""
    empty = requests.post(base_url + "/sparql", data={"format": "json"})
    assert empty.status_code == 400 and empty.json()["error"] == "bad-query"
    graph = reader.graphs()[0]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_url = requests.post(
        base_url + "/sparql?default-graph-uri=" + requests.utils.quote(graph, safe=""),
        data={"query": count},
        headers={"Accept": "application/sparql-results+json"},
    )
    in_body = requests.post(
        base_url + "/sparql",
        data={"query": count, "default-graph-uri": graph},
        headers={"Accept": "application/sparql-results+json"},
    )
    whole = requests.post(
        base_url + "/sparql", data={"query": count}, headers={"Accept": "application/sparql-results+json"}
    )

    def n(response: requests.Response) -> int:
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    assert n(in_url) == n(in_body) < n(whole)


def test_negotiated_answers_vary_by_accept(base_url, reader):
    finding = reader.select(PREFIXES + "SELECT ?f WHERE { ?f a rk:Finding } LIMIT 1").rows[0]["f"].value
    entity = base_url + "/id/" + finding.split("/id/", 1)[1]
    for url, headers in (
        (base_url + "/sparql", {"Accept": "text/turtle"}),
        (base_url + "/sparql", {"Accept": "text/html"}),
        (entity, {"Accept": "text/html"}),
        (entity, {"Accept": "text/turtle"}),
    ):
        assert "Accept" in requests.get(url, headers=headers).headers.get("Vary", ""), (url, headers)
    as_json = requests.get(entity, headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.headers["Content-Type"].startswith("application/ld+json")
    assert Graph().parse(data=as_json.text, format="json-ld")


def test_a_page_on_another_origin_reads_the_endpoint(base_url):
    """A preflighted POST (application/sparql-query) from a page served elsewhere, in Chromium."""
    page_html = f"""<!doctype html><title>waiting</title><script>
      fetch("{base_url}/sparql", {{method: "POST", body: "ASK {{ ?s ?p ?o }}",
        headers: {{"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}}}})
        .then(r => r.json()).then(j => {{ document.title = "answer:" + j.boolean; }})
        .catch(e => {{ document.title = "failed:" + e; }});
    </script>""".encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if "//127.0.0.1:" in r.request.url else r.abort())
            page.goto(f"http://127.0.0.1:{other.server_port}/")
            page.wait_for_function("document.title !== 'waiting'", timeout=30_000)
            title = page.title()
            browser.close()
    finally:
        other.shutdown()
    assert title == "answer:true"


def test_csv_writes_blank_nodes_as_blank_nodes(base_url):
    answer = requests.get(base_url + "/sparql", params={"query": "SELECT (BNODE() AS ?b) {}", "format": "csv"})
    assert answer.status_code == 200
    assert answer.text.splitlines()[1].startswith("_:")
