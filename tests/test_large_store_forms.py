"""Forms in a store of many reports: a finding picked report first, a department typed.

At a thousand reports every finding is 32,000 choices (a 2 MB form, seconds to build after each
write) and every department 5,400; past LARGE_STORE_REPORTS reports the form lists only the chosen
report's findings and takes a department as text, with suggestions. Here the limit is set to 1 so
the two sample reports are "many"."""

from __future__ import annotations

import re
import shutil
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import test_browser
from playwright.sync_api import expect
from web_fixtures import page_at, serve, serve_app

from queries import catalog
from webapp import create_app

pytest_plugins = ("web_fixtures",)
browser, same_origin_only = test_browser.browser, test_browser.same_origin_only


@pytest.fixture(scope="module")
def narrowed_url(web_store, tmp_path_factory):
    copy = tmp_path_factory.mktemp("narrowed") / "store"
    shutil.copytree(web_store, copy)
    with serve({"STORE": str(copy), "LARGE_STORE_REPORTS": 1}) as url:
        yield url


def _finding_options(html: str) -> list[str]:
    select = re.search(r'<select name="finding".*?</select>', html, re.S)
    assert select, "the form has a finding drop-down"
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(0)) if v]


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    found = re.search(r'<option value="([^"]*)"\s*selected', select.group(0)) if select else None
    return found.group(1) if found else None


def _findings_of(reader, report: str) -> list[str]:
    return [r["finding"].value for r in catalog.get("findings").run(reader, {"report": report}).rows]


def _form(url: str, **params: str) -> str:
    response = requests.get(url + "/queries/finding-trace", params=params, timeout=60)
    assert response.status_code == 200
    return response.text


def _note(html: str) -> str | None:
    """The note under the finding drop-down, when it is shown."""
    found = re.search(r'<p class="notice" id="note-finding"[^>]*?(\shidden)?>([^<]*)</p>', html)
    assert found, "a narrowed drop-down has its note"
    return None if found.group(1) else found.group(2)


def test_without_a_report_the_form_asks_for_one_first(narrowed_url, reader):
    html = _form(narrowed_url)
    assert _finding_options(html) == []
    assert _note(html) == "请先选择通报，再从该通报的问题中选择。"
    assert 'aria-describedby="note-finding"' in html
    reports = [v for v, _ in catalog.choices(reader, "reports")]
    assert all(f'value="{r}"' in html for r in reports)
    assert html.index('name="report"') < html.index('name="finding"'), "the report comes first"


def test_a_chosen_report_lists_its_findings_alone_in_document_order(narrowed_url, reader):
    for report, _ in catalog.choices(reader, "reports"):
        html = _form(narrowed_url, report=report)
        assert _finding_options(html) == _findings_of(reader, report)
        assert _selected(html, "report") == report and _note(html) is None
        assert 'id="fill-in"' in html, "no finding yet: the form, not an answer"
        listed = requests.get(narrowed_url + "/queries/choices/findings.json", params={"within": report}, timeout=60)
        assert [c["value"] for c in listed.json()] == _findings_of(reader, report), "what the script fills in"


def test_a_finding_given_alone_is_shown_among_its_reports_findings(narrowed_url, reader):
    reports = [v for v, _ in catalog.choices(reader, "reports")]
    report = reports[-1]
    finding = _findings_of(reader, report)[2]
    html = _form(narrowed_url, finding=finding)
    assert _finding_options(html) == _findings_of(reader, report)
    assert _selected(html, "finding") == finding and _selected(html, "report") == report
    assert 'id="fill-in"' not in html and "<table" in html, "the finding's trace is answered"


def test_the_button_without_the_script_drops_the_other_reports_finding(narrowed_url, reader):
    first, other = (v for v, _ in catalog.choices(reader, "reports")[:2])
    stale = _findings_of(reader, first)[0]
    html = _form(narrowed_url, report=other, finding=stale, narrow="1")
    assert _finding_options(html) == _findings_of(reader, other) and _selected(html, "finding") is None
    assert 'id="fill-in"' in html and stale not in html.split('id="fill-in"')[1], "not answered, not linked"


def test_an_unknown_report_or_a_non_finding_lists_nothing_and_says_so(narrowed_url, reader):
    for report in ("https://example.org/not-a-report", "not an iri"):
        html = _form(narrowed_url, report=report)
        assert _finding_options(html) == [] and _note(html) == "所选通报中没有可选的问题。", report
        listed = requests.get(narrowed_url + "/queries/choices/findings.json", params={"within": report}, timeout=60)
        assert listed.status_code == 200 and listed.json() == []
    report = catalog.choices(reader, "reports")[0][0]
    html = _form(narrowed_url, finding=report)  # a report's IRI is no finding: it names no report to list
    assert _finding_options(html) == [] and _selected(html, "report") is None
    assert requests.get(narrowed_url + "/queries/choices/reports.json", timeout=60).status_code == 404


def test_a_small_store_still_lists_every_finding_at_once(base_url, reader):
    html = requests.get(base_url + "/queries/finding-trace", timeout=60).text
    every = [v for _, pairs in catalog.grouped_choices(reader, "findings") for v, _ in pairs]
    assert _finding_options(html) == every and len(every) > 20


def test_in_chromium_choosing_a_report_lists_its_findings_in_place_and_a_finding_is_traced(
    browser, narrowed_url, reader
):
    report, other = (v for v, _ in catalog.choices(reader, "reports")[:2])
    with page_at(browser, narrowed_url) as (page, foreign):
        page.goto(narrowed_url + "/queries/finding-trace")
        expect(page.locator("#note-finding")).to_have_text("请先选择通报，再从该通报的问题中选择。")
        expect(page.locator("#list-findings")).to_be_hidden()  # the script lists the findings itself
        opened = page.url
        page.locator("#param-report").select_option(report)
        options = page.locator("#param-finding option")
        expect(options).to_have_count(len(_findings_of(reader, report)) + 1)
        expect(page.locator("#note-finding")).to_be_hidden()
        assert page.url == opened, "nothing reloaded: the keyboard stays on the report's drop-down"
        finding = options.nth(2).get_attribute("value")
        page.locator("#param-finding").select_option(finding)
        with page.expect_navigation():
            page.locator("#run").click()
        assert dict(parse_qsl(urlsplit(page.url).query)) == {"report": report, "finding": finding}
        assert page.locator("table.results tbody tr").count() > 0
        page.locator("#param-report").select_option(other)
        expect(options).to_have_count(len(_findings_of(reader, other)) + 1)
        assert page.locator("#param-finding").input_value() == "", "the other report's finding is dropped"
        assert options.nth(1).get_attribute("value") == _findings_of(reader, other)[0]
        same_origin_only(foreign)


def test_in_chromium_a_list_that_cannot_be_had_leaves_the_button_to_reload_the_form(browser, narrowed_url, reader):
    report = catalog.choices(reader, "reports")[0][0]
    with page_at(browser, narrowed_url) as (page, foreign):
        page.goto(narrowed_url + "/queries/finding-trace")
        # the server too busy to list them, as the pages' admission answers under load
        page.route("**/queries/choices/**", lambda r: r.fulfill(status=503, json={"error": "busy"}))
        page.locator("#param-report").select_option(report)
        button = page.locator("#list-findings")
        expect(button).to_be_visible()
        with page.expect_navigation():
            button.click()
        assert dict(parse_qsl(urlsplit(page.url).query)) == {"report": report, "narrow": "1"}
        expect(page.locator("#param-finding option")).to_have_count(len(_findings_of(reader, report)) + 1)
        same_origin_only(foreign)


def test_the_warm_up_leaves_out_the_findings_and_departments_no_form_lists_whole(web_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(web_store, copy)
    app = create_app({"TESTING": True, "STORE": str(copy), "LARGE_STORE_REPORTS": 1})
    with serve_app(app):
        deadline = time.monotonic() + 120
        while app.extensions["rectkg.warm"].busy() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not app.extensions["rectkg.warm"].busy(), "the start's warm-up ended"
    kept = {p.name for p in (tmp_path / "store.kept").iterdir()}
    assert "choices.reports" in kept and not kept & {"choices.findings", "choices.departments"}


def _top_department(reader) -> str:
    return catalog.get("shared-responsibility").run(reader).rows[0]["dept_a"].value


def test_a_department_is_typed_and_the_query_runs_on_the_text(narrowed_url, reader):
    html = requests.get(narrowed_url + "/queries/department-profile", timeout=60).text
    assert '<select name="department"' not in html
    field = re.search(r'<input type="text" name="department"[^>]*>', html)
    assert field and 'list="suggest-department"' in field.group(0) and "required" in field.group(0)
    assert "输入部门名称或别名" in field.group(0) and '<datalist id="suggest-department">' in html
    department = _top_department(reader)
    answered = requests.get(narrowed_url + "/queries/department-profile", params={"department": department}, timeout=60)
    expected = catalog.get("department-profile").run(reader, {"department": department}).rows
    assert f'value="{department}"' in answered.text and expected
    assert f"共 {len(expected)} 条" in answered.text


def test_in_chromium_typing_part_of_a_name_suggests_departments(browser, narrowed_url, reader):
    department = _top_department(reader)
    with page_at(browser, narrowed_url) as (page, foreign):
        page.goto(narrowed_url + "/queries/department-profile")
        field = page.locator("#param-department")
        field.press_sequentially(department[-3:], delay=20)
        suggested = page.locator("#suggest-department option")
        expect(suggested.first).to_be_attached()
        values = [suggested.nth(i).get_attribute("value") for i in range(suggested.count())]
        assert department in values
        field.fill(department)
        with page.expect_navigation():
            page.locator("#run").click()
        assert dict(parse_qsl(urlsplit(page.url).query)) == {"department": department}
        assert page.locator("table.results tbody tr").count() > 0
        same_origin_only(foreign)


@pytest.mark.parametrize("name", [q.name for q in catalog.saved_queries().values() if q.asks_first])
def test_a_whole_corpus_form_asks_for_a_narrowing_first_and_the_whole_on_request(narrowed_url, reader, name):
    """Opened bare in a large store, a query whose answer would be every finding, measure or body
    of the corpus asks for one of its `asks_first` parameters (at a thousand reports those answers
    took 10-47 s, past the time limit); its link asks the whole corpus anyway."""
    query = catalog.get(name)
    bare = requests.get(narrowed_url + f"/queries/{name}", timeout=60)
    assert bare.status_code == 200
    assert 'id="ask-first"' in bare.text and 'id="results"' not in bare.text
    reports = len(catalog.choices(reader, "reports"))
    assert f"{reports} 份通报" in bare.text or f"{reports} reports" in bare.text
    for param in query.asks_first:
        assert f'<label for="param-{param}">' in bare.text.split('id="ask-first"')[1]
    whole = re.search(r'<a id="whole-corpus" href="([^"]+)"', bare.text)
    assert whole is not None
    asked = requests.get(narrowed_url + whole.group(1).replace("&amp;", "&"), timeout=60)
    assert 'id="ask-first"' not in asked.text and ('id="results"' in asked.text or 'class="empty"' in asked.text)
    # Run again from there (another role, another score) keeps asking the whole store.
    assert 'name="whole" value="1"' in asked.text and 'name="whole"' not in bare.text


def test_a_narrowed_form_runs_at_once_and_a_small_store_never_asks(narrowed_url, base_url, reader):
    report = catalog.choices(reader, "reports")[0][0]
    narrowed = requests.get(narrowed_url + "/queries/findings", params={"report": report}, timeout=60).text
    assert 'id="ask-first"' not in narrowed and 'id="results"' in narrowed
    small = requests.get(base_url + "/queries/findings", timeout=60).text
    assert 'id="ask-first"' not in small and 'id="results"' in small
