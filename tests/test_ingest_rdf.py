"""`rectkg ingest` loads RDF files as they are (a user's reference data), beside reports: named
graphs from `--graph` or the file's name, quads in their own graphs, all or none per file, again
without duplicates, malformed files named with their line, and through a running server too.

The command runs in this process (click's runner: a real on-disk store, no process start-up per
call, which made these tests 70 s); tests/test_ingest_cli.py runs it as its own process.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from servers import OxigraphServer, canary
from web_fixtures import serve

from graph.store import OxigraphStore
from ontology import iris
from rectkg.cli import main
from tests.conftest import QINGPU

DATA = iris.GRAPH + "data/"
COUNT_BY_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

BODIES_TTL = """@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<body/1> a org:Organization ; skos:prefLabel "青浦区民政局"@zh ;
  <http://example.org/seat> [ <http://example.org/room> 1 ] .
"""
REGISTER_TRIG = """@prefix dcterms: <http://purl.org/dc/terms/> .
<http://example.org/register/2024> { <http://example.org/doc/1> dcterms:title "关于加强养老服务的意见" . }
<http://example.org/register/2025> { <http://example.org/doc/2> dcterms:title "社会救助办法" . }
<http://example.org/doc/1> dcterms:issued "2024" .
"""
SEATS_JSONLD = """{"@context": {"room": "http://example.org/room"}, "@id": "http://example.org/seat/9", "room": 7}"""
SEATS_RDFXML = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/seat/8"><ex:room>5</ex:room></rdf:Description>
</rdf:RDF>
"""
PLAIN_NT = '<http://example.org/a> <http://example.org/b> _:x .\n_:x <http://example.org/c> "c" .\n'


def rectkg(store: Path, *args: object) -> tuple[int, str, str]:
    done = CliRunner().invoke(main, ["--store", str(store), *map(str, args)], terminal_width=400)
    gc.collect()  # the command's store is closed: let go of its lock for the next one
    return done.exit_code, done.stdout, done.stderr


def counts(store_path: Path) -> dict[str, int]:
    store = OxigraphStore(store_path, read_only=True)
    try:
        rows = store.select(COUNT_BY_GRAPH).rows
    finally:
        store.close()
        del store
        gc.collect()
    return {r["g"].value: int(r["n"].value) for r in rows if r["g"].value != iris.AGGREGATES}


def nquads(store_path: Path) -> bytes:
    store = OxigraphStore(store_path, read_only=True)
    try:
        return store.export("nquads")
    finally:
        store.close()
        del store
        gc.collect()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A report and one file in each RDF format, two of them with a blank node labelled alike."""
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(QINGPU, root / "qingpu.txt")
    (root / "bodies.ttl").write_text(BODIES_TTL, encoding="utf-8")
    (root / "register.trig").write_text(REGISTER_TRIG, encoding="utf-8")
    (root / "seats.jsonld").write_text(SEATS_JSONLD, encoding="utf-8")
    (root / "more-seats.rdf").write_text(SEATS_RDFXML, encoding="utf-8")
    (root / "plain.nt").write_text(PLAIN_NT, encoding="utf-8")
    (root / "plain-again.nq").write_text(PLAIN_NT, encoding="utf-8")  # same bytes: not skipped as a copy
    return root


def test_a_folder_of_reports_and_rdf_loads_each_into_its_graphs_and_again_without_duplicates(tmp_path, folder):
    store = tmp_path / "store"
    code, out, err = rectkg(store, "ingest", folder)
    assert code == 0, err
    assert f"{folder / 'bodies.ttl'}: 4 triples → <{DATA}bodies>" in out
    assert f"{folder / 'register.trig'}: 3 triples → " in out
    first = counts(store)
    report_graph = next(g for g in first if not g.startswith(DATA) and g.startswith(iris.GRAPH))
    assert first == {
        report_graph: first[report_graph],
        DATA + "bodies": 4,
        DATA + "register": 1,  # the default graph's triple
        "http://example.org/register/2024": 1,
        "http://example.org/register/2025": 1,
        DATA + "seats": 1,
        DATA + "more-seats": 1,
        DATA + "plain": 2,
        DATA + "plain-again": 2,
    }
    # Relative IRIs resolve against the graph's IRI (never the folder); two files' _:x stay two nodes.
    code, out, _ = rectkg(store, "query", "SELECT ?s WHERE { ?s a org:Organization }", "--format", "csv")
    assert f"{DATA}body/1" in out.split()
    code, out, _ = rectkg(store, "query", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?a <http://example.org/b> ?x }")
    assert "2" in out

    code, _, err = rectkg(store, "ingest", folder)  # again: the same graphs, replaced, not added to
    assert code == 0, err
    assert counts(store) == first


def test_graph_option_names_the_one_triples_file_and_internal_graphs_are_refused(tmp_path, folder):
    store = tmp_path / "store"
    code, out, err = rectkg(store, "ingest", "--graph", "http://example.org/bodies", folder / "bodies.ttl")
    assert code == 0, err
    assert counts(store) == {"http://example.org/bodies": 4}
    # The shapes describe what rectkg reads from reports; a directory of bodies need not carry rk:orgType.
    code, out, err = rectkg(store, "validate")
    assert code == 0 and "not checked: 1 graphs of loaded RDF" in out, err
    code, _, err = rectkg(
        store, "ingest", "--graph", "http://example.org/x", folder / "bodies.ttl", folder / "plain.nt"
    )
    assert code == 2 and "--graph names the graph of one RDF file, and 2 were given" in err
    code, _, err = rectkg(store, "ingest", "--graph", iris.AGGREGATES, folder / "bodies.ttl")
    assert code == 1 and "one of rectkg's own graphs" in " ".join(err.split())
    code, out, _ = rectkg(store, "remove", "http://example.org/bodies")
    assert code == 0 and counts(store) == {}
    code, out, _ = rectkg(store, "ingest", "--graph", "urn:x:bodies", folder / "bodies.ttl")
    assert code == 0 and "→ <urn:x:bodies>" in out  # printed as given: rich would draw ":x:" as an emoji


def test_a_malformed_file_is_named_with_its_line_and_leaves_the_store_as_it_was(tmp_path, folder):
    store = tmp_path / "store"
    assert rectkg(store, "ingest", folder / "register.trig")[0] == 0
    before = nquads(store)
    broken = tmp_path / "register.trig"  # its first graph is fine, the second is not: nothing is written
    broken.write_text(REGISTER_TRIG.replace('"社会救助办法" .', '"社会救助办法" "two objects" .'), encoding="utf-8")
    remote = tmp_path / "remote.jsonld"
    with canary() as (address, heard):
        remote.write_text(f'{{"@context": "{address}/context.jsonld", "@id": "http://e/a", "p": 1}}')
        code, out, err = rectkg(store, "ingest", broken, remote, folder / "bodies.ttl")
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith(f"failed: {broken}: not valid trig: Parser error at line 3") for line in lines), err
    assert any(line.startswith(f"failed: {remote}: ") and "remote context" in line for line in lines), err
    assert heard == []  # a JSON-LD file's remote context is refused, never fetched
    assert f"{folder / 'bodies.ttl'}: 4 triples" in out  # the other file loads
    after = nquads(store)
    assert sorted(after.splitlines()) == sorted(
        before.splitlines() + [line for line in after.splitlines() if b"/graph/data/bodies>" in line]
    )


def test_rdf_is_handed_to_a_running_server_all_or_none(tmp_path, folder):
    store = tmp_path / "store"
    with serve({"STORE": str(store), "QUERY_WORKERS": 2, "SPARQL_WORKERS": 1}) as url:
        for _ in range(2):  # the second time replaces the first
            code, _, err = rectkg(store, "ingest", folder / "register.trig", folder / "bodies.ttl")
            assert code == 0, err
        answer = requests.get(url + "/sparql", params={"query": COUNT_BY_GRAPH, "format": "json"}, timeout=30)
        served = {b["g"]["value"]: int(b["n"]["value"]) for b in answer.json()["results"]["bindings"]}
        assert served == {
            DATA + "bodies": 4,
            DATA + "register": 1,
            "http://example.org/register/2024": 1,
            "http://example.org/register/2025": 1,
        }
        code, _, _ = rectkg(store, "remove", "http://example.org/register/2025")
        assert code == 0
        answer = requests.get(url + "/sparql", params={"query": COUNT_BY_GRAPH, "format": "json"}, timeout=30)
        assert len(answer.json()["results"]["bindings"]) == 3


def test_on_a_sparql_server_store_data_graphs_must_be_rectkg_document_graphs(tmp_path, folder, monkeypatch):
    """A SPARQL server's dataset is the graphs under graph/ (its own graphs are not rectkg's): data
    named elsewhere would be written and never seen, so it is refused before anything is written."""
    server = OxigraphServer(tmp_path / "oxigraph").start()
    try:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        code, _, err = rectkg(server.url, "ingest", "--graph", "http://example.org/bodies", folder / "bodies.ttl")
        assert code == 1 and "invisible to queries on a SPARQL server store" in " ".join(err.split())
        ask = {"query": "ASK { GRAPH ?g { ?s ?p ?o } }"}
        answer = requests.get(server.url + "/query", params=ask, headers={"Accept": "application/sparql-results+json"})
        assert answer.json()["boolean"] is False  # nothing was written
    finally:
        server.stop()
