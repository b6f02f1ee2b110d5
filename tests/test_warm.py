"""The served app answers the whole-corpus co-responsibility question before anyone asks: at
start, and again after each write through its admin API, with the answer of the data as written.

A real app on 127.0.0.1 over a copy of the sample store, written to over HTTP.
"""

from __future__ import annotations

import gc
import json
import os
import time

import pytest
import requests
from rdflib.namespace import SKOS
from web_fixtures import build_store, serve_app

from graph import results
from graph.store import OxigraphStore, StoreError
from ontology.iris import RK
from queries.catalog import ENUMERATIONS, get
from tests.conftest import FENGJIANG
from tests.test_projections import with_partners
from webapp import create_app, db, network, savedfile

TOKEN = "warm-admin-token"
ANSWER = "/queries/shared-responsibility.json"
DASHBOARD = "rectkg.cache.dashboard"
# The shared network (its analysis: the dashboard's picture, /graph/shared), the explorer's start and
# the saved queries' drop-downs.
GRAPH_CACHES = (
    "rectkg.cache.network",
    "rectkg.cache.mostshared",
    *(f"rectkg.cache.choices.{name}" for name in ENUMERATIONS),
)
FORM = "/queries/department-profile"
NETWORK = "/graph/api/shared"
WAIT_S = 60  # a generous bound for a background query on a busy machine, not a timing claim


def wait_until_warm(app, caches: tuple[str, ...] = GRAPH_CACHES) -> None:
    """Until the saved answer, the dashboard's data and these caches are held for the store as it is now."""
    holder = app.extensions["rectkg.store"]
    saved = get("shared-responsibility")
    deadline = time.monotonic() + WAIT_S
    while not saved.is_cached(holder.get()) or any(
        app.extensions.get(key, (None,))[0] != holder.generation for key in (DASHBOARD, *caches)
    ):
        assert time.monotonic() < deadline, "the dashboard and the graph views were not warmed"
        time.sleep(0.05)


def test_the_answer_is_warm_at_start_and_after_each_write(tmp_path, qingpu):
    copy = build_store(tmp_path / "store", qingpu)
    app = create_app({"TESTING": True, "STORE": str(copy), "ADMIN_TOKEN": TOKEN})
    changed = with_partners(FENGJIANG)
    body = changed.graph.serialize(format="nt").encode()
    with serve_app(app) as url:
        wait_until_warm(app)
        before = requests.get(url + ANSWER).json()
        form_before = requests.get(url + FORM).text
        put = requests.put(
            url + "/admin/graphs",
            params={"graph": changed.graph_iri},
            data=body,
            headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        )
        assert put.status_code == 204, put.text
        form_meanwhile = requests.get(url + FORM).text  # the warm-up waits for the writes to stop first
        wait_until_warm(app)
        served = requests.get(url + ANSWER).json()
        form_after = requests.get(url + FORM).text
    fresh = get("shared-responsibility").run(OxigraphStore(copy, read_only=True))
    assert served != before, "the write adds pairs"
    assert served == json.loads(results.to_json(fresh))
    new = _department_labels(copy, changed.graph_iri) - _department_labels(copy, qingpu.graph_iri)
    assert new, "the written report names departments the store did not hold"
    for label in new:
        assert f'<option value="{label}"' not in form_before, label
        assert f'<option value="{label}"' not in form_meanwhile, "the choices from before, not built by a visit"
        assert f'<option value="{label}"' in form_after, label


def _department_labels(store_path, graph_iri: str) -> set[str]:
    """The departments a document names in a measure, generic bodies aside: what the department
    drop-down lists."""
    named = f"?i <{RK.agent}> ?o . ?o <{SKOS.prefLabel}> ?l FILTER NOT EXISTS {{ ?o <{RK.generic}> true }}"
    query = f"SELECT DISTINCT ?l WHERE {{ GRAPH <{graph_iri}> {{ {named} }} }}"
    store = OxigraphStore(store_path, read_only=True)
    return {row["l"].value for row in store.select(query).rows}


def test_the_choices_outlive_a_restart_while_the_store_is_the_same(tmp_path, qingpu):
    """The drop-downs are saved beside the store with its version stamp; a restart reads them back
    (a choice only the saved file holds is offered) and ignores a file of another version."""
    copy = build_store(tmp_path / "store", qingpu)
    saved = copy.parent / (copy.name + ".kept") / "choices.departments"
    with serve_app(create_app({"TESTING": True, "STORE": str(copy)})) as url:
        assert "<option value=" in requests.get(url + FORM).text
    state = savedfile.read(saved, db.LASTING_FORMAT, "test")
    assert state is not None and state["stamp"] == OxigraphStore(copy, read_only=True).version_stamp()
    planted = "只在保存的文件里的部门"
    group, pairs = state["value"][0]
    state["value"][0] = (group, [*pairs, (planted, planted)])
    for stamp, offered in ((state["stamp"], True), ("another version", False)):
        savedfile.write(saved, {**state, "stamp": stamp}, db.LASTING_FORMAT)
        with serve_app(create_app({"TESTING": True, "STORE": str(copy)})) as url:
            form = requests.get(url + FORM).text
        assert (f'<option value="{planted}"' in form) is offered, stamp
        assert f'<option value="{pairs[0][0]}"' in form


def test_the_shared_network_outlives_a_restart_while_the_store_is_the_same(tmp_path, qingpu):
    """The network's analysis is saved beside the store like the drop-downs: a restart reads it
    back (a department only the saved file holds is offered in the filters), not one of another
    version."""
    copy = build_store(tmp_path / "store", qingpu)
    saved = copy.parent / (copy.name + ".kept") / "network"
    app = create_app({"TESTING": True, "STORE": str(copy)})
    with serve_app(app) as url:
        wait_until_warm(app)
        departments = requests.get(url + NETWORK).json()["departments"]
    state = savedfile.read(saved, network.SAVED_FORMAT, "test")
    assert state is not None and state["stamp"] == OxigraphStore(copy, read_only=True).version_stamp()
    assert [d["label"] for d in state["value"].choices["departments"]] == [d["label"] for d in departments]
    planted = {"id": "https://example.org/planted", "label": "只在保存的文件里的部门"}
    state["value"].choices["departments"].append(planted)
    for stamp, offered in ((state["stamp"], True), ("another version", False)):
        savedfile.write(saved, {**state, "stamp": stamp}, network.SAVED_FORMAT)
        with serve_app(create_app({"TESTING": True, "STORE": str(copy)})) as url:
            shown = requests.get(url + NETWORK).json()["departments"]
        assert (planted in shown) is offered, stamp
        assert departments[0] in shown


@pytest.mark.parametrize("large", [False, True])
def test_a_large_stores_network_is_built_apart_and_read_back(tmp_path, qingpu, large):
    """In a store of more than LARGE_STORE_REPORTS reports the warm-up builds the shared network
    in a process of its own (saved there, with its pid) and serves what it saved; a small store's
    is built in the serving process. Either way it is the network of the store as it is."""
    copy = build_store(tmp_path / "store", qingpu)
    settings = {"TESTING": True, "STORE": str(copy), "LARGE_STORE_REPORTS": 0 if large else 20}
    app = create_app(settings)
    with serve_app(app) as url:
        wait_until_warm(app, ("rectkg.cache.network",))
        served = requests.get(url + NETWORK).json()["departments"]
    saved = copy.parent / (copy.name + ".kept") / "network"
    state = savedfile.read(saved, network.SAVED_FORMAT, "test")
    assert state is not None and (state["pid"] != os.getpid()) is large
    built_here = network.build(OxigraphStore(copy, read_only=True))
    assert served == built_here.choices["departments"] == state["value"].choices["departments"]
    assert len(served) > 3
    written = saved.stat().st_mtime_ns
    restarted = create_app(settings)
    with serve_app(restarted) as url:
        wait_until_warm(restarted, ("rectkg.cache.network",))
        assert requests.get(url + NETWORK).json()["departments"] == served
    assert saved.stat().st_mtime_ns == written, "a restart on the same store reads the network back, builds none"


def test_a_build_apart_stops_with_the_app_and_reports_a_failed_build(tmp_path, qingpu):
    copy = build_store(tmp_path / "store", qingpu)
    app = create_app({"TESTING": True, "STORE": str(copy)})
    saved = copy.parent / (copy.name + ".kept") / "network"
    with app.app_context():
        assert db.build_apart("network", network.build, network.SAVED_FORMAT, lambda: True) is False
        assert not saved.exists(), "stopped before it saved anything"
        with pytest.raises(StoreError, match="failed"):  # int(store) raises in the child
            db.build_apart("network", int, network.SAVED_FORMAT, lambda: False)
        assert db.build_apart("network", network.build, network.SAVED_FORMAT, lambda: False) is True
        assert db.lasting_current("network", network.SAVED_FORMAT)
    db.close(app)
    with app.app_context(), pytest.raises(StoreError, match="closed"):
        db.store()  # a warm-up step left running at shutdown cannot open the store again


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_saved_file_leaves_the_cyclic_collector_as_it_was(tmp_path, enabled):
    """Off while a saved file is read back (webapp/savedfile.py), as it was afterwards, whether the
    file reads or not."""
    path = tmp_path / "saved"
    savedfile.write(path, {"value": [[i] for i in range(1000)]}, 7)
    (tmp_path / "torn").write_bytes(b"not a pickle")
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert savedfile.read(path, 7, "test")["value"][999] == [999]
        assert savedfile.read(tmp_path / "torn", 7, "test") is None
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
