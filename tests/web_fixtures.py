"""Fixtures for the web app tests: the sample reports in a real on-disk store, served by waitress
on a free 127.0.0.1 port in a thread, the way `rectkg serve` runs it.

Test modules import the fixtures they use (`from web_fixtures import ...`).
"""

from __future__ import annotations

import gc
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from requests.adapters import HTTPAdapter
from waitress import create_server

from graph.store import OxigraphStore
from webapp import admission, create_app, db


def build_store(path: Path, *loaded) -> Path:
    """Write the loaded reports into a new on-disk store and release it, as `rectkg ingest` does."""
    store = OxigraphStore(path)
    for report in loaded:
        store.replace_graph(report.graph_iri, report.graph)
    store.close()
    del store
    gc.collect()  # drop the writer's lock so other processes (the CLI) can open it too
    return path


@contextmanager
def serve(settings: Mapping[str, Any], threads: int | None = None) -> Iterator[str]:
    """Serve an app made with these settings as `rectkg serve` does (holding the store and
    advertising itself beside it, with as many threads by default); yields its base URL (no trailing slash)."""
    with serve_app(create_app({"TESTING": True, **settings}), threads) as url:
        yield url


@contextmanager
def serve_app(app: Flask, threads: int | None = None) -> Iterator[str]:
    """`serve` for an app the test keeps a hand on (to look at its store while it serves)."""
    server = create_server(app, host="127.0.0.1", port=0, **admission.server_options(app.config, threads))
    url = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, daemon=True)
    try:
        with db.serving(app, url):
            thread.start()
            yield url
    finally:
        server.close()
        thread.join(timeout=5)


class _FromAddress(HTTPAdapter):
    """Connections made from a given local address."""

    def __init__(self, address: str):
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    """An HTTP client connecting from another loopback address (127.0.0.2 …, all of 127/8 is this
    machine): a different client to the app's per-client limits, without leaving the machine."""
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


@pytest.fixture(scope="session")
def web_store(tmp_path_factory, qingpu, fengjiang) -> Path:
    return build_store(tmp_path_factory.mktemp("web") / "store", qingpu, fengjiang)


@pytest.fixture(scope="session")
def reader(web_store) -> OxigraphStore:
    """A read-only handle on the served store, for the answers the tests compare against."""
    return OxigraphStore(web_store, read_only=True)


@pytest.fixture(scope="session")
def base_url(web_store, tmp_path_factory) -> Iterator[str]:
    """The app over a copy of web_store, which stays free for tests that serve it themselves."""
    copy = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(web_store, copy)
    with serve({"STORE": str(copy)}) as url:
        yield url


@contextmanager
def page_at(browser, url: str) -> Iterator[tuple[Any, list[str]]]:
    """A fresh Chromium page on a served app, and the list of requests that tried to leave its
    origin (each is aborted): the pages must work offline, with nothing fetched elsewhere."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    foreign: list[str] = []

    def route(r):
        if r.request.url.startswith(url + "/"):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        yield page, foreign
    finally:
        context.close()
