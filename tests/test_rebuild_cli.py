"""`rectkg rebuild` writes the aggregate graph's kept summaries afresh, as a fresh ingest would have
written them, on a store that lacks some (one an older rectkg filled); on a store it cannot
rebuild (a SPARQL server, a store `rectkg serve` holds) it says so in one line and changes nothing.

The installed `rectkg` command runs as its own process against a real on-disk store, as a user
runs it after upgrading.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib.namespace import RDF

from graph import aggregates, citations, roles
from graph.handoff import advert_path
from graph.store import OxigraphStore
from ontology import iris
from ontology.iris import RK
from tests.conftest import FENGJIANG, QINGPU

RECTKG = Path(sys.executable).parent / "rectkg"
# Everything the aggregate graph holds but the stamp every write (and the rebuild) sets afresh.
AGGREGATE = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?s ?p ?o }} FILTER(?p != <{RK.storeVersion}>) }}"
GRAPH = f"<{iris.AGGREGATES}>"
# What a store lacks, as an older rectkg left it: the departments' roles (before rk:DepartmentRoles),
# the named documents' citations (before rk:DocumentCitations), or the whole aggregate graph (before
# rk:DepartmentPair).
LACKING = {
    "roles": f"DELETE WHERE {{ GRAPH {GRAPH} {{ ?n <{RK.rolesGraph}> ?g ; ?p ?o }} }}",
    "citations": f"DELETE WHERE {{ GRAPH {GRAPH} {{ ?n <{RK.citationsGraph}> ?g ; ?p ?o }} }}",
    "everything": f"DROP GRAPH {GRAPH}",
}
# The kept nodes each case lacks (as `aggregates.kept` names them), and their class.
RESTORED = {
    "roles": ("department roles", RK.DepartmentRoles),
    "citations": ("document citations", RK.DocumentCitations),
    "everything": ("department roles", RK.DepartmentRoles),
}


def rectkg(store, *args, env=None):
    done = subprocess.run(
        [RECTKG, "--store", str(store), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400", **(env or {})},
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr


def aggregate(store: OxigraphStore) -> set[tuple[str, str, str]]:
    return {(r["s"].value, r["p"].value, r["o"].value) for r in store.select(AGGREGATE).rows}


def read(path: Path) -> tuple[set[tuple[str, str, str]], str | None, bytes, bool]:
    """The aggregate (stamp aside), the stamp, the documents, and whether every report's roles and
    citations are kept."""
    store = OxigraphStore(path, read_only=True)
    try:
        complete = roles.complete(store) and citations.complete(store)
        return aggregate(store), aggregates.version(store), _documents(store), complete
    finally:
        store.close()


def _documents(store: OxigraphStore) -> bytes:
    """The document graphs' quads, sorted: what a rebuild must leave as it was."""
    lines = store.export("nquads").splitlines()
    return b"\n".join(sorted(line for line in lines if f"<{iris.AGGREGATES}>".encode() not in line))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A store both sample reports were ingested into by the command, and what it holds."""
    path = tmp_path_factory.mktemp("rebuild") / "fresh"
    code, _out, err = rectkg(path, "ingest", QINGPU, FENGJIANG)
    assert code == 0, err
    return path, read(path)


@pytest.mark.parametrize("lacking", list(LACKING))
def test_rebuild_restores_what_a_fresh_ingest_writes(tmp_path, fresh, lacking):
    path, (written, stamp, documents, complete) = fresh
    assert complete and any(p == str(RK.rolesHeld) for _s, p, _o in written)
    old = shutil.copytree(path, tmp_path / "old")
    store = OxigraphStore(old)
    store.update(LACKING[lacking])
    missing = aggregates.kept(store)
    store.close()
    before, _stamp, _documents, complete = read(old)
    assert before < written and not complete
    name, restored = RESTORED[lacking]
    assert missing[name] == 0

    code, out, err = rectkg(old, "rebuild")
    assert code == 0, err
    after, new_stamp, after_documents, complete = read(old)
    assert after == written and complete
    assert after_documents == documents
    assert new_stamp not in (None, stamp)
    # One line, saying what was restored.
    kept = sum(1 for _s, p, o in written if p == str(RDF.type) and o == str(restored))
    assert out.count("\n") == 1 and out.startswith("rebuilt the kept summaries of 2 documents in ")
    assert "compacted the store" in out
    assert kept and f"{name} 0 → {kept}" in out


def test_rebuilding_a_complete_store_changes_only_the_stamp(tmp_path, fresh):
    path, (written, stamp, documents, _complete) = fresh
    copy = shutil.copytree(path, tmp_path / "copy")
    code, out, err = rectkg(copy, "rebuild")
    assert code == 0, err
    after, new_stamp, after_documents, complete = read(copy)
    assert (after, after_documents, complete) == (written, documents, True) and new_stamp != stamp
    assert "→" not in out  # nothing was missing, so no count changed


def test_a_sparql_server_is_refused_in_one_line_and_not_written(tmp_path):
    # The discard port: nothing answers, and nothing is asked before the refusal.
    code, out, err = rectkg("http://127.0.0.1:9/sparql", "rebuild", env={"RECTKG_SPARQL_RETRIES": "0"})
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: http://127.0.0.1:9/sparql is a SPARQL server")
    assert "rectkg ingest" in err


def test_a_store_a_server_holds_is_refused_and_left_as_it_was(tmp_path, fresh):
    """The store is held (locked) by this process, which advertises itself as its server, as
    `rectkg serve` does: the command is handed that server, which cannot rebuild, and stops there."""
    path, _fresh = fresh
    held = shutil.copytree(path, tmp_path / "held")
    store = OxigraphStore(held)
    try:
        store.update(LACKING["roles"])
        before, before_stamp, before_documents = aggregate(store), aggregates.version(store), _documents(store)
        advert_path(held).write_text(json.dumps({"url": "http://127.0.0.1:9", "token": "t", "pid": os.getpid()}))
        code, out, err = rectkg(held, "rebuild")
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and "held by `rectkg serve` (http://127.0.0.1:9)" in err
        assert "stop the server" in err
        assert aggregate(store) == before and aggregates.version(store) == before_stamp
        assert _documents(store) == before_documents
    finally:
        store.close()
        advert_path(held).unlink(missing_ok=True)
