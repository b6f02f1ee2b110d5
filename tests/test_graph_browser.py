"""The graph views in headless Chromium (Debian's, driven by Playwright) against a served app.

Clicks are real mouse clicks at the position vis-network drew a node or edge at; counts are read
from the page's status line and the drawn data set, and compared with the store, the saved
queries or the JSON the server announced. Every request outside the app's origin is aborted and
fails the test (the `visit` fixture of test_browser).
"""

from __future__ import annotations

import gc
import re
import struct
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import networkx as nx
import pytest
import requests
from playwright.sync_api import Page, expect
from test_browser import browser, same_origin_only, visit  # noqa: F401 - fixtures
from web_fixtures import build_store, page_at, serve

from graph.store import OxigraphStore, Term
from loaders.pipeline import load_text
from ontology import iris
from queries import catalog

pytest_plugins = ("web_fixtures",)
PREFIXES = iris.sparql_prefixes()
FENGJIANG = Path(__file__).resolve().parents[1] / "samples" / "fengjiang-county-civil-affairs-2026-01-16.txt"
BIG_COPIES = 105  # x ~195 nodes each
HOSTILE = "<img src=x onerror=alert(1)> href"


def ready(page: Page) -> None:
    page.wait_for_selector("#graph-app[data-state=ready]")


def drawn(page: Page) -> int:
    return int(page.locator("#graph-status").get_attribute("data-nodes"))


def visible(page: Page) -> int:
    return int(page.locator("#graph-status").get_attribute("data-visible"))


def click_node(page: Page, node: str) -> None:
    """A real click where the network drew the node (after the layout has settled)."""
    page.wait_for_function("() => document.getElementById('graph-app').dataset.stable !== '0'", timeout=20000)
    point = page.evaluate(
        """id => { const g = window.rectkgGraph;
                   return g.network.canvasToDOM(g.network.getPositions([id])[id]); }""",
        node,
    )
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def kinds_drawn(page: Page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries(window.rectkgGraph.nodes.get().map(n => [n.id, n.data.kind]))")


def visible_ids(page: Page) -> set[str]:
    return set(page.evaluate("() => window.rectkgGraph.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))


def query(page: Page) -> dict[str, list[str]]:
    """The page's URL parameters, where the view keeps its state."""
    return parse_qs(urlparse(page.url).query)


def a_department(base_url: str, least: int) -> str:
    """The department with the fewest neighbours, but at least `least` (a click visibly grows the drawing)."""
    nodes = requests.get(base_url + "/graph/api/all").json()["nodes"]
    sizes = [(sum(n["counts"].values()), n["id"]) for n in nodes if n["kind"] == "department"]
    return min(s for s in sizes if s[0] >= least)[1]


def test_explorer_expands_filters_details_and_exports(visit, base_url, reader, tmp_path):  # noqa: F811
    page, foreign = visit
    start = a_department(base_url, 5)
    page.goto(base_url + "/graph/?" + requests.compat.urlencode({"start": start}))
    ready(page)
    announced = int(page.locator("#details .detail-counts").get_attribute("data-total"))
    assert drawn(page) == 1
    click_node(page, start)
    page.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{1 + announced}'")
    assert drawn(page) == 1 + announced
    assert query(page)["start"] == query(page)["open"] == [start], "the URL holds what is drawn"
    legend = " ".join(page.locator("#legend li").all_inner_texts())
    assert all(word in legend for word in ("牵头", "配合", "监督对象", "提及", "整改措施", "部门"))
    shown = page.locator("#graph-app").inner_text()
    assert not re.search(r"triangleDown|GRAPH_VIEW_MAX_NODES|\bsize\b|colour", shown)

    roles = Counter(page.evaluate("() => window.rectkgGraph.edges.get().map(e => e.data.role)"))
    role = next(r for r, _ in roles.most_common() if r in ("lead", "partner", "target", "mentioned"))
    page.locator(f"#role-filters input[data-role={role}]").uncheck()
    assert page.evaluate("() => window.rectkgGraph.edges.get({filter: e => e.hidden}).length") == roles[role]
    assert query(page)["hide_role"] == [role]
    switch = parse_qs(urlparse(page.locator("a.lang-en").get_attribute("href")).query)
    assert switch == {**query(page), "lang": ["en"]}, "the language switch keeps the view's state"
    page.go_back()  # the filter is undone, the drawing rebuilt from the URL
    page.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{1 + announced}'")
    expect(page.locator(f"#role-filters input[data-role={role}]")).to_be_checked()
    assert "hide_role" not in query(page) and visible(page) == drawn(page)

    kinds = kinds_drawn(page)
    measures = [n for n, k in kinds.items() if k == "measure"]
    page.locator("#type-filters input[data-kind=measure]").uncheck()
    assert visible(page) == drawn(page) - len(measures)
    hidden = page.evaluate("ids => ids.every(id => window.rectkgGraph.nodes.get(id).hidden)", measures)
    assert hidden
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):  # exactly what is shown
        with page.expect_download() as download:
            page.locator(f"#export-{fmt}").click()
        saved = tmp_path / f"view.{fmt}"
        download.value.save_as(saved)
        assert set(read(saved).nodes) == visible_ids(page) == set(kinds) - set(measures)
    page.locator("#type-filters input[data-kind=measure]").check()
    assert visible(page) == drawn(page)

    categories = page.locator("#category-filters input")
    assert categories.count() >= 1
    categories.first.uncheck()
    assert visible(page) < drawn(page)
    categories.first.check()

    click_node(page, measures[0])
    sentence = page.locator("#details .node-evidence li").first
    expect(sentence).to_be_visible()
    stored = reader.select(
        PREFIXES + "SELECT ?x ?s WHERE { ?x rk:evidence/rk:sentence ?s }", {"x": Term("iri", measures[0])}
    )
    assert sentence.inner_text() in {r["s"].value for r in stored.rows}
    expect(page.locator("#details .edge-detail h4").first).not_to_be_empty()
    expect(page.locator("#details a", has_text="打开实体页")).to_have_attribute(
        "href", "/id/" + measures[0][len(iris.ID) :]
    )

    with page.expect_download() as download:
        page.locator("#export-png").click()
    png = tmp_path / "view.png"
    download.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    canvas = page.evaluate("() => { const c = document.querySelector('#graph canvas'); return [c.width, c.height]; }")
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert width == canvas[0] and height > canvas[1] * 1.1, "a title above the drawing and a legend below it"
    same_origin_only(foreign)


def test_shared_view_draws_every_sharing_department_and_lists_an_edges_findings(visit, base_url, reader):  # noqa: F811
    page, foreign = visit
    rows = catalog.get("shared-responsibility").run(reader).rows
    pairs = {frozenset((r["dept_a"].value, r["dept_b"].value)): r["finding_numbers"].value.split() for r in rows}
    page.goto(base_url + "/graph/shared")
    ready(page)
    labels = page.evaluate("() => window.rectkgGraph.nodes.get().map(n => n.data.label)")
    assert set(labels) == {name for pair in pairs for name in pair}
    expect(page.locator("#graph-message")).to_be_hidden()

    page.goto(base_url + "/graph/shared?top=2")  # cut to the two sharing most, and said so
    page.wait_for_function("() => window.rectkgGraph.nodes.length === 2")
    expect(page.locator("#graph-message")).to_contain_text(f"共有 {len(set(labels))} 个部门共同负责问题")
    expect(page.locator("#top-picker")).to_have_value("2")
    page.locator("#top-picker").select_option(page.locator("#top-picker").get_attribute("data-default"))
    page.wait_for_function("n => window.rectkgGraph.nodes.length === n", arg=len(set(labels)))
    expect(page.locator("#graph-message")).to_be_hidden()
    assert "top" not in query(page), "the default is left out of the address"

    busiest = Counter(name for pair in pairs for name in pair).most_common(1)[0][0]
    page.locator("#department-picker").select_option(label=busiest)
    partners = 1 + sum(1 for pair in pairs if busiest in pair)
    page.wait_for_function("n => window.rectkgGraph.nodes.length === n", arg=partners)
    ready(page)
    centre = page.evaluate("() => window.rectkgGraph.nodes.get({filter: n => n.data.centre})")
    assert [n["data"]["label"] for n in centre] == [busiest] and centre[0]["borderWidth"] > 1
    assert query(page)["department"] == [centre[0]["id"]]
    expect(page.locator("#details .detail-label")).to_have_text(busiest)
    page.locator("#least-picker").fill("2")
    page.locator("#least-picker").press("Enter")
    page.wait_for_function("() => (new URLSearchParams(location.search)).get('min') === '2'")
    ready(page)
    ego = {busiest} | {name for p in pairs if busiest in p and len(pairs[p]) >= 2 for name in p}
    labels = page.evaluate("() => window.rectkgGraph.nodes.get().map(n => n.data.label)")
    weights = page.evaluate("() => window.rectkgGraph.edges.get().map(e => e.data.findings)")
    assert set(labels) == ego and min(weights) >= 2
    assert len(weights) == sum(1 for p in pairs if p <= ego and len(pairs[p]) >= 2)
    page.go_back()
    page.wait_for_function("n => window.rectkgGraph.nodes.length === n", arg=partners)
    expect(page.locator("#least-picker")).to_have_value("1")
    ready(page)
    page.wait_for_function("() => document.getElementById('graph-app').dataset.stable !== '0'", timeout=20000)
    edge = page.evaluate(
        """() => { const g = window.rectkgGraph, net = g.network;
                   for (const e of g.edges.get()) {
                     const p = net.getPositions([e.from, e.to]);
                     const at = net.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2});
                     if (net.getNodeAt(at) === undefined && net.getEdgeAt(at) === e.id) return {id: e.id, at: at};
                   } }"""
    )
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + edge["at"]["x"], box["y"] + edge["at"]["y"])
    items = page.locator("#details .shared-list li")
    expect(items.first).to_be_visible()
    selected = page.evaluate("() => window.rectkgGraph.network.getSelectedEdges()[0]")
    ends = page.evaluate(
        """id => { const g = window.rectkgGraph, e = g.edges.get(id);
                   return [e.from, e.to].map(n => g.nodes.get(n).data.label); }""",
        selected,
    )
    numbers = [items.nth(i).get_attribute("data-number") for i in range(items.count())]
    assert sorted(numbers) == sorted(pairs[frozenset(ends)])
    assert items.first.locator("a").get_attribute("href").startswith("/id/")
    with page.expect_navigation():  # one click from the edge to the pair's dossier
        page.locator("#details a.dossier-link").click()
    assert sorted(page.locator("#dossier-title .party").all_inner_texts()) == sorted(ends)
    page.go_back()  # a new page from the URL: the same department chosen, the same drawing
    ready(page)
    assert page.evaluate("() => window.rectkgGraph.nodes.length") == partners
    expect(page.locator("#department-picker option:checked")).to_have_text(busiest)
    same_origin_only(foreign)


def test_a_construct_from_the_editor_shown_as_a_graph(visit, base_url, reader):  # noqa: F811
    page, foreign = visit
    query = PREFIXES + "CONSTRUCT { ?m rk:finding ?f } WHERE { ?m rk:finding ?f ; rk:ordinal 1 }"
    expected = {str(t) for triple in reader.construct(query) for t in (triple[0], triple[2])}
    page.goto(base_url + "/editor")
    page.evaluate("text => window.rectkgEditor.setValue(text)", query)
    page.locator("#show-as-graph").click()
    page.wait_for_url("**/graph/construct?**")
    ready(page)
    assert set(kinds_drawn(page)) == expected
    assert set(kinds_drawn(page).values()) == {"finding", "measure"}
    same_origin_only(foreign)


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    """A real sample with one finding's title rewritten to markup, loaded by the real loader."""
    text = FENGJIANG.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.startswith("1.关于"))
    loaded = load_text(text.replace(first, "1." + HOSTILE, 1), "hostile.txt", "utf-8")
    store = build_store(tmp_path_factory.mktemp("hostile") / "store", loaded)
    with serve({"STORE": str(store)}) as url:
        yield url


# A finding and a department on one of its measures that also works on another finding (so a
# click on it in the trace adds something), the one with the fewest other findings.
TRACE_EXPANDABLE = (
    PREFIXES
    + """
SELECT ?f ?d (COUNT(DISTINCT ?other) AS ?n) WHERE {
  ?i rk:agent ?d ; rk:measure/rk:finding ?f . ?d a org:Organization .
  ?j rk:agent ?d ; rk:measure/rk:finding ?other . FILTER(?other != ?f)
} GROUP BY ?f ?d ORDER BY ?n ?f ?d LIMIT 1"""
)


def test_the_trace_expands_a_clicked_department_and_its_link_restores_it(visit, browser, base_url, reader):  # noqa: F811
    page, foreign = visit
    row = reader.select(TRACE_EXPANDABLE).rows[0]
    finding, department = row["f"].value, row["d"].value
    page.goto(base_url + "/graph/trace?" + requests.compat.urlencode({"finding": finding}))
    ready(page)
    before = drawn(page)
    assert kinds_drawn(page)[department] == "department"
    click_node(page, department)
    page.wait_for_function(f"() => Number(document.getElementById('graph-status').dataset.nodes) > {before}")
    assert query(page)["finding"] == [finding] and query(page)["open"] == [department]
    after = drawn(page)
    with page_at(browser, base_url) as (again, elsewhere):  # the link, in a new page, draws the same
        again.goto(page.url)
        again.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{after}'")
        assert set(kinds_drawn(again)) == set(kinds_drawn(page))
        same_origin_only(elsewhere)
    page.go_back()
    page.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{before}'")
    same_origin_only(foreign)


def test_markup_in_a_finding_title_stays_text(browser, hostile_url):  # noqa: F811
    found = requests.get(hostile_url + "/search.json", params={"q": "onerror", "kind": "finding"}).json()["hits"]
    finding = next(h["iri"] for h in found if HOSTILE in h["title"])
    with page_at(browser, hostile_url) as (page, foreign):
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(hostile_url + "/graph/?" + requests.compat.urlencode({"start": finding}))
        ready(page)
        expect(page.locator("#details .detail-label")).to_have_text("1 " + HOSTILE)
        click_node(page, finding)
        page.wait_for_function("() => Number(document.getElementById('graph-status').dataset.nodes) > 1")
        page.mouse.move(0, 0)
        page.wait_for_function("() => document.getElementById('graph-app').dataset.stable !== '0'", timeout=20000)
        point = page.evaluate(
            "id => window.rectkgGraph.network.canvasToDOM(window.rectkgGraph.network.getPositions([id])[id])", finding
        )
        box = page.locator("#graph").bounding_box()
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"], steps=5)
        tip = page.locator(".vis-tooltip")
        expect(tip).to_contain_text(HOSTILE)
        page.goto(hostile_url + "/graph/trace?" + requests.compat.urlencode({"finding": finding}))
        ready(page)
        click_node(page, finding)
        expect(page.locator("#details .detail-label")).to_have_text("1 " + HOSTILE)
        assert page.locator("#graph-app img, .vis-tooltip img").count() == 0
        assert dialogs == []
        same_origin_only(foreign)


def test_show_all_at_the_cap_says_what_was_cut(browser, web_store):  # noqa: F811
    cap = 60
    with (
        serve({"STORE": str(web_store), "GRAPH_VIEW_MAX_NODES": cap}) as url,
        page_at(browser, url) as (page, foreign),
    ):
        answer = requests.get(url + "/graph/api/all", params={"cut": 1}).json()
        cut = answer["left_out"]
        page.goto(url + "/graph/?" + requests.compat.urlencode({"start": answer["nodes"][0]["id"]}))
        ready(page)
        expect(page.locator("#details .detail-label")).to_be_visible()
        page.locator("#show-all").click()
        page.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{cap}'")
        message = page.locator("#graph-message")
        expect(message).to_contain_text(f"另有 {cut['nodes']} 个节点、{cut['edges']} 条连线未绘制")
        assert "GRAPH_VIEW_MAX_NODES" not in message.inner_text()
        expect(page.locator("#details .detail-label")).to_have_count(0)  # no stale details
        assert query(page)["all"] == ["1"]
        same_origin_only(foreign)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    """20,000+ drawable nodes: renamed copies of a sample report, each through the real loader
    (one department, the issuing bureau, is in every copy: a hub with thousands of neighbours).
    Each copy is written as soon as it is loaded, so memory holds one at a time."""
    text = FENGJIANG.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.endswith("情况的通报"))
    path = tmp_path_factory.mktemp("big") / "store"
    store = OxigraphStore(path)
    for i in range(BIG_COPIES):
        loaded = load_text(text.replace(title, title.replace("关于", f"关于第{i}批"), 1), f"copy-{i}.txt", "utf-8")
        store.replace_graph(loaded.graph_iri, loaded.graph)
    store.close()
    del store
    gc.collect()  # let go of the writer's lock before the app opens the store
    return path


@pytest.mark.soak  # a scale run (~80 s to build the store on an idle 2-core machine): make soak
def test_a_20000_node_store_keeps_the_page_responsive(browser, big_store):  # noqa: F811
    cap = 1000
    with serve({"STORE": str(big_store), "GRAPH_VIEW_MAX_NODES": cap}) as url, page_at(browser, url) as (page, foreign):
        everything = requests.get(url + "/graph/api/all")
        assert everything.status_code == 413, "the whole graph is never sent"
        size = int(everything.json()["message"].split(" 个节点")[0].rsplit("有 ", 1)[1])
        assert size >= 20000
        hub = requests.get(url + "/graph/api/shared").json()["nodes"]
        hub = max(hub, key=lambda n: n["weighted_degree"])["id"]
        page.goto(url + "/graph/?" + requests.compat.urlencode({"start": hub}))
        ready(page)
        assert int(page.locator("#details .detail-counts").get_attribute("data-total")) > cap
        page.locator("#show-all").click()
        expect(page.locator("#graph-message")).to_contain_text("未绘制")
        began = time.monotonic()
        click_node(page, hub)
        page.wait_for_function(f"() => document.getElementById('graph-status').dataset.nodes === '{cap}'")
        expect(page.locator("#graph-message")).to_contain_text("已达节点上限")
        assert page.evaluate("() => 1 + 1") == 2
        assert time.monotonic() - began < 30, "drawing up to the cap took too long"
        click_node(page, page.evaluate("() => window.rectkgGraph.nodes.getIds()[5]"))
        expect(page.locator("#graph-message")).to_contain_text("已达节点上限")
        assert drawn(page) == cap
        same_origin_only(foreign)
