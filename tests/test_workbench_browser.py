"""Issue 19's journeys in Debian's Chromium: dashboard → pair dossier → highlighted evidence →
downloads opened and checked; a saved query with a required parameter opened from /queries; the
language switch keeping the URL on every page; the dossier's print preview keeping its highlights."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import test_browser
from openpyxl import load_workbook
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTCurve, LTRect
from playwright.sync_api import expect

from ontology import iris
from queries import catalog

pytest_plugins = ("web_fixtures",)
browser, visit, same_origin_only = test_browser.browser, test_browser.visit, test_browser.same_origin_only
PARTY_A = (1.0, 214 / 255, 165 / 255)  # mark.ev-party-a in style.css, #ffd6a5


def test_dashboard_to_dossier_to_downloads(visit, base_url, tmp_path):
    page, foreign = visit
    page.goto(base_url + "/")
    first = page.locator("#top-pairs tbody tr").first
    a, b = (first.locator("td").nth(i).inner_text().strip() for i in (0, 1))
    with page.expect_navigation():
        first.locator("a.row-link").click()
    expect(page.locator("#dossier-title")).to_contain_text(a)
    mark = page.locator("td.sentence mark.ev-party-b").first
    expect(mark).to_be_visible()
    assert mark.inner_text() in b or b.endswith(mark.inner_text()[-2:]), "the highlight is a name of department B"
    expect(page.locator("td.sentence mark.ev-cue").first).to_be_visible()
    shown = page.locator("table.dossier-measures tbody tr").count()
    with page.expect_download() as got:
        page.locator("#download-csv").click()
    assert got.value.suggested_filename == f"shared_{a}_{b}.csv"
    raw = Path(got.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == shown + 1 and rows[0][6].startswith(a)
    with page.expect_download() as got:
        page.locator("#download-xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)] == rows
    page.locator("#shared-findings h2 a").first.click()
    expect(page.locator("#source mark.ev-finding").first).to_be_visible()
    same_origin_only(foreign)


def test_a_required_parameter_opens_the_form_from_queries(visit, base_url):
    page, foreign = visit
    page.goto(base_url + "/queries")
    with page.expect_navigation() as navigation:
        page.locator("a[href='/queries/department-profile']").click()
    assert navigation.value.status == 200
    expect(page.locator("#fill-in")).to_be_visible()
    department = page.locator("#param-department option").nth(1).get_attribute("value")
    page.locator("#param-department").select_option(department)
    with page.expect_navigation():
        page.locator("#run").click()
    assert page.locator("table.results tbody tr").count() > 0
    assert dict(parse_qsl(urlsplit(page.url).query)) == {"department": department}
    same_origin_only(foreign)


def test_the_language_switch_keeps_the_url_on_every_page(visit, base_url, reader):
    page, foreign = visit
    finding = catalog.choices(reader, "findings")[0][0]
    pair = catalog.get("shared-responsibility").run(reader).rows[0]
    a, b = pair["dept_a"].value, pair["dept_b"].value
    paths = [
        "/",
        "/queries",
        f"/queries/finding-trace?finding={quote(finding, safe='')}",
        f"/shared?a={quote(a)}&b={quote(b)}",
        f"/search?q={quote('民政')}",
        f"/department?label={quote(a)}",
        f"/id/{finding[len(iris.ID) :]}",
        f"/graph/trace?finding={quote(finding, safe='')}",
        "/editor",
    ]
    for path in paths:
        page.goto(base_url + path)
        before = urlsplit(page.url)
        with page.expect_navigation():
            page.locator("a.lang-en").click()
        after = urlsplit(page.url)
        assert after.path == before.path, path
        assert parse_qsl(after.query) == [*parse_qsl(before.query), ("lang", "en")], path
        assert page.locator("html").get_attribute("lang") == "en"
        with page.expect_navigation():
            page.locator("a.lang-zh").click()
        assert urlsplit(page.url).path == before.path
    same_origin_only(foreign)


def printed(browser, url: str, pdf: Path, width: int = 1400) -> tuple[str, set[tuple[float, ...]]]:
    """A page printed to PDF as the print dialog does (`print_background` off): its text, and the
    RGB fills of the shapes drawn (highlights are printed as filled rectangles), rounded."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.pdf(path=str(pdf), format="A4")
    context.close()
    fills = {
        rounded(shape.non_stroking_color)
        for layout in extract_pages(str(pdf))
        for shape in layout
        if isinstance(shape, (LTRect, LTCurve)) and shape.non_stroking_color and len(shape.non_stroking_color) == 3
    }
    return extract_text(str(pdf)), fills


def rounded(colour) -> tuple[float, ...]:
    return tuple(round(c, 2) for c in colour)


@pytest.mark.parametrize("width", [1400, 800])
def test_dossier_print_keeps_highlights_and_drops_navigation(browser, base_url, reader, tmp_path, width):
    pair = catalog.get("shared-responsibility").run(reader).rows[0]
    url = f"{base_url}/shared?a={quote(pair['dept_a'].value)}&b={quote(pair['dept_b'].value)}"
    text, fills = printed(browser, url, tmp_path / "dossier.pdf", width)
    # (pdfminer reads some characters as CJK radicals, 青 as ⻘: the checks use other words)
    assert "共同负责档案" in text and "SPARQL" not in text, "content kept, navigation (SPARQL 编辑器) dropped"
    assert rounded(PARTY_A) in fills, f"department A's highlight printed: {fills}"
