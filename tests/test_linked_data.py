"""Linked Data as clients read it: compact JSON-LD with the vocabulary's context (on /id/…, on
/sparql CONSTRUCT answers and from `rectkg export`), read back as plain JSON (short keys) and by
rdflib (the same graph as the Turtle answer); and entity descriptions both ways (a report lists
its findings, a finding its measures), within MAX_GRAPH_NODES."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.compare import isomorphic
from web_fixtures import serve

from graph.store import OxigraphStore
from ontology import context, iris
from ontology.validate import ontology
from rectkg.cli import main

pytest_plugins = ("web_fixtures",)
RK = iris.RK
JSONLD = "application/ld+json"


@pytest.fixture(scope="module")
def entities(reader) -> dict[str, str]:
    """A finding with measures, its report, and a finding's measure."""
    row = reader.select(
        iris.sparql_prefixes()
        + "SELECT ?finding ?report ?measure WHERE { ?measure rk:finding ?finding . ?finding rk:report ?report } LIMIT 1"
    ).rows[0]
    return {name: term.value for name, term in row.items()}


def url_of(base_url: str, iri: str) -> str:
    return base_url + urlsplit(iri).path.removeprefix("/rectkg")


def nodes(document: dict) -> list[dict]:
    return document.get("@graph", [document])


def keys_of(document: dict) -> set[str]:
    return {key for node in nodes(document) for key in node}


def test_the_context_is_made_from_the_ontology_and_served(base_url):
    terms = context.context()
    vocabulary = ontology()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in vocabulary.subjects(RDF.type, kind):
            if str(term).startswith(str(RK)):
                name = str(term)[len(str(RK)) :]
                defined = terms[name]
                assert (defined if isinstance(defined, str) else defined["@id"]) == f"rk:{name}"
    assert terms["title"] == {"@id": "dcterms:title"}  # plain on reports, Chinese on findings: not coerced
    assert terms["finding"] == {"@id": "rk:finding", "@type": "@id"}
    assert terms["prefLabel"] == {"@id": "skos:prefLabel", "@language": "zh"}
    served = requests.get(base_url + context.PATH, timeout=30)
    assert served.headers["Content-Type"].startswith(JSONLD)
    assert served.json() == context.document()


@pytest.mark.parametrize("accept", [JSONLD, "application/json"])
def test_entity_json_ld_is_compact_and_the_graph_the_turtle_is(base_url, entities, accept):
    for iri in (entities["finding"], entities["report"]):
        url = url_of(base_url, iri)
        answer = requests.get(url, headers={"Accept": accept}, timeout=60)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(JSONLD)
        document = answer.json()
        assert document["@context"] == context.context()
        keys = keys_of(document)
        assert "title" in keys and not any("/" in key for key in keys), keys
        turtle = requests.get(url, headers={"Accept": "text/turtle"}, timeout=60).text
        as_turtle = Graph().parse(data=turtle, format="turtle")
        assert isomorphic(Graph().parse(data=answer.text, format="json-ld"), as_turtle)


def test_a_finding_reads_as_plain_json(base_url, entities):
    document = requests.get(url_of(base_url, entities["finding"]), headers={"Accept": JSONLD}, timeout=60).json()
    finding = next(node for node in nodes(document) if node["@id"] == entities["finding"])
    assert finding["@type"] == "Finding"
    assert finding["report"] == entities["report"]
    assert isinstance(finding["title"], dict) and finding["title"]["@language"] == "zh"
    measure = next(node for node in nodes(document) if node["@id"] == entities["measure"])
    assert measure["finding"] == entities["finding"]  # an incoming link, read in the measure's node


def test_sparql_construct_in_json_ld_is_compact(base_url, entities):
    finding = entities["finding"]
    query = iris.sparql_prefixes() + f"CONSTRUCT {{ ?m ?p ?o }} WHERE {{ ?m rk:finding <{finding}> ; ?p ?o }}"
    answers = {
        accept: requests.get(base_url + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60)
        for accept in (JSONLD, "text/turtle")
    }
    document = answers[JSONLD].json()
    assert "@context" in document and {"finding", "ordinal", "text"} <= keys_of(document)
    assert not any("/" in key for key in keys_of(document))
    assert isomorphic(
        Graph().parse(data=answers[JSONLD].text, format="json-ld"),
        Graph().parse(data=answers["text/turtle"].text, format="turtle"),
    )


def test_export_json_ld_is_compact_and_the_whole_store(tmp_path, qingpu):
    path = tmp_path / "store"
    store = OxigraphStore(path)
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.close()
    del store
    exported = CliRunner().invoke(main, ["--store", str(path), "export", "--format", "json-ld"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout_bytes)
    assert {"title", "finding", "measure", "agent", "role"} <= keys_of(document)
    assert isomorphic(Graph().parse(data=exported.stdout_bytes, format="json-ld"), qingpu.graph)


def test_a_report_lists_its_findings_and_a_finding_its_measures(base_url, reader, entities):
    def described(iri: str) -> Graph:
        answer = requests.get(url_of(base_url, iri), headers={"Accept": "application/n-triples"}, timeout=60)
        return Graph().parse(data=answer.text, format="nt")

    prefixes = iris.sparql_prefixes()
    report, finding = URIRef(entities["report"]), URIRef(entities["finding"])
    in_report = reader.select(prefixes + f"SELECT ?f {{ ?f a rk:Finding ; rk:report <{report}> }}").rows
    findings = {r["f"].value for r in in_report}
    measures = {r["m"].value for r in reader.select(prefixes + f"SELECT ?m {{ ?m rk:finding <{finding}> }}").rows}
    assert len(findings) > 1 and len(measures) > 1
    assert {str(s) for s in described(report).subjects(RK.report, report)} >= findings
    assert {str(s) for s in described(finding).subjects(RK.finding, finding)} == measures


def test_incoming_links_stop_at_the_node_cap(web_store, tmp_path, entities):
    """A report has hundreds of links into it (its evidence names it as source): the cap holds, and says so."""
    copy = tmp_path / "store"
    shutil.copytree(web_store, copy)
    with serve({"STORE": str(copy), "MAX_GRAPH_NODES": 100, "QUERY_WORKERS": 2, "SPARQL_WORKERS": 1}) as url:
        answer = requests.get(url_of(url, entities["report"]), headers={"Accept": "text/turtle"}, timeout=60)
    graph = Graph().parse(data=answer.text, format="turtle")
    assert answer.status_code == 200 and len(graph) == 100
    assert answer.headers["X-Rectkg-Truncated"] == "100"
    assert "MAX_GRAPH_NODES" in answer.headers["X-Rectkg-Truncated-Reason"]
    report = URIRef(entities["report"])
    assert len(set(graph.subjects(RK.report, report))) > 10
    # Structure first, evidence's rk:source last: what names the report as source is its own evidence only.
    assert set(graph.subjects(RK.source, report)) <= set(graph.objects(report, RK.evidence))
