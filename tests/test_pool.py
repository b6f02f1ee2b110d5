"""Killable query workers over snapshots: a real on-disk store, real processes, real time limits."""

from __future__ import annotations

import os
import threading
import time

import pytest

from graph.pool import Busy, Limits, PooledStore, QueryTimeout
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
