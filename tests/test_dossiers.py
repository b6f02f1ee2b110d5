"""Issue 19's dossiers of one department and of one report, over HTTP on the sample reports: the
same findings as the saved queries (department-profile, findings), highlighted sentences, the CSV
(with a BOM) and XLSX holding the page's measures, links from the pages, and 404s said clearly."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
import test_browser
from openpyxl import load_workbook
from test_workbench_browser import PARTY_A, printed, rounded

from queries import catalog
from webapp import dossier

pytest_plugins = ("web_fixtures",)
browser = test_browser.browser
CUE = (1.0, 243 / 255, 160 / 255)  # mark.ev-cue, #fff3a0
BOM = b"\xef\xbb\xbf"
HTML = {"Accept": "text/html"}


def get(base_url: str, path: str, **params) -> requests.Response:
    response = requests.get(base_url + path, params=params, headers=HTML)
    assert response.status_code == 200, response.text[:300]
    return response


@pytest.fixture(scope="module")
def busiest(reader) -> str:
    """The department sharing the most findings, as the dashboard's first pair names it."""
    return catalog.get("shared-responsibility").run(reader).rows[0]["dept_a"].value


@pytest.fixture(scope="module")
def report(reader) -> str:
    """The sample report with the most findings."""
    found = catalog.get("findings").run(reader).rows
    return max({r["report"].value for r in found}, key=lambda r: sum(x["report"].value == r for x in found))


def key(iri_or_link: str) -> str:
    """A finding's IRI or its page's link by what both end with (report/…/finding/N)."""
    return unescape(iri_or_link).rsplit("/id/", 1)[-1]


def findings_on(html: str) -> list[str]:
    """The findings the dossier lists, in order, by key (each heading links to its finding)."""
    return [key(i) for i in re.findall(r'<li class="dossier-finding">\s*<h2>.*?href="([^"]+)"', html, re.S)]


def measures_on(html: str) -> list[tuple[str, str]]:
    """(finding, measure ordinal) of each measure row on the page, in order."""
    found = []
    for block in html.split('<li class="dossier-finding">')[1:]:
        finding = key(re.search(r'href="([^"]+)"', block).group(1))
        found += [(finding, n) for n in re.findall(r'<tr class="dossier-measure">\s*<td>(\d+)</td>', block)]
    return found


def csv_measures(rows: list[list[str]]) -> list[tuple[str, str]]:
    """(finding, measure ordinal) of each CSV row: its link column and its 措施序号."""
    return [(key(r[-1]), r[4]) for r in rows[1:]]


def sheet_rows(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]


def test_department_dossier_holds_department_profile_findings(base_url, reader, busiest):
    html = get(base_url, "/dossier/department", name=busiest).text
    profile = catalog.get("department-profile").run(reader, {"department": busiest}).rows
    expected = [key(r["finding"].value) for r in profile]
    assert findings_on(html) == expected, "the same findings, in the same (document) order"
    assert f'<dd id="dossier-count">{len(expected)}</dd>' in html
    assert 'mark class="ev ev-party-a"' in html and 'mark class="ev ev-cue"' in html
    assert "部门卷宗" in html and "issuing body" not in html


def test_department_dossier_by_an_alias_is_the_department_profile_of_it(base_url, reader, busiest):
    alias = next(
        r["alias"].value
        for r in reader.select(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            f'SELECT ?alias WHERE {{ ?o skos:prefLabel "{busiest}"@zh ; skos:altLabel ?alias }} ORDER BY ?alias'
        ).rows
    )
    html = get(base_url, "/dossier/department", name=alias).text
    profile = catalog.get("department-profile").run(reader, {"department": alias}).rows
    assert findings_on(html) == [key(r["finding"].value) for r in profile] != []


def test_department_dossier_downloads_hold_the_page_measures(base_url, busiest):
    html = get(base_url, "/dossier/department", name=busiest).text
    as_csv = get(base_url, "/dossier/department.csv", name=busiest)
    assert as_csv.content.startswith(BOM)
    assert quote(f"dossier_{busiest}.csv") in as_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][6:8] == [f"{busiest} 角色", f"{busiest} 线索词"]
    assert csv_measures(rows) == measures_on(html) and rows[1:], "one row per measure on the page, in order"
    as_xlsx = get(base_url, "/dossier/department.xlsx", name=busiest)
    assert quote(f"dossier_{busiest}.xlsx") in as_xlsx.headers["Content-Disposition"]
    assert sheet_rows(as_xlsx.content) == rows


def test_report_dossier_lists_every_finding_and_measure(base_url, reader, report):
    html = get(base_url, "/dossier/report", report=report).text
    found = catalog.get("findings").run(reader, {"report": report}).rows
    assert findings_on(html) == [key(r["finding"].value) for r in found], "every finding, in document order"
    assert len(measures_on(html)) == sum(int(r["measures"].value) for r in found), "every measure"
    assert 'mark class="ev ev-party-a"' in html and 'mark class="ev ev-cue"' in html
    assert "通报卷宗" in html
    as_csv = get(base_url, "/dossier/report.csv", report=report)
    assert as_csv.content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][6] == "涉及部门（角色「线索词」）" and csv_measures(rows) == measures_on(html)
    assert any("（牵头" in r[6] for r in rows[1:]), "departments listed with their roles"
    assert sheet_rows(get(base_url, "/dossier/report.xlsx", report=report).content) == rows


def dossier_link(html: str) -> tuple[str, dict[str, str]]:
    """Where the page's 打印卷宗 link leads: its path and parameters."""
    href = urlsplit(unescape(re.search(r'id="dossier-link" href="([^"]+)"', html).group(1)))
    return href.path, dict(parse_qsl(href.query))


def test_dossiers_are_one_click_away(base_url, busiest, report):
    department = ("/dossier/department", {"name": busiest})
    assert dossier_link(get(base_url, "/department", label=busiest).text) == department
    assert dossier_link(get(base_url, "/queries/department-profile", department=busiest).text) == department
    whole = ("/dossier/report", {"report": report})
    assert dossier_link(get(base_url, "/id/" + key(report)).text) == whole
    assert dossier_link(get(base_url, "/queries/findings", report=report).text) == whole


@pytest.mark.parametrize(
    ("path", "params", "said"),
    [
        ("/dossier/department", {"name": "不存在的部门"}, "没有名为「不存在的部门」的部门"),
        ("/dossier/department.csv", {"name": "不存在的部门"}, "没有名为「不存在的部门」的部门"),
        ("/dossier/report", {"report": "https://example.org/no-report"}, "没有这份通报"),
        ("/dossier/report", {"report": "not an iri> }"}, "没有这份通报"),
    ],
)
def test_unknown_department_or_report_is_a_clear_404(base_url, path, params, said):
    response = requests.get(base_url + path, params=params, headers=HTML)
    assert response.status_code == 404 and said in unescape(response.text)


def test_department_dossier_prints_with_its_highlights(browser, base_url, busiest, tmp_path):
    url = f"{base_url}/dossier/department?name={quote(busiest)}"
    text, fills = printed(browser, url, tmp_path / "dossier.pdf")
    # (pdfminer reads some characters as CJK radicals, 门 as ⻔: the checks use other words)
    assert "卷宗" in text and "问题数" in text and "SPARQL" not in text, "content kept, navigation dropped"
    for colour in (PARTY_A, CUE):
        assert rounded(colour) in fills, f"highlight {colour} printed: {fills}"


def every_part(base_url: str, path: str, **params) -> list[str]:
    """A dossier page and every "show more" page after it."""
    parts = [get(base_url, path, **params).text]
    while more := re.findall(r'<a class="show-more" href="([^"]+)"', parts[-1]):
        parts.append(requests.get(base_url + unescape(more[0]), headers=HTML).text)
    return parts


def test_a_dossier_page_shows_a_part_at_a_time_and_its_downloads_all(base_url, reader, busiest, monkeypatch):
    """A busy department's or pair's dossier reads and shows its first PAGE findings, then more on
    request; the count is of them all, and so are the downloads."""
    monkeypatch.setattr(dossier, "PAGE", 2)  # the app serves from this process
    profile = catalog.get("department-profile").run(reader, {"department": busiest}).rows
    expected = [key(r["finding"].value) for r in profile]
    assert len(expected) > 4
    parts = every_part(base_url, "/dossier/department", name=busiest)
    assert [len(findings_on(p)) for p in parts] == [2, *range(4, len(expected), 2), len(expected)][: len(parts)]
    assert findings_on(parts[-1]) == expected and 'class="show-more"' not in parts[-1]
    assert f"显示前 2 个，共 {len(expected)} 个" in parts[0]
    every = re.search(r'<a class="show-all" href="([^"]+)"', parts[0]).group(1)
    assert findings_on(requests.get(base_url + unescape(every), headers=HTML).text) == expected, "to print"
    assert all(f'<dd id="dossier-count">{len(expected)}</dd>' in p for p in parts)
    as_csv = list(csv.reader(io.StringIO(get(base_url, "/dossier/department.csv", name=busiest).text.lstrip("\ufeff"))))
    assert list(dict.fromkeys(f for f, _ in csv_measures(as_csv))) == expected
    pair = catalog.get("shared-responsibility").run(reader).rows[0]
    a, b, shared = pair["dept_a"].value, pair["dept_b"].value, int(pair["findings"].value)
    parts = every_part(base_url, "/shared", a=a, b=b)
    assert len(findings_on(parts[0])) == min(2, shared) and len(findings_on(parts[-1])) == shared
    assert f'<dd id="shared-count">{shared}</dd>' in parts[0]
