"""`python -m bench.pages --store PATH` measures a copy of an existing store, never the store itself
(the measurement ingests one more report into what it measures), and ingests no corpus.

The server and the measurement are stood in for: what is checked is which store they are given
and that the one named is left as it was (tests/test_bench_run.py runs the real page mix)."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from bench import pages
from graph.store import OxigraphStore


@pytest.fixture
def source(tmp_path, qingpu, fengjiang) -> Path:
    path = tmp_path / "existing"
    store = OxigraphStore(path)
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    store.close()
    return path


def contents(path: Path) -> tuple[list[str], list[bytes]]:
    store = OxigraphStore(path, read_only=True)
    try:
        return store.graphs(), sorted(store.export("nquads").splitlines())
    finally:
        store.close()


def test_the_copy_is_measured_and_the_store_named_is_not_written(tmp_path, source, monkeypatch, capsys):
    before = contents(source)
    measured: list[tuple[Path, dict]] = []

    @contextlib.contextmanager
    def serving(path: Path):
        assert path != source and path.parent.name.startswith("rectkg-bench-pages-")
        yield "http://127.0.0.1:9"

    def measure_pages(base: str, store: Path, chosen: dict, **_settings) -> dict:
        """What the real one does to the store it is given: one more report written into it."""
        measured.append((store, chosen))
        assert contents(store) == before  # a copy, whole
        copy = OxigraphStore(store)
        one_more = Graph()
        one_more.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("one more")))
        copy.replace_graph("https://w3id.org/rectkg/graph/one-more", one_more)
        copy.close()
        later = {name: {"p95_ms": 2.0, "p50_ms": 1.0} for name in chosen}
        mix = {"p95_ms": 3.0, "p50_ms": 1.0, "errors": 0, "shed": 0}
        return {
            "first_after_start": {name: {"ms": 5.0} for name in chosen},
            "later": later,
            "mix_1": mix,
            "mix_16": mix,
        }

    def no_ingest(*_args, **_kwargs):
        raise AssertionError("--store ingests no corpus")

    monkeypatch.setattr("bench.http.serving", serving)
    monkeypatch.setattr(pages, "measure_pages", measure_pages)
    monkeypatch.setattr("bench.measure.ingest", no_ingest)
    out = tmp_path / "figures.json"
    pages.main(["--store", str(source), "--load", "0", "--page-reps", "1", "--out", str(out)])

    assert len(measured) == 1
    store, chosen = measured[0]
    assert not store.exists()  # the temporary copy went with its folder
    assert {"dashboard", "report", "department"} <= set(chosen)  # picked from the copy's reports
    assert contents(source) == before
    printed = capsys.readouterr()
    assert json.loads(printed.out)["page_p95_ms"] == 2.0
    assert f"measuring a copy of {source}" in printed.err
    assert json.loads(out.read_text(encoding="utf-8"))["source"]["store"] == str(source)


def test_store_and_reports_together_are_refused(source, capsys):
    with pytest.raises(SystemExit) as exit:
        pages.main(["--store", str(source), "--reports", "3"])
    assert exit.value.code == 2 and "not both" in capsys.readouterr().err


def test_a_folder_that_is_no_store_is_refused_before_anything_is_copied(tmp_path, capsys):
    (tmp_path / "reports").mkdir()
    with pytest.raises(SystemExit) as exit:
        pages.main(["--store", str(tmp_path / "reports")])
    assert exit.value.code == 2 and "not an on-disk Oxigraph store" in capsys.readouterr().err


class _AlwaysBusy(http.server.BaseHTTPRequestHandler):
    """A server at capacity: every request a 503 asking to come back in a second."""

    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def busy_base():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysBusy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_polite_clients_wait_as_retry_after_asks(busy_base):
    """Told to come back in a second, a polite client asks about once a second (its first request,
    then after each wait, within 1.5 s: at most two), where the others ask again at once."""
    chosen = {"dashboard": ("/", {})}
    polite = pages.mix(busy_base, chosen, 4, 1.5, polite=True)
    eager = pages.mix(busy_base, chosen, 4, 1.5)
    assert polite["polite"] and not eager["polite"]
    assert polite["shed"] == polite["requests"] <= 2 * 4
    assert eager["shed"] == eager["requests"] > 10 * 4


def test_a_refusal_with_retry_after_is_counted_apart_from_errors(busy_base):
    """bench.http's cases (the endpoint, the saved-query API, the graph API) count a 503 with
    Retry-After as refused, the app's designed answer under load, and anything else but 200 as an
    error; a refusal without Retry-After (here: a server that is not there) is an error."""
    from bench import http

    busy = http.load(busy_base + "/sparql", {}, {}, clients=2, per_client=3)
    assert (busy["requests"], busy["refused"], busy["errors"]) == (6, 6, 0)
    assert busy["statuses"] == {"503+Retry-After": 6}
    gone = http.load("http://127.0.0.1:9/sparql", {}, {}, clients=1, per_client=1)
    assert (gone["refused"], gone["errors"]) == (0, 1)
