"""One contract for the Store interface, run on the embedded store and on two real SPARQL servers.

`backend` is an empty store of each kind: the embedded on-disk Oxigraph store, `oxigraph serve`
and Virtuoso 7, both started once per session on 127.0.0.1 and wiped between tests. Everything
above the store must not be able to tell them apart, so most tests assert the same thing on all
three, and the end-to-end test compares saved-query CSV with the embedded store's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from servers import OxigraphServer, Server, VirtuosoServer, free_port

from bench.measure import cases, typical_values
from graph import alike, cited_titles, finding_parties, report_counts, results
from graph.remote import RemoteSettings, RemoteStore
from graph.store import OxigraphStore, QueryError, Store, StoreError, Term
from ontology import iris
from queries import catalog

RECTKG = Path(sys.executable).with_name("rectkg")
ACCEPTANCE = ("findings", "departments", "shared-responsibility", "documents")
BACKENDS = ["embedded", "oxigraph", "virtuoso"]
SERVERS = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@contextlib.contextmanager
def serving(server: Server):
    """The server, started; stopped again however the block ends (a failed start included)."""
    try:
        yield server.start()
    finally:
        server.stop()


# Two servers of each kind: one that write tests empty and fill, one loaded once for read-only tests.
@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    with serving(OxigraphServer(tmp_path_factory.mktemp("oxigraph"))) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    with serving(VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))) as server:
        yield server


def wipe(store: RemoteStore) -> None:
    """Drop every rectkg graph (documents, ontology, staging) and nothing else: Virtuoso has its own."""
    for name in store._graph_names(iris.BASE):
        store._drop(name)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """An empty store of each kind."""
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


def shared_work(names: tuple[str, ...] | list[str] = ("测试区甲局", "测试区乙局"), key: str = "shared") -> Graph:
    """Departments (the first leading, the others partnering) on one finding: the sample reports
    have no such pair yet."""
    g = Graph()
    report = URIRef(iris.report(f"test-{key}"))
    finding = URIRef(iris.finding(str(report), 1))
    measure = URIRef(iris.measure(str(finding), 1))
    g.add((finding, iris.RDF.type, iris.RK.Finding))
    g.add((finding, iris.RK.number, Literal("1")))
    g.add((measure, iris.RK.finding, finding))
    roles = ["lead"] + ["partner"] * (len(names) - 1)
    for ordinal, (name, role) in enumerate(zip(names, roles, strict=True), 1):
        org, involvement = URIRef(iris.organisation(name)), URIRef(iris.child(str(measure), "involvement", ordinal))
        g.add((org, iris.SKOS.prefLabel, Literal(name, lang="zh")))
        g.add((involvement, iris.RK.measure, measure))
        g.add((involvement, iris.RK.agent, org))
        g.add((involvement, iris.RK.role, iris.RK[role]))
    return g


@pytest.fixture(scope="session")
def documents(qingpu, fengjiang) -> dict[str, Graph]:
    return {
        qingpu.graph_iri: qingpu.graph,
        fengjiang.graph_iri: fengjiang.graph,
        iris.graph("test-shared"): shared_work(),
    }


@pytest.fixture(scope="session")
def reference(documents):
    """The embedded store in memory with every document: what the other backends must answer."""
    store = OxigraphStore(None)
    for name, graph in documents.items():
        store.replace_graph(name, graph)
    return store


@pytest.fixture(scope="session", params=BACKENDS)
def loaded(request, tmp_path_factory, documents, reference):
    """A store of each kind holding every document, for tests that only read."""
    if request.param == "embedded":
        yield reference
        return
    with serving(SERVERS[request.param](tmp_path_factory.mktemp(f"{request.param}-loaded"))) as server:
        store = server.store()
        for name, graph in documents.items():
            store.replace_graph(name, graph)
        yield store


def quads(store: Store) -> set[str]:
    """The store's N-Quads lines: the same triples in the same graphs give the same set on every backend."""
    return set(store.export("nquads").decode("utf-8").splitlines())


def sorted_csv(store: Store, query: str, **params: str) -> list[str]:
    lines = results.to_csv(catalog.get(query).run(store, params)).splitlines()
    return [lines[0], *sorted(lines[1:])]


def test_replace_graph_stores_exactly_the_document(backend, fengjiang, reference):
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert backend.graphs() == [fengjiang.graph_iri]
    assert backend.triple_count() == len(fengjiang.graph)
    graph = f"<{fengjiang.graph_iri}>"
    assert quads(backend) == {line for line in quads(reference) if line.endswith(f"{graph} .")}


def test_reingest_is_idempotent_and_replaces(backend, qingpu, fengjiang):
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert backend.triple_count() == len(fengjiang.graph)
    # Another document's triples under the same graph name replace, never add to, the old ones.
    small = shared_work()
    backend.replace_graph(fengjiang.graph_iri, small)
    assert backend.triple_count() == len(small)
    assert backend.graphs() == [fengjiang.graph_iri]
    backend.replace_graph(fengjiang.graph_iri, Graph())  # an empty document leaves no graph
    assert backend.graphs() == [] and backend.triple_count() == 0


def test_failed_write_leaves_store_unchanged(backend, qingpu, fengjiang):
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    before = quads(backend)
    broken = qingpu.graph
    # A literal the N-Triples writer emits but no SPARQL or Turtle parser accepts.
    bad = (URIRef(iris.ID + "x"), iris.RK.p, Literal("x", datatype=URIRef("not an iri")))
    broken.add(bad)
    try:
        with pytest.raises(StoreError, match="store unchanged"):
            backend.replace_graph(fengjiang.graph_iri, broken)
    finally:
        broken.remove(bad)
    assert quads(backend) == before
    if isinstance(backend, RemoteStore):
        assert backend._graph_names(iris.STAGING) == []


def test_remove_graph(backend, fengjiang):
    small = shared_work()
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    backend.replace_graph(iris.graph("test-shared"), small)
    assert backend.remove_graph(fengjiang.graph_iri)
    assert not backend.remove_graph(fengjiang.graph_iri)
    assert backend.graphs() == [iris.graph("test-shared")]
    assert backend.triple_count() == len(small)


def test_a_hostile_graph_name_is_refused(backend, fengjiang):
    backend.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    with pytest.raises(StoreError):
        backend.remove_graph(fengjiang.graph_iri + "> } ; DROP ALL ; #")
    with pytest.raises(StoreError):  # would be a valid update if pasted into `DROP SILENT GRAPH <…>`
        backend.replace_graph(fengjiang.graph_iri + "> ; DROP ALL ; DROP SILENT GRAPH <urn:x", fengjiang.graph)
    assert backend.graphs() == [fengjiang.graph_iri]
    assert backend.triple_count() == len(fengjiang.graph)


def test_graphs_and_count(loaded, documents):
    assert loaded.graphs() == sorted(documents)
    assert loaded.triple_count() == sum(len(g) for g in documents.values())


def test_select_binds_parameters_as_terms(loaded, qingpu, documents):
    report = iris.report(qingpu.graph_iri.removeprefix(iris.GRAPH))
    rows = catalog.get("findings").run(loaded, {"report": report}).rows
    assert len(rows) == 63 and {r["report"].value for r in rows} == {report}
    assert sum(int(r["measures"].value) for r in rows) == 186
    leads = catalog.get("departments").run(loaded, {"role": "lead"}).rows
    assert leads and {r["role"].value for r in leads} == {"lead"}
    # A hostile value is one literal, compared and matching nothing: no error, nothing dropped.
    hostile = '"} } ; DROP ALL ; SELECT * { \\ \n # <x>'
    assert catalog.get("departments").run(loaded, {"role": hostile}).rows == []
    assert loaded.triple_count() == sum(len(g) for g in documents.values())
    ask = iris.sparql_prefixes() + "ASK { ?f a rk:Finding ; rk:report ?r }"
    assert loaded.select(ask, {"r": Term("iri", report)}).boolean is True
    assert loaded.select(ask, {"r": Term("iri", report + "-none")}).boolean is False


def test_select_result_terms(loaded, qingpu):
    report = iris.report(qingpu.graph_iri.removeprefix(iris.GRAPH))
    query = iris.sparql_prefixes() + (
        "SELECT ?f ?r ?order ?title ?none WHERE { ?f a rk:Finding ; rk:report ?r ; rk:order ?order ; "
        "dcterms:title ?title FILTER(?order = 1) OPTIONAL { ?f rk:noSuchProperty ?none } }"
    )
    result = loaded.select(query, {"r": Term("iri", report)})
    assert result.variables == ["f", "r", "order", "title", "none"]
    (row,) = result.rows
    assert row["f"] == Term("iri", iris.finding(report, 1))
    assert row["order"] == Term("literal", "1", str(iris.XSD.integer))
    assert row["title"].kind == "literal" and "none" not in row


def test_construct_with_bindings(loaded, fengjiang):
    report = URIRef(iris.report(fengjiang.graph_iri.removeprefix(iris.GRAPH)))
    query = iris.sparql_prefixes() + (
        "CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f a rk:Finding ; rk:report ?report ; dcterms:title ?t }"
    )
    graph = loaded.construct(query, {"report": Term("iri", str(report))})
    g = fengjiang.graph
    expected = {
        (f, p, t)
        for f, p, t in g.triples((None, iris.DCTERMS.title, None))
        if (f, iris.RK.report, report) in g and (f, iris.RDF.type, iris.RK.Finding) in g
    }
    assert expected and set(graph) == expected


def test_export_keeps_graphs(loaded, reference, documents):
    assert quads(loaded) == quads(reference)
    ds = Dataset()
    ds.parse(data=loaded.export("trig"), format="trig")
    assert {str(g.identifier) for g in ds.graphs() if len(g)} == set(documents)


def test_bad_query_is_a_query_error(loaded):
    with pytest.raises(QueryError):
        loaded.select("SELECT ?x WHERE { ?x }")
    with pytest.raises(QueryError):
        loaded.select("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def test_a_store_filled_by_this_release_is_kept_whole(loaded):
    """Every document written through each backend states its share of the cited titles' totals
    and the format of its counts (graph/cited_titles.py, graph/kept_format.py), with its findings'
    parties beside them (graph/finding_parties.py), so the saved queries compared below run their
    kept texts on every backend rather than asking the documents."""
    assert cited_titles.whole(loaded) and report_counts.fielded(loaded) and finding_parties.whole(loaded)


@pytest.mark.parametrize("name", sorted(catalog.saved_queries()))
def test_saved_queries_match_the_embedded_store(loaded, reference, name):
    """Every saved query is portable: the same CSV (rows sorted) on every backend."""
    query = catalog.get(name)
    if any(p.required for p in query.params):
        pytest.skip(f"{name} needs a parameter")
    expected = sorted_csv(reference, name)
    assert len(expected) > 1 or name not in ACCEPTANCE
    assert sorted_csv(loaded, name) == expected


@pytest.mark.parametrize("name", sorted(n for n, q in catalog.saved_queries().items() if q.params))
def test_saved_queries_with_parameters_match_the_embedded_store(loaded, reference, name):
    """Each parameter at the benchmark's typical value answers alike everywhere: the embedded store
    binds parameters by substitution, a server by a VALUES row at the end of the WHERE group
    (graph/binding.py), so a query that narrows a subquery by its parameter must still be right
    where only the outer group sees the value."""
    with_values = [c for c in cases(typical_values(reference), live=False, only={name}) if c[2]]
    if not with_values:
        pytest.skip(f"{name}'s parameters have defaults, compared elsewhere")
    if name == "department-profile" and isinstance(loaded, RemoteStore):
        pytest.xfail(
            "known, not portable: `partners` and `documents` are GROUP_CONCATs, whose inner order a"
            " server need not keep, and Virtuoso 7 answers the 、 separator of `partners` (and, in"
            " the live text, the 《》 of `documents`) as ?"
        )
    for _query, case, params in with_values:
        assert sorted_csv(loaded, name, **params) == sorted_csv(reference, name, **params), case


def _profile(store: Store, department: str) -> list[tuple]:
    """department-profile's rows with what differs between servers set aside: the order inside
    `role`, `partners` and `documents` (each a GROUP_CONCAT), and the 、 and 《》 the query writes,
    which Virtuoso 7 answers as ?. The rows, the roles and each row's partners and documents stay."""

    def parts(value: str, separators: str) -> tuple[str, ...]:
        return tuple(sorted({part.strip() for part in re.split(separators, value) if part.strip()}))

    rows = catalog.get("department-profile").run(store, {"department": department}).rows
    return sorted(
        (
            *(r[c].value for c in ("report", "finding", "number", "title")),
            parts(r["role"].value, " "),
            parts(r["partners"].value, "[、?]"),
            parts(r["documents"].value, "[《》?]"),
        )
        for r in rows
    )


def test_department_profile_answers_alike_but_for_order_and_punctuation(loaded, reference):
    """What the xfail above leaves out: department-profile's partners (generic bodies and internal
    units taken out with MINUS) and documents are the same on every backend, as sets."""
    department = typical_values(reference)["department"]
    expected = _profile(reference, department)
    assert any(row[5] for row in expected) and any(row[6] for row in expected)
    assert _profile(loaded, department) == expected


def test_scores_match_below_the_default_threshold(loaded, reference):
    """Many more pairs than the default gives: a rounding or filtering difference has more chances to show."""
    expected = sorted_csv(reference, "recurring-problems", min_score="0.05")
    assert len(expected) > 4 * len(sorted_csv(reference, "recurring-problems"))
    assert sorted_csv(loaded, "recurring-problems", min_score="0.05") == expected


def test_one_departments_pairs_come_in_the_whole_tables_order(backend):
    """shared-responsibility with `department` runs its variant (queries/catalog.py); on every
    backend it gives the base text's rows in the base text's order; both, and the whole table, order
    labels by code point among names sharing a long prefix (which Virtuoso once ordered otherwise)."""
    names = ["上海市青浦区人民政府" + s for s in ("办公室", "研究室", "外事办公室", "法制办公室", "金融服务办公室")]
    names += ["上海市青浦区" + s for s in ("财政局", "人力资源和社会保障局", "生态环境局", "民政局", "商务委员会")]
    names += ["上海市青浦区人民政府" + s for s in ("合作交流办公室", "参事室", "机关事务管理局")]
    work = shared_work(names, "prefixes")
    report = URIRef(iris.report("test-prefixes"))
    finding = URIRef(iris.finding(str(report), 1))
    work.add((finding, iris.RK.report, report))  # what the loader states of a finding the pairs count
    work.add((finding, iris.RK.order, Literal(1)))
    for name in names:  # each found by its name
        work.add((finding, iris.RK.sharedBy, URIRef(iris.organisation(name))))
        work.add((URIRef(iris.organisation(name)), iris.RK.name, Literal(name)))
    backend.replace_graph(iris.graph("test-prefixes"), work)
    saved = catalog.get("shared-responsibility")
    base = dataclasses.replace(saved, name="shared-responsibility, base text", variants=())
    bindings = saved.bindings({"department": names[0]})
    assert saved.text_for(bindings) != base.text_for(bindings)
    variant = [(r["dept_a"].value, r["dept_b"].value) for r in saved._select(backend, bindings).rows]
    assert len(variant) == len(names) - 1 and variant == sorted(variant)
    assert variant == [(r["dept_a"].value, r["dept_b"].value) for r in base._select(backend, bindings).rows]
    whole = [(r["dept_a"].value, r["dept_b"].value) for r in saved._select(backend, {}).rows]
    assert len(whole) == len(names) * (len(names) - 1) // 2 and whole == sorted(whole)


def test_each_reports_alike_findings_come_from_the_kept_shares(loaded, reference):
    """recurring-problems for one report is answered from the shares every write keeps
    (graph/alike.py) on every backend, with the rows and the order the embedded engine gives for
    the query's own text."""
    saved = catalog.get("recurring-problems")
    engine = dataclasses.replace(saved, name="recurring-problems, by the engine")  # not answered apart
    reports = {row["r"].value for row in reference.select(f"SELECT ?r WHERE {{ ?r a <{iris.RK.Report}> }}").rows}
    compared = 0
    for report in sorted(reports):
        bindings = saved.bindings({"report": report, "min_score": "0.05"})
        answered = alike.answer(loaded, bindings)
        assert answered is not None
        expected = engine._select(reference, bindings).rows
        assert [[r[c].value for c in alike.COLUMNS] for r in answered.rows] == [
            [r[c].value for c in alike.COLUMNS] for r in expected
        ]
        compared += len(expected)
    assert compared > 20


@pytest.mark.parametrize("name", ["findings", "shared-responsibility"])
def test_union_dataset_mode_answers_alike(loaded, reference, name):
    if not isinstance(loaded, RemoteStore):
        pytest.skip("the embedded store always queries the union of its graphs")
    union = RemoteStore(loaded.spec, settings=dataclasses.replace(loaded.settings, union=True))
    assert sorted_csv(union, name) == sorted_csv(reference, name)


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


def test_another_writers_document_shows_up_within_the_graph_list_lifetime(oxigraph_server, fengjiang):
    wipe(oxigraph_server.store())
    reader = oxigraph_server.store(RECTKG_SPARQL_GRAPHS_TTL="0.3")
    assert reader.graphs() == []
    oxigraph_server.store().replace_graph(fengjiang.graph_iri, fengjiang.graph)
    time.sleep(0.4)
    assert reader.graphs() == [fengjiang.graph_iri]
    assert len(catalog.get("findings").run(reader).rows) == len(
        catalog.get("findings").run(oxigraph_server.store()).rows
    )
    wipe(reader)


def test_wrong_credentials_are_named(virtuoso_server):
    store = virtuoso_server.store(RECTKG_SPARQL_PASSWORD="wrong")
    with pytest.raises(StoreError, match="refused the credentials"):
        store.graphs()


def test_unreachable_server_fails_after_retries():
    url = f"http://127.0.0.1:{free_port()}"
    settings = RemoteSettings.from_env(url, {"RECTKG_SPARQL_RETRIES": "2", "RECTKG_SPARQL_BACKOFF": "0.1"})
    store = RemoteStore(url, settings=settings)
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"after 3 attempts.*refused"):
        store.graphs()
    assert time.monotonic() - started >= 0.1 + 0.2  # backed off between attempts


def test_client_time_out_is_named_and_not_retried(tmp_path):
    # The server gives up on the query soon after the client does.
    with serving(OxigraphServer(tmp_path / "slow", timeout_s=5)) as server:
        store = server.store(RECTKG_SPARQL_TIMEOUT="1")
        store._append(iris.graph("t"), "\n".join(f"<{iris.ID}s{i}> <{iris.RK}p> {i} ." for i in range(300)))
        started = time.monotonic()
        with pytest.raises(StoreError, match="no answer within 1 s"):
            store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("kind", SERVERS)
def test_server_killed_during_ingest(tmp_path, qingpu, fengjiang, kind):
    """The CLI names the failure and exits 1; after a restart the store is as it was before."""
    with serving(SERVERS[kind](tmp_path / kind)) as server:
        store = server.store()
        store.replace_graph(qingpu.graph_iri, qingpu.graph)
        before = quads(store)
        env = {**server.environ(), "RECTKG_SPARQL_CHUNK": "50", "RECTKG_SPARQL_RETRIES": "1"}
        command = [str(RECTKG), "--store", server.url, "ingest", str(fengjiang.source)]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as ingest:
            try:
                deadline = time.monotonic() + 30
                while not store._graph_names(iris.STAGING):  # the ingest has begun sending triples
                    assert ingest.poll() is None and time.monotonic() < deadline, "ingest ended before the kill"
                server.kill()
                _, stderr = ingest.communicate(timeout=60)
            finally:
                ingest.kill()
        assert ingest.returncode == 1
        assert "store unchanged" in stderr and server.url in stderr
        server.start()
        assert quads(store) == before
        assert store.graphs() == [qingpu.graph_iri]
        assert store._graph_names(iris.STAGING)  # the half-sent staging graph is still there, unseen:
        assert store.triple_count() == len(qingpu.graph)
        assert len(catalog.get("findings").run(store).rows) == 63
