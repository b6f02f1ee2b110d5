"""One contract for the Store interface, run on the embedded store and on two real SPARQL servers.

`backend` is an empty store of each kind: the embedded on-disk Oxigraph store, `oxigraph serve`
and Virtuoso 7, both started once per session on 127.0.0.1 and wiped between tests. Everything
above the store must not be able to tell them apart, so most tests assert the same thing on all
three, and the end-to-end test compares saved-query CSV with the embedded store's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from servers import OxigraphServer, Server, VirtuosoServer, free_port

from graph import results
from graph.remote import RemoteSettings, RemoteStore
from graph.store import OxigraphStore, QueryError, Store, StoreError, Term
from ontology import iris
from queries import catalog

RECTKG = Path(sys.executable).with_name("rectkg")
END_TO_END = ("findings", "departments", "shared-responsibility", "documents", "measures", "stats")


def _serve(server: Server):
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    yield from _serve(OxigraphServer(tmp_path_factory.mktemp("oxigraph")))


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    yield from _serve(VirtuosoServer(tmp_path_factory.mktemp("virtuoso")))


def wipe(store: RemoteStore) -> None:
    """Drop every rectkg graph (documents, ontology, staging) and nothing else: Virtuoso has its own."""
    for name in store._graph_names(iris.BASE):
        store._drop(name)


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def backend(request, tmp_path):
    if request.param == "embedded":
        store = OxigraphStore(tmp_path / "store")
        yield store
        store.close()
        return
    server = request.getfixturevalue(f"{request.param}_server")
    store = server.store()
    wipe(store)
    yield store
    wipe(store)


def quads(store: Store) -> set[tuple]:
    ds = Dataset()
    ds.parse(data=store.export("nquads"), format="nquads")
    return {(s, p, o, g) for s, p, o, g in ds.quads()}


def sorted_csv(store: Store, name: str, **params: str) -> list[str]:
    lines = results.to_csv(catalog.get(name).run(store, params)).splitlines()
    return [lines[0], *sorted(lines[1:])]


def test_replace_graph_stores_exactly_the_document(backend, qingpu):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert backend.graphs() == [qingpu.graph_iri]
    assert backend.triple_count() == len(qingpu.graph)
    graph = URIRef(qingpu.graph_iri)
    assert quads(backend) == {(s, p, o, graph) for s, p, o in qingpu.graph}
    rows = catalog.get("findings").run(backend).rows
    assert len(rows) == 63
    assert sum(int(r["measures"].value) for r in rows) == 186


def test_reingest_is_idempotent_and_replaces(backend, qingpu, fengjiang):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert backend.triple_count() == len(qingpu.graph)
    # Another document's triples under the same graph name replace, never add to, the old ones.
    backend.replace_graph(qingpu.graph_iri, fengjiang.graph)
    assert backend.triple_count() == len(fengjiang.graph)
    assert backend.graphs() == [qingpu.graph_iri]


def test_failed_write_leaves_store_unchanged(backend, qingpu, fengjiang):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    before = quads(backend)
    broken = fengjiang.graph
    # A literal the N-Triples writer emits but no SPARQL or Turtle parser accepts.
    bad = (URIRef(iris.ID + "x"), iris.RK.p, Literal("x", datatype=URIRef("not an iri")))
    broken.add(bad)
    try:
        with pytest.raises(StoreError, match="store unchanged"):
            backend.replace_graph(qingpu.graph_iri, broken)
    finally:
        broken.remove(bad)
    assert quads(backend) == before
    if isinstance(backend, RemoteStore):
        assert backend._graph_names(iris.STAGING) == []


def test_remove_graph(backend, qingpu, fengjiang):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert backend.remove_graph(qingpu.graph_iri)
    assert not backend.remove_graph(qingpu.graph_iri)
    assert backend.graphs() == [fengjiang.graph_iri]
    assert backend.triple_count() == len(fengjiang.graph)


def test_select_binds_parameters_as_terms(backend, qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        backend.replace_graph(loaded.graph_iri, loaded.graph)
    report = iris.report(qingpu.graph_iri.removeprefix(iris.GRAPH))
    rows = catalog.get("findings").run(backend, {"report": report}).rows
    assert len(rows) == 63 and {r["report"].value for r in rows} == {report}
    leads = catalog.get("departments").run(backend, {"role": "lead"}).rows
    assert leads and {r["role"].value for r in leads} == {"lead"}
    # A hostile value is one literal, compared and matching nothing: no error, nothing dropped.
    hostile = '"} } ; DROP ALL ; SELECT * { \\ \n # <x>'
    assert catalog.get("departments").run(backend, {"role": hostile}).rows == []
    assert backend.triple_count() == len(qingpu.graph) + len(fengjiang.graph)
    ask = iris.sparql_prefixes() + "ASK { ?f a rk:Finding ; rk:report ?r }"
    assert backend.select(ask, {"r": Term("iri", report)}).boolean is True
    assert backend.select(ask, {"r": Term("iri", report + "-none")}).boolean is False


def test_select_result_terms(backend, qingpu):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    query = iris.sparql_prefixes() + (
        "SELECT ?f ?order ?title ?none WHERE { ?f a rk:Finding ; rk:order ?order ; dcterms:title ?title "
        "FILTER(?order = 1) OPTIONAL { ?f rk:noSuchProperty ?none } }"
    )
    result = backend.select(query)
    assert result.variables == ["f", "order", "title", "none"]
    (row,) = result.rows
    assert row["f"] == Term("iri", iris.finding(iris.report(qingpu.graph_iri.removeprefix(iris.GRAPH)), 1))
    assert row["order"] == Term("literal", "1", str(iris.XSD.integer))
    assert row["title"].kind == "literal" and "none" not in row


def test_construct_with_bindings(backend, qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        backend.replace_graph(loaded.graph_iri, loaded.graph)
    report = iris.report(fengjiang.graph_iri.removeprefix(iris.GRAPH))
    query = iris.sparql_prefixes() + (
        "CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f a rk:Finding ; rk:report ?report ; dcterms:title ?t }"
    )
    graph = backend.construct(query, {"report": Term("iri", report)})
    expected = {
        (f, p, t)
        for f, p, t in fengjiang.graph.triples((None, iris.DCTERMS.title, None))
        if (f, iris.RK.report, URIRef(report)) in fengjiang.graph
        and (f, iris.RDF.type, iris.RK.Finding) in fengjiang.graph
    }
    assert expected and set(graph) == expected


def test_export_formats(backend, qingpu):
    backend.replace_graph(qingpu.graph_iri, qingpu.graph)
    ds = Dataset()
    ds.parse(data=backend.export("trig"), format="trig")
    assert {str(g.identifier) for g in ds.graphs() if len(g)} == {qingpu.graph_iri}
    union = Dataset()
    union.parse(data=backend.export("ntriples"), format="nt")
    assert len(union) == len(qingpu.graph)


def test_bad_query_is_a_query_error(backend):
    with pytest.raises(QueryError):
        backend.select("SELECT ?x WHERE { ?x }")
    with pytest.raises(QueryError):
        backend.select("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def shared_work() -> Graph:
    """Two departments leading and partnering on one finding: the sample reports have no such pair yet."""
    g = Graph()
    report = URIRef(iris.report("test-shared"))
    finding = URIRef(iris.finding(str(report), 1))
    measure = URIRef(iris.measure(str(finding), 1))
    g.add((finding, iris.RDF.type, iris.RK.Finding))
    g.add((finding, iris.RK.number, Literal("1")))
    g.add((measure, iris.RK.finding, finding))
    for ordinal, (name, role) in enumerate((("测试区甲局", "lead"), ("测试区乙局", "partner")), 1):
        org, involvement = URIRef(iris.organisation(name)), URIRef(iris.child(str(measure), "involvement", ordinal))
        g.add((org, iris.SKOS.prefLabel, Literal(name, lang="zh")))
        g.add((involvement, iris.RK.measure, measure))
        g.add((involvement, iris.RK.agent, org))
        g.add((involvement, iris.RK.role, iris.RK[role]))
    return g


@pytest.fixture(scope="module")
def documents(qingpu, fengjiang) -> dict[str, Graph]:
    return {
        qingpu.graph_iri: qingpu.graph,
        fengjiang.graph_iri: fengjiang.graph,
        iris.graph("test-shared"): shared_work(),
    }


@pytest.fixture(scope="module")
def reference(documents):
    store = OxigraphStore(None)
    for name, graph in documents.items():
        store.replace_graph(name, graph)
    return store


def test_saved_queries_match_the_embedded_store(backend, reference, documents):
    for name, graph in documents.items():
        backend.replace_graph(name, graph)
    names = [n for n in END_TO_END if n in catalog.saved_queries()]
    assert {"findings", "departments", "shared-responsibility"} <= set(names)
    for name in names:
        expected = sorted_csv(reference, name)
        assert len(expected) > 1, name
        assert sorted_csv(backend, name) == expected, name


# -- remote only ----------------------------------------------------------------------------


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request) -> Server:
    return request.getfixturevalue(f"{request.param}_server")


def test_staging_graphs_are_invisible_and_stale_ones_dropped(server, qingpu):
    store = server.store()
    wipe(store)
    stale = iris.staging_graph("1-crashed")  # started in 1970: long stale
    store._append(stale, f"<{iris.ID}s> <{iris.RK}p> <{iris.ID}o> .")
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert store.graphs() == [qingpu.graph_iri]
    assert store._graph_names(iris.STAGING) == []  # the write dropped it
    store._append(stale, f"<{iris.ID}s> <{iris.RK}p> <{iris.ID}o> .")
    everything = store.select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    assert int(everything.rows[0]["n"].value) == 2 * len(qingpu.graph)  # default (union) + named, no staging
    assert store.triple_count() == len(qingpu.graph)
    wipe(store)


def test_graph_store_protocol_without_update(oxigraph_server, qingpu):
    store = oxigraph_server.store(RECTKG_SPARQL_UPDATE_URL="")
    wipe(oxigraph_server.store())
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert store.triple_count() == len(qingpu.graph)
    assert store.remove_graph(qingpu.graph_iri)
    assert not store.remove_graph(qingpu.graph_iri)
    assert store.graphs() == []


def test_wrong_credentials_are_named(virtuoso_server):
    store = virtuoso_server.store(RECTKG_SPARQL_PASSWORD="wrong")
    with pytest.raises(StoreError, match="refused the credentials"):
        store.graphs()


def test_unreachable_server_fails_after_retries():
    url = f"http://127.0.0.1:{free_port()}"
    settings = RemoteSettings.from_env(url, {"RECTKG_SPARQL_RETRIES": "2", "RECTKG_SPARQL_BACKOFF": "0.1"})
    store = RemoteStore(url, settings=settings)
    started = time.monotonic()
    with pytest.raises(StoreError, match="after 3 attempts.*refused"):
        store.graphs()
    assert time.monotonic() - started >= 0.1 + 0.2  # backed off between attempts


def test_server_killed_during_ingest(tmp_path, qingpu, fengjiang):
    """The CLI names the failure and exits 1; after a restart the store is as it was before."""
    server = OxigraphServer(tmp_path / "oxigraph")
    try:
        server.start()
        store = server.store()
        store.replace_graph(qingpu.graph_iri, qingpu.graph)
        before = quads(store)
        env = {**server.environ(), "RECTKG_SPARQL_CHUNK": "50", "RECTKG_SPARQL_RETRIES": "1"}
        ingest = subprocess.Popen(
            [str(RECTKG), "--store", server.url, "ingest", str(fengjiang.source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not store._graph_names(iris.STAGING):  # the ingest has begun sending triples
            assert ingest.poll() is None and time.monotonic() < deadline, "ingest ended before it could be killed"
        server.kill()
        _, stderr = ingest.communicate(timeout=60)
        assert ingest.returncode == 1
        assert "store unchanged" in stderr and server.url in stderr
        server.start()
        assert quads(store) == before
        assert store.graphs() == [qingpu.graph_iri]
    finally:
        server.stop()
