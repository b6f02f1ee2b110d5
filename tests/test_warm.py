"""The served app answers the whole-corpus co-responsibility question before anyone asks: at
start, and again after each write through its admin API, with the answer of the data as written.

A real app on 127.0.0.1 over a copy of the sample store, written to over HTTP.
"""

from __future__ import annotations

import json
import time

import requests
from web_fixtures import build_store, serve_app

from graph import results
from graph.store import OxigraphStore
from queries.catalog import get
from tests.conftest import FENGJIANG
from tests.test_projections import with_partners
from webapp import create_app

TOKEN = "warm-admin-token"
ANSWER = "/queries/shared-responsibility.json"
DASHBOARD = "rectkg.cache.dashboard"
# The shared network's analysis (the dashboard's picture, /graph/shared) and the explorer's start.
GRAPH_CACHES = ("rectkg.cache.analysis", "rectkg.cache.mostshared")
WAIT_S = 60  # a generous bound for a background query on a busy machine, not a timing claim


def wait_until_warm(app) -> None:
    """Until the saved answer and the dashboard's data are both held for the store as it is now."""
    holder = app.extensions["rectkg.store"]
    saved = get("shared-responsibility")
    deadline = time.monotonic() + WAIT_S
    while not saved.is_cached(holder.get()) or any(
        app.extensions.get(key, (None,))[0] != holder.generation for key in (DASHBOARD, *GRAPH_CACHES)
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
        put = requests.put(
            url + "/admin/graphs",
            params={"graph": changed.graph_iri},
            data=body,
            headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
        )
        assert put.status_code == 204, put.text
        wait_until_warm(app)
        served = requests.get(url + ANSWER).json()
    fresh = get("shared-responsibility").run(OxigraphStore(copy, read_only=True))
    assert served != before, "the write adds pairs"
    assert served == json.loads(results.to_json(fresh))
