"""No query makes the server open a connection: the parser's check (graph/guard.py) and, beneath
it, the workers' network sandbox (graph/sandbox.py), each tried against a canary listener on
127.0.0.1 that records every connection made to it.

The tricks are those of the attack run that got SERVICE past the old tokenizer, and their kin.
The differential property runs generated queries through the guard and, where it lets one
through, through an unconfined engine: the canary must hear nothing, whatever the guard said.
`make test` tries a fixed sample; `make soak` (RECTKG_SOAK=1) many more.
"""

from __future__ import annotations

import contextlib
import os
import time

import pyoxigraph as ox
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import canary
from web_fixtures import build_store, serve

from graph import guard
from graph.pool import Limits, PooledStore
from graph.store import OxigraphStore, QueryError, StoreError

SOAK = bool(os.environ.get("RECTKG_SOAK"))
GROUP = "{ ?s ?p ?o }"
QUERY_TYPE = "application/sparql-query"
REFUSALS = ("service-not-allowed", "bad-query", "bad-request")


def tricks(url: str) -> dict[str, str]:
    """Queries in which a SERVICE to url hides from a tokenizer that reads SPARQL slightly wrong."""
    service = f"SERVICE <{url}> {GROUP}"
    return {
        "long string ending in an escaped quote": f'SELECT * WHERE {{ BIND("""x\\"""" AS ?a) {service} }}',
        "long single-quoted string, escaped quote": f"SELECT * WHERE {{ BIND('''x\\'''' AS ?a) {service} }}",
        "comment ended by CR": f"SELECT * WHERE {{ ?s ?p ?o # note\r {service} }}",
        "comment ended by CRLF": f"SELECT * WHERE {{ ?s ?p ?o # note\r\n {service} }}",
        "escaped keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {GROUP} }}",
        "long escape of the keyword": f"SELECT * WHERE {{ \\U00000053ERVICE <{url}> {GROUP} }}",
        "escaped IRI": f"SELECT * WHERE {{ SERVICE \\u003C{url}\\u003E {GROUP} }}",
        "SILENT": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {GROUP} }}",
        "variable": f"SELECT * WHERE {{ BIND(<{url}> AS ?x) SERVICE ?x {GROUP} }}",
        "lower case": f"select * where {{ service <{url}> {GROUP} }}",
        "in a subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ {service} }} }} }}",
        "escaped backslash before a quote": f'SELECT * WHERE {{ BIND("a\\\\" AS ?a) {service} }}',
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {service} }}",
    }


def _refused(response: requests.Response) -> bool:
    """400: the SERVICE found, the query unreadable, or (graph view) a SELECT that is no graph."""
    return response.status_code == 400 and response.json()["error"] in REFUSALS


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory, qingpu) -> str:
    return str(build_store(tmp_path_factory.mktemp("outbound") / "store", qingpu))


def test_every_trick_is_refused_by_the_endpoint_and_the_graph_view(sample_store):
    with canary() as (url, received), serve({"STORE": sample_store}) as base:
        for name, query in tricks(url).items():
            sent = [
                requests.get(base + "/sparql", params={"query": query}),
                requests.post(base + "/sparql", data={"query": query}),
                requests.post(base + "/sparql", data=query.encode(), headers={"Content-Type": QUERY_TYPE}),
                requests.get(base + "/graph/api/construct", params={"query": query}),
            ]
            assert all(_refused(response) for response in sent), (name, [r.text for r in sent])
        for update in (f"LOAD <{url}>", f"LOAD SILENT <{url}> INTO GRAPH <http://e/g>", f"# x\r LOAD <{url}>"):
            assert requests.post(base + "/sparql", data={"update": update}).status_code == 400
            assert requests.get(base + "/sparql", params={"query": update}).status_code == 400
        time.sleep(0.3)
    assert received == []


def test_the_guard_finds_every_trick_and_keeps_harmless_text():
    for name, query in tricks("http://127.0.0.1:9/x").items():
        with pytest.raises(QueryError):
            guard.check(query)
        assert name
    harmless = [
        'SELECT ("SERVICE" AS ?word) WHERE { }',
        "SELECT ?service WHERE { ?service ?p ?o } # SERVICE <http://e/> { }",
        "PREFIX service: <http://e/> SELECT * WHERE { ?s service:load ?o }",
        'SELECT * WHERE { BIND("""a "SERVICE" b""" AS ?x) }',
    ]
    for query in harmless:
        assert guard.check(query)
    # What the engine runs is what was checked: escapes undone, line ends made line feeds.
    assert guard.check('SELECT ("\\u0041" AS ?a) {}\r\n') == 'SELECT ("A" AS ?a) {}\n'


def test_a_query_the_checker_cannot_read_is_refused_not_passed_on():
    for unreadable in ("SELECT * WHERE { ?s ?p ?o", "SELECT * WHERE { <<?s ?p ?o>> ?q ?r }", "\\u005Cu0053ERVICE"):
        with pytest.raises(QueryError):
            guard.check(unreadable)


def test_large_and_deep_queries_are_still_checked():
    many = "SELECT * WHERE { " + " ".join(f"?s{i} <http://e/p> ?o{i} ." for i in range(1500)) + " }"
    assert guard.check(many)
    deep = "SELECT * WHERE " + "{" * 300 + "?s ?p ?o" + "}" * 300
    assert guard.check(deep)
    with pytest.raises(guard.Outbound):
        guard.check("SELECT * WHERE " + "{" * 300 + "SERVICE <http://e/> { ?s ?p ?o }" + "}" * 300)


def test_workers_cannot_connect_even_when_the_guard_is_skipped(tmp_path, qingpu):
    """select() is the app's own, unchecked path: only the sandbox stands between it and the URL."""
    query = f"SELECT * WHERE {{ SERVICE <{{url}}> {GROUP} }}"
    with canary() as (url, received):
        unconfined = OxigraphStore(None)
        with pytest.raises((QueryError, OSError)):  # the canary hangs up without an answer
            unconfined.select(query.replace("{url}", url))
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert received, "the canary must hear an unconfined engine, or this test proves nothing"
        received.clear()
        pooled = PooledStore(tmp_path / "store", Limits(time_limit=10, workers=1, queue_wait=5))
        try:
            with pytest.raises((QueryError, StoreError)):
                pooled.select(query.replace("{url}", url))
            assert pooled.select("ASK { }").boolean is True  # the worker still answers
        finally:
            pooled.close()
        time.sleep(0.3)
    assert received == []


# -- the differential property ---------------------------------------------------------------

_LINE_ENDS = ["\n", "\r", "\r\n", "\u2028", "\\u000A", "\\u000D"]
_KEYWORDS = ["SERVICE", "service", "\\u0053ERVICE", "SERV\\u0049CE", "\\U00000053ERVICE", "SERVICE SILENT", "LOAD"]
_STRINGS = st.sampled_from(['"', "'", '"""', "'''"]).flatmap(
    lambda quote: st.lists(
        st.sampled_from(["x", "\\" + quote[0], "\\\\", quote[0], '"', "'", "#", "\n", "\r", "SERVICE", "\\u0022"]),
        max_size=5,
    ).map(lambda parts, q=quote: q + "".join(parts) + q)
)


def _fragments(url: str) -> st.SearchStrategy[str]:
    target = st.sampled_from([f"<{url}>", "?x", f"\\u003C{url}\\u003E", f"<{url}#frag>"])
    service = st.tuples(st.sampled_from(_KEYWORDS), target).map(lambda kt: f"{kt[0]} {kt[1]} {GROUP}")
    comment = st.sampled_from(_LINE_ENDS).map(lambda end: "# c " + end)
    bind = _STRINGS.map(lambda s: f"BIND({s} AS ?a)")
    return st.one_of(
        service,
        comment,
        bind,
        _STRINGS,
        st.sampled_from(["?s ?p ?o .", f"BIND(<{url}> AS ?x)", "{", "}", "<http://e/a#b>", "#", "\\", " ", "."]),
    )


def _queries(url: str) -> st.SearchStrategy[str]:
    body = st.lists(_fragments(url), min_size=1, max_size=6).map(" ".join)
    head = st.sampled_from(["SELECT * WHERE {", "ASK {", "CONSTRUCT { ?s ?p ?o } WHERE {", "SELECT * {"])
    return st.tuples(head, body).map(lambda hb: f"{hb[0]} {hb[1]} }}")


TRIED: list[str] = []


@pytest.mark.fuzz
def test_differential_no_query_the_guard_passes_reaches_the_network():
    with canary() as (url, received):
        engine = ox.Store()

        @settings(
            max_examples=5000 if SOAK else 120,
            deadline=None,
            derandomize=not SOAK,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(_queries(url))
        def passes_nothing_outbound(query: str) -> None:
            TRIED.append(query)
            try:
                checked = guard.check(query)
            except QueryError:
                return
            with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
                engine.query(checked)
            assert received == [], f"the guard let through a query that fetched: {query!r}"

        passes_nothing_outbound()
    assert len(TRIED) >= (5000 if SOAK else 120)
    print(f"differential: {len(TRIED)} generated queries, canary connections: {len(received)}")
