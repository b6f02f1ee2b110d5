"""`recurring-problems` for one report is answered in memory from each document's kept share
(graph/alike.py, graph/alike_shares.py); its answer must be the query's, row for row and in order,
for every report and a range of `min_score`, after adds, replacements, removals and rebuilds, for a
finding several graphs hold, and the query must run wherever the shares cannot give its answer.

Real on-disk stores; the query is the saved text itself, run by the engine."""

from __future__ import annotations

import dataclasses
import json

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph import aggregates, alike
from graph.store import OxigraphStore
from loaders.pipeline import load_bytes
from ontology import iris
from ontology.iris import RK
from queries import catalog
from tests.test_finding_parties import with_blank_findings
from tests.test_search_index import retitled

SAVED = catalog.get("recurring-problems")
ENGINE = dataclasses.replace(SAVED, name="recurring-problems, by the engine")  # not in catalog._ANSWERED
SCORES = ("0", "0.2", "0.35", "0.5", "1")
REPORTS = f"SELECT DISTINCT ?r WHERE {{ ?f <{RK.report}> ?r }} ORDER BY ?r"


def rows(result) -> list[tuple]:
    return [
        tuple((k, v.kind, v.value, v.datatype or "", v.lang or "") for k, v in sorted(r.items())) for r in result.rows
    ]


def assert_answered_as_the_query(store: OxigraphStore) -> int:
    """Every report and score: the index's answer equals the engine's. The rows compared, in all."""
    compared = 0
    for report in (row["r"].value for row in store.select(REPORTS).rows):
        for score in SCORES:
            bindings = SAVED.bindings({"report": report, "min_score": score})
            kept = alike.answer(store, bindings)
            assert kept is not None, "the shares should answer here"
            assert kept.variables == list(SAVED.columns)
            engine = ENGINE._select(store, bindings)
            assert rows(kept) == rows(engine), (report, score)
            compared += len(engine.rows)
    return compared


def generated(n: int) -> list:
    from bench.corpus import Generator  # reports of other places with alike findings, as a corpus has

    return [load_bytes(doc.text.encode("utf-8"), doc.name) for doc in Generator(3).corpus(n)]


def new_version(store: OxigraphStore) -> None:
    """A new version stamp, as any write through rectkg leaves (here the aggregate was changed by hand)."""
    aggregate, version = f"<{iris.AGGREGATES}>", f"<{RK.storeVersion}>"
    store.update(
        f"DELETE {{ GRAPH {aggregate} {{ {aggregate} {version} ?v }} }} "
        f'INSERT {{ GRAPH {aggregate} {{ {aggregate} {version} "by hand" }} }} '
        f"WHERE {{ GRAPH {aggregate} {{ {aggregate} {version} ?v }} }}"
    )


def test_the_index_answers_as_the_query_through_writes(store, qingpu, fengjiang, twin):
    corpus = [qingpu, fengjiang, twin, *generated(4)]
    for loaded in corpus:
        store.replace_graph(loaded.graph_iri, loaded.graph)
    assert assert_answered_as_the_query(store) > 500
    store.replace_graph(corpus[3].graph_iri, retitled(corpus[3], "关于整改措施落实不到位的问题"))
    assert_answered_as_the_query(store)
    store.remove_graph(corpus[4].graph_iri)
    assert_answered_as_the_query(store)
    store.update(aggregates.rebuild(store))
    assert_answered_as_the_query(store)


def test_a_finding_several_graphs_hold_is_paired_as_the_engine_pairs_it(store, qingpu, fengjiang):
    """The same report in a second graph (each of its findings' reports and titles then stand
    twice in the union of graphs, which the engine repeats), then retitled there (two titles)."""
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    copy = qingpu.graph_iri + "-copy"
    store.replace_graph(copy, qingpu.graph)
    assert assert_answered_as_the_query(store) > 0
    store.replace_graph(copy, retitled(qingpu, "关于另一个标题的问题"))
    assert_answered_as_the_query(store)


def test_scores_are_written_as_the_engine_writes_them():
    pairs = [(shared, union) for union in range(1, 61) for shared in range(1, union + 1)]
    values = " ".join(f"({s} {u})" for s, u in pairs)
    query = f"SELECT ?s ?u (ROUND(1000.0 * ?s / ?u) / 1000 AS ?x) WHERE {{ VALUES (?s ?u) {{ {values} }} }}"
    engine = {(int(r["s"].value), int(r["u"].value)): r["x"].value for r in ox.Store().query(query)}
    assert len(engine) == len(pairs)
    ours = {(s, u): alike.score_text(alike.thousandths(s, u)) for s, u in pairs}
    assert ours == engine
    assert ours[(1, 16)] == "0.063" and ours[(1, 1)] == "1"  # a half rounds up; a whole number has no point


def test_the_query_runs_where_the_shares_cannot_answer(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    report = str(qingpu.report_iri)
    bindings = SAVED.bindings({"report": report})
    assert alike.answer(store, bindings) is not None
    # Written by an earlier rectkg: no shares, until a rebuild.
    store.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n a <{RK.AlikeShare}> ; ?p ?o }} }}")
    new_version(store)
    assert alike.answer(store, bindings) is None
    assert rows(SAVED._select(store, bindings)) == rows(ENGINE._select(store, bindings)) != []
    store.update(aggregates.rebuild(store))
    assert alike.answer(store, bindings) is not None
    # Findings written as blank nodes (RDF a user loads): their labels are their graph's own.
    store.replace_graph(fengjiang.graph_iri, with_blank_findings(fengjiang.graph))
    assert alike.answer(store, bindings) is None
    assert rows(SAVED._select(store, bindings)) == rows(ENGINE._select(store, bindings)) != []
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert alike.answer(store, bindings) is not None
    # A finding's report or title stated in a graph where it has no bigrams: the query joins it.
    finding = min(qingpu.graph.subjects(RDF.type, RK.Finding))
    elsewhere = qingpu.graph_iri + "-elsewhere"
    for stated in ((finding, RK.report, URIRef(report + "-again")), (finding, DCTERMS.title, Literal("另一个标题"))):
        aside = Graph()
        aside.add(stated)
        store.replace_graph(elsewhere, aside)
        assert alike.answer(store, bindings) is None, stated
        assert rows(SAVED._select(store, bindings)) == rows(ENGINE._select(store, bindings)) != []
    store.remove_graph(elsewhere)
    assert alike.answer(store, bindings) is not None
    # A report that is no IRI (ordered by its text, as an IRI of the same text would be).
    literal_report = Graph()
    for triple in qingpu.graph:
        literal_report.add(triple)
    literal_report.add((finding, RK.report, Literal(report)))
    store.replace_graph(qingpu.graph_iri, literal_report)
    assert alike.answer(store, bindings) is None
    assert rows(SAVED._select(store, bindings)) == rows(ENGINE._select(store, bindings)) != []


def test_the_answer_is_cut_at_the_stores_row_limit(store, qingpu, fengjiang, twin):
    for loaded in (qingpu, fengjiang, twin):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    bindings = SAVED.bindings({"report": str(qingpu.report_iri), "min_score": "0"})
    whole = alike.answer(store, bindings)
    assert whole is not None and len(whole.rows) > 3 and not whole.truncated
    store.row_limit = 3
    cut = alike.answer(store, bindings)
    assert cut is not None and cut.truncated and cut.rows == whole.rows[:3]


def test_bigrams_are_told_apart_as_the_engine_tells_them(store):
    """Bigrams that are different RDF terms with the same text (an IRI, a plain string, one with a
    datatype, a plain string that looks like the index's own marking) count apart, as in the query."""
    example, datatype = "http://example.org/", "http://example.org/dt"
    cases = [URIRef(example + "y"), Literal(example + "y"), Literal("ab", datatype=URIRef(datatype))]
    cases.append(Literal(f"\x00literal\x00{datatype}\x00\x00ab"))
    graph = Graph()
    for i, gram in enumerate(cases):
        finding = URIRef(f"{example}f{i}")
        graph.add((finding, RK.report, URIRef(f"{example}r{i}")))
        graph.add((finding, DCTERMS.title, Literal(f"标题{i}")))
        for shared in (Literal("问题"), gram):
            graph.add((finding, RK.titleGram, shared))
    store.replace_graph(example + "g", graph)
    for i in range(len(cases)):
        bindings = SAVED.bindings({"report": f"{example}r{i}", "min_score": "0.5"})
        answered = alike.answer(store, bindings)
        assert answered is not None and rows(answered) == rows(ENGINE._select(store, bindings))
        assert answered.rows == []  # only 问题 is shared: 1 of 3


@pytest.mark.parametrize(
    "entries",
    [
        '{"held": [], "loose": [], "whole": true}',
        '{"held": {"urn:f": [[["r"]], [], []]}, "loose": [], "whole": true}',
        '{"held": {"urn:f": [[], []]}, "loose": [], "whole": true}',
        '{"held": {}, "whole": true}',
        "not json",
    ],
)
def test_a_share_kept_in_another_form_makes_the_query_run(store, qingpu, fengjiang, entries):
    """A share this release cannot read (written in another form) is no answer: the query runs."""
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    bindings = SAVED.bindings({"report": str(qingpu.report_iri)})
    assert alike.answer(store, bindings) is not None
    node, aggregate = f"<{iris.alike_share(fengjiang.graph_iri)}>", f"<{iris.AGGREGATES}>"
    for predicate, value in ((RK.alikeEntries, entries), (RK.alikeDigest, "another")):  # as that write leaves them
        store.update(f"DELETE WHERE {{ GRAPH {aggregate} {{ {node} <{predicate}> ?e }} }}")
        store.update(f"INSERT DATA {{ GRAPH {aggregate} {{ {node} <{predicate}> {json.dumps(value)} }} }}")
    new_version(store)
    assert alike.answer(store, bindings) is None
    assert rows(SAVED._select(store, bindings)) == rows(ENGINE._select(store, bindings)) != []
