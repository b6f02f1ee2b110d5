"""Killable query workers over snapshots: a real on-disk store, real processes, real time limits."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from rdflib import Graph

from graph.answers import Caps, Written
from graph.pool import Busy, Limits, PooledStore, QueryOverMemory, QueryTimeout
from queries import catalog

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture
def pooled(tmp_path, qingpu):
    store = PooledStore(tmp_path / "store", Limits(time_limit=1.5, max_rows=50, workers=2, queue_wait=0.5))
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    yield store
    store.close()


def test_saved_query_through_workers(pooled):
    rows = catalog.get("findings").run(pooled).rows
    assert len(rows) == 50  # cut at max_rows …
    result = catalog.get("findings").run(pooled)
    assert result.truncated  # … and the cut is announced


def test_runaway_query_is_stopped_and_the_next_one_answers(pooled):
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        pooled.select(CARTESIAN)
    assert time.monotonic() - started < 3.5
    answer = pooled.select("SELECT (COUNT(*) AS ?n) WHERE { ?f a <https://w3id.org/rectkg/ns#Finding> }")
    assert answer.rows[0]["n"].value == "63"


def test_killed_worker_frees_the_cpu(pooled):
    before = {w.process.pid for w in list(pooled._idle.queue)}
    with pytest.raises(QueryTimeout):
        pooled.select(CARTESIAN)
    after = {w.process.pid for w in list(pooled._idle.queue)}
    gone = before - after
    assert len(gone) == 1
    pid = gone.pop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_writes_are_seen_as_whole_versions(pooled, fengjiang):
    version = pooled.version
    pooled.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert pooled.version == version + 1
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?f a <https://w3id.org/rectkg/ns#Finding> }"
    assert pooled.select(count).rows[0]["n"].value == "85"
    assert pooled.remove_graph(fengjiang.graph_iri)
    assert pooled.select(count).rows[0]["n"].value == "63"


def _runaway(pooled: PooledStore, outcomes: list) -> None:
    try:
        pooled.select(CARTESIAN)
    except QueryTimeout as error:
        outcomes.append(error)


def test_saturated_pool_says_busy(pooled):
    outcomes: list = []
    threads = [threading.Thread(target=_runaway, args=(pooled, outcomes)) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    with pytest.raises(Busy):
        pooled.select("ASK { ?s ?p ?o }")
    for t in threads:
        t.join()
    assert len(outcomes) == 2


# One literal as long as every value of the store joined (~0.8 MB), repeated on each row: a query of
# a few hundred bytes whose answer, uncapped, is rows × 0.8 MB (issue 21: 2.31 GB in the server).
BIG_LITERAL = (
    'SELECT ?big WHERE { { SELECT (GROUP_CONCAT(STR(?o); separator=" ") AS ?big) WHERE { ?s ?p ?o } } '
    "?a ?b ?c } LIMIT 10000"
)
# Concatenates that literal once per triple: an intermediate string of gigabytes, in one row.
HUGE_STRING = (
    'SELECT (STRLEN(GROUP_CONCAT(?big)) AS ?n) WHERE { { SELECT (GROUP_CONCAT(STR(?o); separator=" ") AS ?big) '
    "WHERE { ?s ?p ?o } } ?a ?b ?c }"
)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_an_answer_is_cut_at_the_byte_cap_as_the_worker_writes_it(pooled, fmt):
    cap = 2_000_000
    answer = pooled.answer(BIG_LITERAL, fmt, Caps(rows=10_000, bytes=cap))
    try:
        body = b"".join(answer.chunks())
    finally:
        answer.close()
    assert answer.written.truncated and answer.written.cut_by == "bytes"
    assert 1 <= answer.written.count < 50 and len(body) == answer.length <= cap
    if fmt == "json":  # cut at a whole row: still a valid document
        assert len(json.loads(body)["results"]["bindings"]) == answer.written.count
    elif fmt == "xml":
        assert body.rstrip().endswith(b"</results>\n</sparql>")


def test_a_graph_is_cut_at_the_triple_cap_and_at_the_byte_cap(pooled):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    by_triples = pooled.answer(construct, "ntriples", Caps(rows=3, triples=40, bytes=10_000_000))
    assert by_triples.written == Written(40, True, "triples")  # MAX_GRAPH_NODES, not the row limit
    assert len(Graph().parse(data=b"".join(by_triples.chunks()), format="nt")) == 40
    by_bytes = pooled.answer(construct, "turtle", Caps(triples=5000, bytes=20_000))
    assert by_bytes.written.cut_by == "bytes" and 0 < by_bytes.written.count < 5000
    assert len(Graph().parse(data=b"".join(by_bytes.chunks()), format="turtle")) == by_bytes.written.count
    for answer in (by_triples, by_bytes):
        answer.close()


def test_a_worker_past_its_memory_limit_is_replaced(tmp_path, qingpu):
    store = PooledStore(tmp_path / "store", Limits(time_limit=20, workers=1, memory_mb=1200))
    try:
        store.replace_graph(qingpu.graph_iri, qingpu.graph)
        before = {w.process.pid for w in list(store._idle.queue)}
        started = time.monotonic()
        with pytest.raises(QueryOverMemory, match="1200 MB"):
            store.select(HUGE_STRING)
        assert time.monotonic() - started < 15  # stopped by the memory limit, not the time limit
        assert {w.process.pid for w in list(store._idle.queue)}.isdisjoint(before)
        answer = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?f a <https://w3id.org/rectkg/ns#Finding> }")
        assert answer.rows[0]["n"].value == "63"
    finally:
        store.close()
