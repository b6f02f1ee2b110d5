"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) through the served app.

Each test routes every request: anything not for the app's own origin is aborted and recorded,
and the test fails if there was any, so no page may depend on a CDN or other site.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from web_fixtures import page_at

from ontology import iris

pytest_plugins = ("web_fixtures",)
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make browser` installs it (never `playwright install`)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def visit(browser, base_url):
    """A fresh page, and the list of requests that tried to leave the app's origin."""
    with page_at(browser, base_url) as visited:
        yield visited


def same_origin_only(foreign: list[str]) -> None:
    assert foreign == [], f"requests left the app's origin: {foreign}"


def highlighted_finding(page: Page) -> None:
    """On a finding page: the finding's own span is highlighted and is the finding's title."""
    mark = page.locator("#source mark.ev-finding").first
    expect(mark).to_be_visible()
    assert mark.inner_text() in page.locator("h1").inner_text()


def test_dashboard_to_a_findings_highlighted_evidence(visit, base_url, tmp_path):
    page, foreign = visit
    page.goto(base_url + "/")
    expect(page.locator("h1")).to_have_text("已载入的通报")
    page.locator(".report-card h2 a").first.click()
    page.locator("#outline a[href*='/finding/']").first.click()
    highlighted_finding(page)
    page.screenshot(path=str(tmp_path / "finding.png"), full_page=True)
    same_origin_only(foreign)


def test_shared_responsibility_form_with_a_department(visit, base_url):
    page, foreign = visit
    page.goto(base_url + "/")
    with page.expect_navigation():
        page.locator("#all-pairs").click()
    assert page.locator("#param-department option").count() > 1, "the form offers the graph's departments"
    department = page.locator("table.results tbody tr").first.locator("td").first.inner_text().strip()
    page.locator("input.autocomplete").fill(department)
    expect(page.locator("#param-department")).to_have_value(department)
    with page.expect_navigation() as navigation:
        page.locator("#run").click()
    assert navigation.value.status == 200
    rows = page.locator("table.results tbody tr")
    expect(rows.first).to_contain_text(department)
    rows.first.locator("a.row-link").click()
    page.locator("#shared-findings a").first.click()
    highlighted_finding(page)
    expect(page.locator("#involvements")).to_contain_text(department)
    same_origin_only(foreign)


def test_search_reaches_the_market_regulator(visit, base_url):
    page, foreign = visit
    page.goto(base_url + "/")
    page.locator("nav input[name=q]").fill("市场监管")
    page.locator("nav form.search button").click()
    page.locator(".hit-department a").first.click()
    aliases = page.locator("#aliases")
    names = page.locator("#org-label").inner_text() + (aliases.inner_text() if aliases.count() else "")
    assert "市场监管" in names
    same_origin_only(foreign)


def test_editor_runs_a_query(visit, base_url, reader):
    page, foreign = visit
    page.goto(base_url + "/editor")
    expect(page.locator(".CodeMirror")).to_be_visible()
    assert page.locator(".CodeMirror .cm-keyword").count() > 0, "SPARQL keywords are highlighted"
    query = iris.sparql_prefixes() + "SELECT ?finding ?title WHERE { ?finding a rk:Finding ; dcterms:title ?title }"
    page.evaluate("text => window.rectkgEditor.setValue(text)", query)
    page.locator("#run-query").click()
    rows = page.locator("#results table tbody tr")
    expect(rows).to_have_count(len(reader.select(query).rows))
    rows.first.locator("a").first.click()
    highlighted_finding(page)
    same_origin_only(foreign)
