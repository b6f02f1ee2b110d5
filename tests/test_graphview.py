"""The graph views' pages and JSON endpoints (/graph), against a served app and the real store.

Every expected answer is computed independently of the view code: by SPARQL on a read-only
handle of the same store, by the saved queries, or from the installed pyvis package's files.
"""

from __future__ import annotations

import html
import io
import json
import re
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import networkx as nx
import pytest
import requests
from web_fixtures import build_store, serve

from graph.store import OxigraphStore, Term
from loaders.pipeline import load_text
from ontology import iris
from queries import catalog
from webapp.graphview import drawable

pytest_plugins = ("web_fixtures",)
QINGPU = Path(__file__).resolve().parents[1] / "samples" / "qingpu-civil-affairs-2026-02-13.txt"
PREFIXES = iris.sparql_prefixes()


def api(base_url: str, path: str, **params):
    response = requests.get(f"{base_url}/graph/api/{path}", params=params)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def shared_by(base_url: str, edge: dict, **filters) -> list[dict]:
    """The findings a drawn edge of the shared network lists when clicked (under `filters`)."""
    return api(base_url, "shared/edge", a=edge["from"], b=edge["to"], **filters)


def busiest_department(reader) -> str:
    rows = reader.select(
        PREFIXES
        + """SELECT ?org (COUNT(DISTINCT ?m) AS ?n) WHERE { ?i a rk:Involvement ; rk:agent ?org ; rk:measure ?m }
        GROUP BY ?org ORDER BY DESC(?n) ?org LIMIT 1"""
    ).rows
    return rows[0]["org"].value


def test_vis_network_is_served_from_the_pyvis_package(base_url):
    folder = resources.files("pyvis") / "lib" / "vis-9.1.2"
    for name in ("vis-network.min.js", "vis-network.css"):
        response = requests.get(f"{base_url}/graph/vis/{name}")
        assert response.status_code == 200
        assert response.content == (folder / name).read_bytes()
    assert requests.get(f"{base_url}/graph/vis/../__init__.py").status_code == 404


@pytest.mark.parametrize("path", ["/graph/", "/graph/shared", "/graph/construct?query=x"])
def test_pages_have_csp_and_only_own_scripts(base_url, path):
    response = requests.get(base_url + path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', response.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), "no inline script"
    assert "cdn" not in response.text.lower()


def test_expand_ships_every_neighbour_with_counts_before_expanding(base_url, reader):
    department = busiest_department(reader)
    measures = {
        r["m"].value
        for r in reader.select(
            PREFIXES + "SELECT ?org ?m WHERE { ?i rk:agent ?org ; rk:measure ?m }", {"org": Term("iri", department)}
        ).rows
    }
    reports = {
        r["r"].value
        for r in reader.select(
            PREFIXES + "SELECT ?org ?r WHERE { ?r rk:issuer|rk:inspector|rk:inspectedBody ?org }",
            {"org": Term("iri", department)},
        ).rows
    }
    start = api(base_url, "node", iri=department)["nodes"][0]
    assert start["kind"] == "department"
    assert start["counts"] == {"measure": len(measures), **({"report": len(reports)} if reports else {})}
    grown = every_page(base_url, department)
    assert [n["id"] for n in grown["nodes"]] == sorted(measures) + sorted(reports), "by kind, then IRI"
    roles = {e["role"] for e in grown["edges"]}
    assert roles <= {"lead", "partner", "target", "mentioned", "issuer", "inspector", "inspectedBody"} and roles
    measure = next(n for n in grown["nodes"] if n["kind"] == "measure")
    assert measure["counts"]["finding"] == 1 and measure["counts"]["department"] >= 1


def every_page(base_url: str, node: str) -> dict:
    """A node's neighbours as the page collects them, clicking again while there are more."""
    pages = [api(base_url, "expand", iri=node, have=1)]
    while pages[-1]["next"] is not None:
        assert pages[-1]["left_out"] == pages[-1]["total"] - pages[-1]["next"] > 0
        pages.append(api(base_url, "expand", iri=node, have=1, offset=pages[-1]["next"]))
    assert pages[-1]["left_out"] == 0
    return {key: [item for page in pages for item in page[key]] for key in ("nodes", "edges")}


def test_a_busy_node_comes_a_page_at_a_time_with_the_total(web_store, reader):
    department = busiest_department(reader)
    with serve({"STORE": str(web_store), "GRAPH_EXPAND_PAGE": 7}) as url:
        first = api(url, "expand", iri=department, have=1)
        everything = every_page(url, department)
    assert len(first["nodes"]) == 7 and first["next"] == 7
    assert first["total"] == len(everything["nodes"]) > 7
    assert first["left_out"] == first["total"] - 7
    assert len({n["id"] for n in everything["nodes"]}) == first["total"], "no neighbour twice"


def test_details_give_the_stored_evidence_sentence(base_url, reader):
    department = busiest_department(reader)
    edge = api(base_url, "expand", iri=department, have=1)["edges"][0]
    found = api(base_url, "details", iri=[edge["from"], edge["via"]])
    expected = reader.select(
        PREFIXES + "SELECT ?x ?s WHERE { ?x rk:evidence/rk:sentence ?s }", {"x": Term("iri", edge["via"])}
    ).rows
    assert [e["sentence"] for e in found[edge["via"]]] == [r["s"].value for r in expected]
    assert found[edge["from"]], "a measure has its own evidence"
    assert api(base_url, "details", iri=["not an iri", "https://example.org/a b"]) == {}
    structure = next(e for e in api(base_url, "expand", iri=edge["from"], have=1)["edges"] if e["role"] == "part")
    assert structure["via"] is None


def test_node_cap_is_never_exceeded(web_store, reader):
    with serve({"STORE": str(web_store), "GRAPH_VIEW_MAX_NODES": 5}) as url:
        everything = requests.get(url + "/graph/api/all")
        assert everything.status_code == 413
        refusal = everything.json()
        assert refusal["error"] == "node-cap" and "GRAPH_VIEW_MAX_NODES" in refusal["message"]
        assert refusal["cap"] == 5 and refusal["count"] > 5, "the page says it in its own words from these"
        cut = requests.get(url + "/graph/api/all", params={"cut": 1}).json()
        kept = {n["id"] for n in cut["nodes"]}
        assert len(kept) == 5 and cut["total"] == refusal["count"]
        assert cut["left_out"]["nodes"] == cut["total"] - 5
        assert all(e["from"] in kept and e["to"] in kept for e in cut["edges"])
        assert cut["left_out"]["edges"] > 0
        assert busiest_department(reader) in kept, "the most connected nodes are the ones drawn"
        grown = requests.get(url + "/graph/api/expand", params={"iri": busiest_department(reader), "have": 3}).json()
        assert len(grown["nodes"]) <= 2
        assert grown["left_out"] == grown["total"] - len(grown["nodes"]) > 0


def test_whole_graph_with_the_cap_lifted(web_store, reader):
    with serve({"STORE": str(web_store), "GRAPH_VIEW_MAX_NODES": 100000}) as url:
        data = requests.get(url + "/graph/api/all").json()
    kinds = Counter(n["kind"] for n in data["nodes"])
    count = {
        kind: reader.select(PREFIXES + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}").rows[0]["n"].value
        for kind, cls in {"finding": "rk:Finding", "measure": "rk:Measure", "document": "rk:NamedDocument"}.items()
    }
    assert {k: str(kinds[k]) for k in count} == count
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])


def test_shared_view_matches_the_saved_query(base_url, reader):
    data = api(base_url, "shared")
    rows = catalog.get("shared-responsibility").run(reader).rows
    pairs = {frozenset((r["dept_a"].value, r["dept_b"].value)): int(r["findings"].value) for r in rows}
    numbers = {frozenset((r["dept_a"].value, r["dept_b"].value)): r["finding_numbers"].value.split() for r in rows}
    label = {n["id"]: n["label"] for n in data["nodes"]}
    assert set(label.values()) == {name for pair in pairs for name in pair}
    drawn = {frozenset((label[e["from"]], label[e["to"]])): e["findings"] for e in data["edges"]}
    assert drawn == pairs
    for edge in data["edges"]:
        listed = [f["number"] for f in shared_by(base_url, edge)]
        assert sorted(listed) == sorted(numbers[frozenset((label[edge["from"]], label[edge["to"]]))])
    assert "shared" not in data["edges"][0], "an edge's findings come when it is clicked"
    unshared = {"a": data["nodes"][0]["id"], "b": data["nodes"][0]["id"]}
    assert requests.get(base_url + "/graph/api/shared/edge", params=unshared).status_code == 404
    strength = Counter()
    for edge in data["edges"]:
        strength[edge["from"]] += edge["findings"]
        strength[edge["to"]] += edge["findings"]
    assert {n["id"]: n["weighted_degree"] for n in data["nodes"]} == dict(strength)


def test_shared_view_draws_the_departments_sharing_the_most(base_url):
    """A network too big to read is cut to the `top` departments sharing the most findings and the
    pairs among them, the rest counted; sizes stay those of the whole network."""
    whole = api(base_url, "shared")
    assert whole["left_out"] == {"nodes": 0, "edges": 0} and whole["total"] == len(whole["nodes"]) > 3
    strength = {n["id"]: n["weighted_degree"] for n in whole["nodes"]}
    expected = sorted(strength, key=lambda n: (-strength[n], n))[:3]
    cut = api(base_url, "shared", top=3)
    assert sorted(n["id"] for n in cut["nodes"]) == sorted(expected)
    among = {e["id"] for e in whole["edges"] if e["from"] in expected and e["to"] in expected}
    assert {e["id"] for e in cut["edges"]} == among
    assert cut["total"] == len(whole["nodes"])
    assert cut["left_out"] == {"nodes": len(whole["nodes"]) - 3, "edges": len(whole["edges"]) - len(among)}
    assert all(n["weighted_degree"] == strength[n["id"]] for n in cut["nodes"])
    least = min(strength, key=lambda n: (strength[n], n))
    assert [n["id"] for n in api(base_url, "shared", department=least, top=1)["nodes"]] == [least], "chosen: drawn"
    assert requests.get(base_url + "/graph/api/shared", params={"top": "many"}).status_code == 400


def test_shared_view_focused_on_one_department(base_url):
    everything = api(base_url, "shared")
    centre = max(everything["nodes"], key=lambda n: n["weighted_degree"])
    partners = {
        e["to"] if e["from"] == centre["id"] else e["from"]
        for e in everything["edges"]
        if centre["id"] in (e["from"], e["to"])
    }
    focused = api(base_url, "shared", department=centre["label"])
    assert {n["id"] for n in focused["nodes"]} == partners | {centre["id"]}
    assert requests.get(base_url + "/graph/api/shared", params={"department": "没有这个部门"}).status_code == 404


def test_trace_is_the_findings_measures_departments_and_documents(base_url, reader):
    finding = (
        reader.select(PREFIXES + "SELECT ?f WHERE { ?c rk:measure/rk:finding ?f ; a rk:Citation } ORDER BY ?f LIMIT 1")
        .rows[0]["f"]
        .value
    )
    trace = catalog.get("finding-trace").run(reader, {"finding": finding}).rows
    data = api(base_url, "trace", finding=finding)
    drawn = Counter(n["kind"] for n in data["nodes"])
    assert drawn["finding"] == 1
    assert drawn["measure"] == len({r["measure"].value for r in trace if r["kind"].value == "measure"})
    labels = {n["kind"]: set() for n in data["nodes"]}
    for n in data["nodes"]:
        labels[n["kind"]].add(n["label"])
    assert labels["document"] == {r["item"].value for r in trace if r["kind"].value == "document"}
    assert {e["role"] for e in data["edges"]} >= {"lead"}
    assert (
        requests.get(base_url + "/graph/api/trace", params={"finding": busiest_department(reader)}).status_code == 400
    )


def test_construct_answers_become_graphs(base_url, reader):
    query = (
        PREFIXES
        + "CONSTRUCT { ?m rk:finding ?f . ?f a rk:Finding ; dcterms:title ?t }"
        + " WHERE { ?m rk:finding ?f . ?f dcterms:title ?t } LIMIT 30"
    )
    data = api(base_url, "construct", query=query)
    answer = reader.construct(query)
    nodes = {str(s) for s, _, _ in answer} | {str(o) for _, p, o in answer if str(p).endswith("#finding")}
    assert {n["id"] for n in data["nodes"]} == nodes
    findings = [n for n in data["nodes"] if n["kind"] == "finding"]
    assert findings and all(n["label"] and n["url"].startswith("/id/") for n in findings)
    select = requests.get(base_url + "/graph/api/construct", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
    assert select.status_code == 400 and select.json()["error"] == "bad-request"
    service = requests.get(
        base_url + "/graph/api/construct",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"},
    )
    assert service.status_code == 400 and service.json()["error"] == "service-not-allowed"


def test_drawable_knows_graph_queries():
    assert drawable("PREFIX x: <http://e/select> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert drawable("# SELECT in a comment\nDESCRIBE <http://e/x>")
    assert not drawable('SELECT ?s WHERE { ?s ?p "CONSTRUCT" }')


def test_entity_pages_link_to_the_graph(base_url, reader):
    finding = reader.select(PREFIXES + "SELECT ?f WHERE { ?f a rk:Finding } LIMIT 1").rows[0]["f"].value
    page = requests.get(base_url + "/id/" + finding[len(iris.ID) :], headers={"Accept": "text/html"}).text
    links = {unquote(h) for h in re.findall(r'href="(/graph/[^"]+)"', page)}
    assert f"/graph/?start={finding}" in links and f"/graph/trace?finding={finding}" in links
    department = busiest_department(reader)
    page = requests.get(base_url + "/id/" + department[len(iris.ID) :], headers={"Accept": "text/html"}).text
    assert "show-in-graph" in page


def test_shared_view_filtered_by_report_place_and_least_shared(base_url, reader):
    everything = api(base_url, "shared")
    report = everything["reports"][0]["id"]
    in_report = {
        r["f"].value
        for r in reader.select(PREFIXES + "SELECT ?r ?f WHERE { ?f rk:report ?r }", {"r": Term("iri", report)}).rows
    }
    expected = {}
    for edge in everything["edges"]:
        kept = [f["iri"] for f in shared_by(base_url, edge) if f["iri"] in in_report]
        if len(kept) >= 2:
            expected[frozenset((edge["from"], edge["to"]))] = len(kept)
    filtered = api(base_url, "shared", report=report, min=2)
    assert {frozenset((e["from"], e["to"])): e["findings"] for e in filtered["edges"]} == expected and expected
    for edge in filtered["edges"]:
        assert {f["iri"] for f in shared_by(base_url, edge, report=report)} <= in_report
    assert {n["id"] for n in filtered["nodes"]} == {n for pair in expected for n in pair}
    place = (
        reader.select(PREFIXES + "SELECT ?r ?p WHERE { ?r rk:jurisdiction/rdfs:label ?p }", {"r": Term("iri", report)})
        .rows[0]["p"]
        .value
    )
    assert place in everything["places"]
    assert api(base_url, "shared", place=place, min=2)["edges"] == filtered["edges"], "one report per place here"
    centre = max(filtered["nodes"], key=lambda n: n["weighted_degree"])
    focused = api(base_url, "shared", report=report, min=2, department=centre["id"])
    assert [n["id"] for n in focused["nodes"] if n["centre"]] == [centre["id"]]
    assert requests.get(base_url + "/graph/api/shared", params={"min": "two"}).status_code == 400
    assert requests.get(base_url + "/graph/api/shared", params={"role": "target"}).status_code == 400


def test_shared_view_by_role(base_url, reader):
    """With a department chosen, the findings it leads (or partners on); else those either leads."""
    everything = api(base_url, "shared")
    centre = max(everything["nodes"], key=lambda n: n["weighted_degree"])["id"]
    roles = {
        (r["org"].value, r["f"].value)
        for r in reader.select(
            PREFIXES + "SELECT DISTINCT ?org ?f WHERE { ?i rk:agent ?org ; rk:role rk:lead ; rk:measure/rk:finding ?f }"
        ).rows
    }
    for chosen in (centre, ""):
        expected = {}
        for edge in everything["edges"]:
            pair = (edge["from"], edge["to"])
            holders = [chosen] if chosen in pair else pair
            led = [f["iri"] for f in shared_by(base_url, edge) if any((d, f["iri"]) in roles for d in holders)]
            if led and (not chosen or chosen in pair):
                expected[frozenset(pair)] = len(led)
        drawn = api(base_url, "shared", role="lead", **({"department": chosen} if chosen else {}))["edges"]
        if chosen:
            drawn = [e for e in drawn if chosen in (e["from"], e["to"])]
        assert {frozenset((e["from"], e["to"])): e["findings"] for e in drawn} == expected and expected
        chosen_only = {"role": "lead", **({"department": chosen} if chosen else {})}
        assert all(len(shared_by(base_url, e, **chosen_only)) == e["findings"] for e in drawn)


def test_exports_are_what_was_posted_and_the_dashboard_picture(base_url):
    shown = api(base_url, "shared", min=2)
    posted = {"view": "shared", "nodes": shown["nodes"], "edges": shown["edges"]}
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        response = requests.post(f"{base_url}/graph/api/export.{fmt}", json=posted)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f"attachment; filename=rectkg-shared.{fmt}"
        graph = read(io.BytesIO(response.content))
        assert set(graph.nodes) == {n["id"] for n in shown["nodes"]}
        assert graph.number_of_edges() == len(shown["edges"])
        assert {d["label"] for _, d in graph.nodes(data=True)} == {n["label"] for n in shown["nodes"]}
    assert requests.post(f"{base_url}/graph/api/export.dot", json=posted).status_code == 404
    picture = requests.get(base_url + "/graph/shared.svg")
    assert picture.headers["Content-Type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(picture.content)
    names = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    busiest = max(api(base_url, "shared")["nodes"], key=lambda n: n["weighted_degree"])["label"]
    assert busiest in names
    dashboard = requests.get(base_url + "/").text
    assert 'href="/graph/shared"' in dashboard and 'src="/graph/shared.svg' in dashboard
    assert 'id="nav-graph" ' in dashboard or 'id="nav-graph">' in dashboard


def test_the_explorer_opens_on_the_most_shared_department_and_names_no_internals(base_url):
    shared = api(base_url, "shared")
    busiest = max(shared["nodes"], key=lambda n: (n["weighted_degree"], n["label"]))
    for lang in ("zh", "en"):
        page = requests.get(base_url + "/graph/", params={"lang": lang}).text
        params = json.loads(html.unescape(re.search(r'data-params="([^"]*)"', page).group(1)))
        words = " ".join(json.loads(html.unescape(re.search(r'data-words="([^"]*)"', page).group(1))).values())
        assert params["start"] == busiest["id"]
        assert "GRAPH_VIEW_MAX_NODES" not in words and "triangleDown" not in words
        if lang == "zh":  # no English but the names of formats; {fields} are filled in by the page
            assert set(re.findall(r"[A-Za-z_]+", re.sub(r"\{\w+\}", "", words))) <= {"PNG", "GraphML", "GEXF"}
    assert json.loads(
        html.unescape(re.search(r'data-params="([^"]*)"', requests.get(base_url + "/graph/?start=").text).group(1))
    ) == {"start": ""}, "a cleared explorer stays empty"


TOKEN = "graph-admin-token"


def put_again(url: str):
    """Write a second copy of the sample report under another title (the same departments, so
    every pair shares twice the findings) through the served app, as an ingest does."""
    text = QINGPU.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if "的通报" in line)
    again = load_text(text.replace(title, title.replace("关于", "关于第二批"), 1), "again.txt", "utf-8")
    put = requests.put(
        url + "/admin/graphs",
        params={"graph": again.graph_iri},
        data=again.graph.serialize(format="nt").encode(),
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 204, put.text


def test_the_explorer_answers_for_the_store_as_written(tmp_path, qingpu):
    """A department's edges and summary are kept between clicks, never past a write: a second
    report naming the same departments shows in the very next expansion."""
    store = build_store(tmp_path / "store", qingpu)
    department = busiest_department(OxigraphStore(store, read_only=True))
    with serve({"STORE": str(store), "ADMIN_TOKEN": TOKEN}) as url:
        before = api(url, "node", iri=department)["nodes"][0]["counts"]
        first = api(url, "expand", iri=department, have=1)
        put_again(url)
        after = api(url, "node", iri=department)["nodes"][0]["counts"]
        grown = api(url, "expand", iri=department, have=1)
    assert after["measure"] == 2 * before["measure"]
    assert grown["total"] > first["total"]


def test_the_network_after_a_write_is_the_one_before_until_the_new_one_is_built(tmp_path, qingpu):
    """The shared network reads the whole corpus: right after a write it is answered at once from
    the network before it, marked stale, while the warm-up builds the new one, which then serves."""
    store = build_store(tmp_path / "store", qingpu)
    with serve({"STORE": str(store), "ADMIN_TOKEN": TOKEN}) as url:
        before = api(url, "shared")
        assert before["stale"] is False
        put_again(url)
        meanwhile = api(url, "shared")
        deadline = time.monotonic() + 60
        after = meanwhile
        while after["stale"] and time.monotonic() < deadline:
            time.sleep(0.2)
            after = api(url, "shared")
    weights = {e["id"]: e["findings"] for e in before["edges"]}
    assert meanwhile["stale"] is True and {e["id"]: e["findings"] for e in meanwhile["edges"]} == weights
    assert after["stale"] is False
    assert {e["id"]: e["findings"] for e in after["edges"]} == {k: 2 * v for k, v in weights.items()} and weights
