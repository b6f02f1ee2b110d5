"""The corpus-wide department-pair aggregate stays equal to the live self-join whatever is written.

tests/test_projections.py compares the saved query (which reads the aggregate) with the live
query after add, replace and remove; here: a failed write leaves the aggregate and everything
else as it was, a rebuild from the documents writes exactly what the incremental updates
left, and cached answers never outlive a write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef
from servers import OxigraphServer, VirtuosoServer

from graph import aggregates
from graph.store import OxigraphStore, Result, Store, StoreError, ntriples_bytes
from loaders.pipeline import load_bytes, load_file
from ontology import iris
from ontology.validate import validate_graph
from queries import catalog
from queries.catalog import QueryError, get, parse
from tests.conftest import FENGJIANG, QINGPU
from tests.test_projections import LIVE, Answers, answer, answers, assert_answers, assert_equal, with_partners

AGGREGATE = (
    f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?s ?p ?o }} FILTER(?p != <{iris.RK.storeVersion}>) }}"
)


@pytest.fixture(scope="module")
def queries():
    return parse("shared-responsibility-live", LIVE.read_text(encoding="utf-8")), get("shared-responsibility")


Change = Callable[[Store], None]


def writing(path: Path, shift: int = 0) -> Change:
    """Write the report with the test's partners (test_projections.with_partners) to a store."""
    loaded = with_partners(path, shift=shift)
    return lambda target: target.replace_graph(loaded.graph_iri, loaded.graph)


def removing(path: Path) -> Change:
    graph_iri = load_file(path).graph_iri

    def remove(target: Store) -> None:
        assert target.remove_graph(graph_iri)

    return remove


@dataclasses.dataclass(frozen=True)
class Step:
    """Changes made to a store, and what an embedded store answers after them."""

    changes: tuple[Change, ...]
    live: Answers  # the live self-join's rows, for each of test_projections.PARAMS
    materialised: Answers  # the saved query's (read from the aggregate)
    graphs: list[str]


def on_an_embedded_store(path: Path, queries, steps: Iterable[Sequence[Change]]) -> list[Step]:
    """Each group of changes made in turn to a new embedded store, with its answers after it: the
    live self-join is not portable, so a test making the same changes to a server compares with
    these (worked out once, for every server the test runs on)."""
    store = OxigraphStore(path)
    done = []
    for changes in steps:
        for change in changes:
            change(store)
        done.append(Step(tuple(changes), answers(queries[0], store), answers(queries[1], store), store.graphs()))
    store.close()
    return done


def replay(steps: Sequence[Step], queries, target: Store) -> list[int]:
    """The steps' changes made to `target`, whose materialised answer must equal the embedded live
    one after each step (and its graphs the embedded store's); the number of rows after each."""
    totals = []
    for step in steps:
        for change in step.changes:
            change(target)
        totals.append(assert_answers(step.live, queries, target))
        assert sorted(target.graphs()) == sorted(step.graphs)
    return totals


def aggregate(store: OxigraphStore) -> set[tuple[str, str, str]]:
    return {(r["s"].value, r["p"].value, r["o"].value) for r in store.select(AGGREGATE).rows}


def test_a_failed_write_leaves_the_aggregate_and_the_documents_unchanged(store, queries):
    qingpu = with_partners(QINGPU)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    before, dump, stamp = aggregate(store), store.export("nquads"), aggregates.version(store)
    broken = with_partners(QINGPU, shift=2)
    # A literal the N-Triples writer emits but no SPARQL parser accepts: the write fails whole.
    broken.graph.add((URIRef(iris.ID + "x"), iris.RK.p, Literal("x", datatype=URIRef("not an iri"))))
    with pytest.raises(StoreError, match="store unchanged"):
        store.replace_graph(qingpu.graph_iri, broken.graph)
    assert aggregate(store) == before and store.export("nquads") == dump
    assert aggregates.version(store) == stamp
    assert assert_equal(store, queries) > 0


def test_a_rebuild_writes_what_the_incremental_updates_left(store, queries):
    qingpu, fengjiang = with_partners(QINGPU), with_partners(FENGJIANG)
    for loaded in (qingpu, fengjiang, with_partners(QINGPU, shift=3)):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    store.remove_graph(fengjiang.graph_iri)
    incremental = aggregate(store)
    assert any(p == str(iris.RK.pairFindings) for _s, p, _o in incremental)
    store.update(aggregates.rebuild(store))
    assert aggregate(store) == incremental
    assert assert_equal(store, queries) > 0


def test_the_aggregate_graph_is_no_document(store):
    qingpu = with_partners(QINGPU)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    assert store.graphs() == [qingpu.graph_iri]
    assert store.remove_graph(qingpu.graph_iri)
    assert aggregate(store) == set()


def test_cached_answers_end_with_the_next_write(tmp_path):
    """Two handles on one store in turn, as `rectkg serve` and an ingest would: the reader's
    cached answer must not survive the writer's change."""
    saved = get("shared-responsibility")
    path = tmp_path / "store"
    writer = OxigraphStore(path)
    qingpu = with_partners(QINGPU)
    writer.replace_graph(qingpu.graph_iri, qingpu.graph)
    first = answer(saved.run(writer))
    assert first and answer(saved.run(writer)) == first
    stamp = aggregates.version(writer)
    writer.replace_graph(qingpu.graph_iri, with_partners(QINGPU, shift=2).graph)
    assert aggregates.version(writer) != stamp
    assert answer(saved.run(writer)) != first
    live = answer(get("shared-responsibility")._select(writer, {}))
    assert answer(saved.run(writer)) == live
    writer.close()


def test_pair_nodes_conform_to_their_shape(store):
    qingpu = with_partners(QINGPU)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    nodes = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?s ?p ?o }} }}")
    assert len(set(nodes.subjects(RDF.type, iris.RK.DepartmentPair))) > 1
    conforms, text = validate_graph(nodes)
    assert conforms, text
    node = next(iter(nodes.subjects(RDF.type, iris.RK.DepartmentPair)))
    nodes.remove((node, iris.RK.pairFindings, None))
    assert not validate_graph(nodes)[0]


@pytest.fixture(scope="module")
def server_steps(tmp_path_factory, queries) -> list[Step]:
    """The server test's writes, with the embedded twin's answers after each (once for both servers)."""
    steps = (
        (writing(QINGPU), writing(FENGJIANG)),
        (writing(QINGPU, shift=2),),
        (removing(FENGJIANG),),
        (removing(QINGPU),),
    )
    return on_an_embedded_store(tmp_path_factory.mktemp("twin") / "store", queries, steps)


@pytest.mark.parametrize("kind", [OxigraphServer, VirtuosoServer], ids=["oxigraph", "virtuoso"])
def test_a_sparql_server_keeps_the_aggregate_equal_to_the_live_answer(tmp_path, server_steps, queries, kind):
    """Remote writes go through a staging graph and a final MOVE; the pair nodes ride in that request.
    The live self-join (not a saved query, and not portable) runs on an embedded twin of the store,
    given the same writes (server_steps)."""
    server = kind(tmp_path / "server").start()
    try:
        remote = server.store()
        totals = replay(server_steps, queries, remote)
        assert [total > 0 for total in totals] == [True, True, True, False]
        assert server_steps[2].graphs == [load_file(QINGPU).graph_iri]
        remote.close()
    finally:
        server.stop()


def test_every_saved_query_is_answered_again_after_a_write(tmp_path):
    """Not only the aggregate's query: a cached `findings` answer must take in a report added later."""
    saved = get("findings")

    def cells(result: Result) -> list[list[tuple[str, str]]]:
        return [sorted((k, v.value) for k, v in row.items()) for row in result.rows]

    store = OxigraphStore(tmp_path / "store")
    qingpu, fengjiang = with_partners(QINGPU), with_partners(FENGJIANG)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    first = cells(saved.run(store))
    assert first and cells(saved.run(store)) == first
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    after = cells(saved.run(store))
    assert after == cells(saved._select(store, {})) and len(after) > len(first)
    store.close()


def test_the_answer_cache_keeps_to_its_row_budget(monkeypatch):
    monkeypatch.setattr(catalog, "MAX_CACHED_ROWS", 5)
    answers: dict = {"stamp": "v1"}
    for name in ("a", "b", "c"):
        catalog._keep(answers, (name, ()), Result(["x"], [{}, {}]))
    assert list(answers) == ["stamp", ("b", ()), ("c", ())]
    catalog._keep(answers, ("huge", ()), Result(["x"], [{}] * 6))
    assert ("huge", ()) not in answers


def test_an_unknown_cache_policy_is_refused():
    with pytest.raises(QueryError, match="cache must be"):
        parse("x", "#+ cache: forever\nSELECT * WHERE { ?s ?p ?o }")


def test_a_literal_quoting_a_pair_field_adds_no_pair():
    """A sentence may quote anything, even the text of a pair field's predicate; only real field
    lines (and each once, however many keys it quotes) may count."""
    loaded = with_partners(QINGPU)
    data = ntriples_bytes(loaded.triples)
    quoted = " ".join(f"> <{iris.RK}{name}> " for name in ("sharedBy", "report", "number"))
    hostile = f'<{loaded.graph_iri}#x> <{iris.RK}text> "{quoted}" .\n'.encode()
    expected = {iri: total.numbers() for iri, total in aggregates.pairs_in(loaded.graph_iri, data).items()}
    assert expected, "the sample report has shared findings"
    got = aggregates.pairs_in(loaded.graph_iri, hostile + data + hostile)
    assert {iri: total.numbers() for iri, total in got.items()} == expected


@pytest.fixture(scope="module")
def odd_label_steps(tmp_path_factory, queries) -> list[Step]:
    """The sample written, then changed, with partners whose labels hold line separators; the
    embedded store's answers after each write (once for both tests below)."""
    import tests.test_projections as projections

    odd = (("财政\u2028局", False, False), ("人社\u2029局", False, False), ("卫健\x85委", False, False))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projections, "EXTRA", odd)
        steps = [(writing(QINGPU, shift=shift),) for shift in (0, 1)]
    return on_an_embedded_store(tmp_path_factory.mktemp("odd") / "store", queries, steps)


@pytest.mark.parametrize("served", [False, True], ids=["embedded", "oxigraph-server"])
def test_a_label_holding_a_unicode_line_separator_is_written(tmp_path, odd_label_steps, queries, served):
    """Oxigraph's N-Triples writer leaves U+2028 unescaped, and str.splitlines breaks there: a
    label holding one must reach the store whole, in the document (sent in chunks of lines to a
    server) and in the aggregate, on the first write and on a change. Embedded: the twin's own
    materialised answers; served: a server given the same writes."""
    if served:
        server = OxigraphServer(tmp_path / "server").start()
        try:
            target = server.store()
            assert all(total > 0 for total in replay(odd_label_steps, queries, target))
            labels = {row[0] for row in answer(queries[1].run(target))}
        finally:
            server.stop()
    else:
        for step in odd_label_steps:
            assert step.materialised == step.live and sum(map(len, step.live)) > 0
        labels = {row[0] for row in odd_label_steps[-1].materialised[0]}
    assert any("\u2028" in label for label in labels)


def _generated(n: int) -> list[tuple[str, bytes]]:
    from bench.corpus import Generator  # reports of other places sharing departments, as a corpus does

    loaded = [load_bytes(doc.text.encode("utf-8"), doc.name) for doc in Generator(11).corpus(n)]
    return [(x.graph_iri, ntriples_bytes(x.triples)) for x in loaded]


def test_documents_written_together_leave_what_one_by_one_writes_leave(tmp_path):
    documents = _generated(3)
    documents.append((iris.graph("copy"), documents[0][1]))  # the same pairs from a second graph
    together, one_by_one = OxigraphStore(tmp_path / "together"), OxigraphStore(tmp_path / "one")
    together.replace_graphs_ntriples(documents[:1])
    together.replace_graphs_ntriples(documents[1:])  # three new documents at once, after one
    for graph_iri, data in documents:
        one_by_one.replace_graph_ntriples(graph_iri, data)
    shared = [o for _s, p, o in aggregate(together) if p == str(iris.RK.pairContributions) and o.count('":[') > 1]
    assert shared, "no pair spans two of the documents: the test would not test merging"
    assert aggregate(together) == aggregate(one_by_one)
    assert together.export("nquads") == one_by_one.export("nquads")
    together.replace_graphs_ntriples([documents[0], documents[2]])  # replaced, each in its own transaction
    together.remove_graph(documents[1][0])
    one_by_one.remove_graph(documents[1][0])
    assert aggregate(together) == aggregate(one_by_one)


def test_documents_written_together_fail_together(store):
    documents = _generated(3)
    store.replace_graphs_ntriples(documents[:1])
    before = set(store._store)
    broken = documents[2][1] + b'<https://w3id.org/rectkg/id/x> <http://x/p> "unterminated .\n'
    with pytest.raises(StoreError, match=r"writing .* and 1 other new documents failed, store unchanged"):
        store.replace_graphs_ntriples([documents[1], (documents[2][0], broken)])
    assert set(store._store) == before
    with pytest.raises(ValueError):
        store.replace_graphs_ntriples([documents[1], documents[1]])


# A document as loaders wrote it before rk:sharedBy: one rk:SharedResponsibility node per finding
# and pair, with its copies of the labels and of the finding's report, order and number.
TO_LEGACY = """
INSERT { GRAPH ?g { ?n a rk:SharedResponsibility ; rk:sharedFinding ?f ; rk:inReport ?report ;
    rk:findingNumber ?number ; rk:findingOrder ?order ; rk:firstAgent ?a ; rk:secondAgent ?b ;
    rk:firstLabel ?la ; rk:secondLabel ?lb } }
WHERE { GRAPH ?g { ?f rk:sharedBy ?a , ?b FILTER(STR(?a) < STR(?b))
    ?a skos:prefLabel ?pa . ?b skos:prefLabel ?pb . ?f rk:report ?report ; rk:order ?order ; rk:number ?number
    BIND(STR(?pa) AS ?la) BIND(STR(?pb) AS ?lb)
    BIND(IRI(CONCAT(STR(?f), "/pair/", MD5(CONCAT(STR(?a), STR(?b))))) AS ?n) } } ;
DELETE WHERE { GRAPH ?g { ?f rk:sharedBy ?a } }
"""


def test_documents_written_before_shared_by_are_still_counted(store, queries):
    """A store filled by an older loader: rebuilding reads its pair nodes, and replacing or removing
    such a document takes its share out of the aggregate."""
    qingpu, fengjiang = with_partners(QINGPU), with_partners(FENGJIANG)
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    current = aggregate(store)
    store.update(iris.sparql_prefixes() + TO_LEGACY)
    assert store.select(iris.sparql_prefixes() + "ASK { GRAPH ?g { ?f rk:sharedBy ?a } }").boolean is False
    store.update(aggregates.rebuild(store))
    assert aggregate(store) == current
    replaced = with_partners(QINGPU, shift=2)
    store.replace_graph(replaced.graph_iri, replaced.graph)
    assert assert_equal(store, queries) > 0
    assert store.remove_graph(fengjiang.graph_iri)
    assert assert_equal(store, queries) > 0
    assert store.remove_graph(replaced.graph_iri)
    assert aggregate(store) == set()
