"""Issue 19's tables in Debian's Chromium, on the findings list (the `findings` saved query): page
2 and its total, a facet value that narrows the rows with counts adding up to the total, a sort, a
column filter typed into its box; the URL restores all of it in a new page, and Back the step before."""

from __future__ import annotations

import re

import test_browser
from playwright.sync_api import Page, expect
from web_fixtures import page_at

from queries import catalog
from webapp.tables import PAGE_SIZE

pytest_plugins = ("web_fixtures",)
browser, visit, same_origin_only = test_browser.browser, test_browser.visit, test_browser.same_origin_only
SPAN = re.compile(r"第 (\d+)–(\d+) 条，共 (\d+) 条")


def _span(page: Page) -> tuple[int, int, int]:
    first, last, total = SPAN.fullmatch(page.locator("#results .table-span .span").inner_text()).groups()
    return int(first), int(last), int(total)


def _facet_sum(page: Page, column: str) -> int:
    counts = page.locator(f"#results section.facet[data-column='{column}'] li .count").all_inner_texts()
    return sum(int(c) for c in counts)


def _column(page: Page, name: str) -> list[str]:
    heads = page.locator("#results table.results thead tr").first.locator("th")
    at = [heads.nth(i).get_attribute("data-column") for i in range(heads.count())].index(name)
    return [t.strip() for t in page.locator(f"#results tbody tr td:nth-child({at + 1})").all_inner_texts()]


def test_facet_page_sort_and_filter_a_result_and_restore_it_from_the_url(visit, base_url, browser, reader):
    page, foreign = visit
    total = len(catalog.get("findings").run(reader).rows)
    page.goto(base_url + "/queries/findings")
    assert _span(page) == (1, PAGE_SIZE, total)
    assert _facet_sum(page, "report") == total and _facet_sum(page, "category") == total
    with page.expect_navigation():
        page.locator("#results nav.pages a[rel=next]").click()
    expect(page.locator("#results .table-span .span")).to_have_text(
        f"第 {PAGE_SIZE + 1}–{min(2 * PAGE_SIZE, total)} 条，共 {total} 条"
    )

    report = page.locator("#results section.facet[data-column='report'] li").first
    label, count = report.locator("a").inner_text(), int(report.locator(".count").inner_text())
    with page.expect_navigation():
        report.locator("a").click()
    expect(page.locator("#results section.facet[data-column='report'] li.selected a")).to_have_text(label)
    assert _span(page) == (1, min(count, PAGE_SIZE), count), "a facet narrows the rows and goes back to page 1"
    assert set(_column(page, "report")) == {label}
    assert _facet_sum(page, "category") == count, "the counts add up to the total shown"

    for _ in ("ascending", "descending"):
        with page.expect_navigation():
            page.locator("#results a.sort[data-column='measures']").click()
    measures = [int(m) for m in _column(page, "measures")]
    assert measures == sorted(measures, reverse=True) and measures[0] > measures[-1], "sorted, most first"

    word = "管理"
    box = page.locator("#results input[name='_filter_title']")
    box.fill(word)
    with page.expect_navigation():
        box.press("Enter")
    titles = _column(page, "title")
    assert titles and all(word in t for t in titles)
    state = _span(page), titles, _column(page, "measures")
    assert "_filter_category" not in page.url, "empty filter boxes stay out of the URL"

    with page_at(browser, base_url) as (again, elsewhere):
        again.goto(page.url)
        assert (_span(again), _column(again, "title"), _column(again, "measures")) == state
        expect(again.locator("#results input[name='_filter_title']")).to_have_value(word)
        expect(again.locator("#results section.facet[data-column='report'] li.selected a")).to_have_text(label)
        same_origin_only(elsewhere)

    page.go_back()
    expect(page.locator("#results input[name='_filter_title']")).to_have_value("")
    assert _span(page)[2] == count, "Back restores the step before the filter"
    same_origin_only(foreign)


def test_search_shows_the_count_and_pages_to_the_last_hit(visit, base_url):
    page, foreign = visit
    page.goto(base_url + "/")
    page.locator("nav input[name=q]").fill("管理")
    page.locator("nav form.search button").click()
    count = int(page.locator("#hit-count").inner_text().split()[0])
    assert count > PAGE_SIZE
    seen = page.locator("#hits tbody tr").count()
    while page.locator("#hits nav.pages a[rel=next]").count():
        with page.expect_navigation():
            page.locator("#hits nav.pages a[rel=next]").click()
        seen += page.locator("#hits tbody tr").count()
    assert seen == count
    expect(page.locator("#hits .table-span .span")).to_have_text(re.compile(rf"–{count} 条，共 {count} 条$"))
    expect(page.locator("#hits td.snippet mark").first).to_have_text("管理")
    same_origin_only(foreign)
