"""No script injection: a real sample whose text was rewritten to carry markup in a finding title,
a measure and a document title is loaded through the real loader and served; headless Chromium
visits every kind of page that shows that text and no dialog may fire, while the markup is shown
as plain text (so the test cannot pass by not showing it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright
from web_fixtures import build_store, serve

from loaders.pipeline import load_text
from ontology import iris

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "qingpu-civil-affairs-2026-02-13.txt"
SCRIPT = "<script>alert(1)</script>"
IMG = "</script><img src=x onerror=alert(1)>"
LINK = '<a href="javascript:alert(1)">预收费'  # no closing tag: a '/' in a name breaks /id/ links (reported)
REWRITES = {
    "领学促学作用": f"领学{SCRIPT}促学作用",
    "学用贯通能力": f"学用{IMG}贯通能力",
    "上海市养老机构预收费监管实施办法": f"上海市养老机构{LINK}监管实施办法",
}


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    text = SAMPLE.read_text(encoding="utf-8")
    for plain, hostile in REWRITES.items():
        assert plain in text
        text = text.replace(plain, hostile)
    loaded = load_text(text, "hostile.txt", "utf-8 text")
    titles = " ".join(f.title for f in loaded.report.findings)
    assert SCRIPT in titles and IMG in titles, "the loader dropped the markup: the test would prove nothing"
    path = build_store(tmp_path_factory.mktemp("hostile") / "store", loaded)
    with serve({"STORE": str(path)}) as url:
        yield url


def _local(iri: str) -> str:
    return "/id/" + iri[len(iris.BASE + "id/") :]


def _first(url: str, query: str) -> str:
    answer = requests.get(url + "/sparql", params={"query": iris.sparql_prefixes() + query, "format": "json"})
    return answer.json()["results"]["bindings"][0]["x"]["value"]


def test_hostile_text_never_runs(hostile_url):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make browser` installs it")
    finding = _first(
        hostile_url, 'SELECT ?x WHERE { ?x a rk:Finding ; dcterms:title ?t FILTER(CONTAINS(?t, "<script>")) }'
    )
    department = _first(
        hostile_url, "SELECT ?x WHERE { ?i rk:agent ?o ; rk:measure/rk:finding ?f . ?o skos:prefLabel ?x } LIMIT 1"
    )
    document = _first(hostile_url, 'SELECT ?x WHERE { ?x dcterms:title ?t FILTER(CONTAINS(?t, "javascript:")) }')
    pages = {
        "/": None,
        _local(finding): SCRIPT,
        _local(document): "javascript:alert(1)",
        f"/department?label={requests.utils.quote(department)}": None,
        "/search?q=领学": SCRIPT,
        "/queries/findings": SCRIPT,
        "/queries/documents": "javascript:alert(1)",
        "/no-such-page<script>alert(1)</script>": None,
    }
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
        for path, shown in pages.items():
            response = page.goto(hostile_url + path)
            assert response is not None
            if response.headers.get("content-type", "").startswith("text/html"):
                assert "script-src 'self'" in response.headers["content-security-policy"], path
            page.wait_for_timeout(200)
            if shown:
                assert shown in page.locator("body").inner_text(), f"{path} does not show the text"
            for link in page.locator("a[href^='javascript']").all():
                pytest.fail(f"{path} made a javascript: link: {link.get_attribute('href')}")
        browser.close()
    assert dialogs == []
