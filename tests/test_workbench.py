"""Issue 19's workbench over HTTP: the pair dossier's data and downloads, and each defect found
(required parameters, the language switch, 发布日期, partners' roles, download names, favicon)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
import requests
from openpyxl import load_workbook
from web_fixtures import serve

from ontology import iris
from queries import catalog
from webapp import i18n

pytest_plugins = ("web_fixtures",)
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def top_pair(reader) -> tuple[str, str, int]:
    """The most shared pair of departments, as the dashboard lists it first."""
    row = catalog.get("shared-responsibility").run(reader).rows[0]
    return row["dept_a"].value, row["dept_b"].value, int(row["findings"].value)


def get(base_url: str, path: str, **params) -> requests.Response:
    response = requests.get(base_url + path, params=params, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:300]
    return response


def test_dossier_lists_every_shared_finding_with_highlighted_sentences(base_url, top_pair):
    a, b, count = top_pair
    html = get(base_url, "/shared", a=a, b=b).text
    assert f'<dd id="shared-count">{count}</dd>' in html, "the same count as shared-responsibility"
    assert html.count('class="dossier-finding"') == count
    assert 'mark class="ev ev-party-a"' in html and 'mark class="ev ev-party-b"' in html
    assert 'mark class="ev ev-cue"' in html, "a cue word is highlighted in some sentence"
    assert "issuing body" not in html, "rule names are said in Chinese"


def test_each_pairs_dossier_lists_what_shared_responsibility_counts(base_url, reader):
    """The most and the least shared pairs (the dossier works them out from each department's own
    involvements, the saved query from the pair nodes the writes keep)."""
    rows = catalog.get("shared-responsibility").run(reader).rows
    assert len(rows) > 12
    for row in rows[:6] + rows[-6:]:
        html = get(base_url, "/shared", a=row["dept_a"].value, b=row["dept_b"].value).text
        assert html.count('class="dossier-finding"') == int(row["findings"].value), row


def test_dossier_csv_and_xlsx_hold_the_same_rows(base_url, top_pair):
    a, b, count = top_pair
    as_csv = get(base_url, "/shared.csv", a=a, b=b)
    assert as_csv.content.startswith(BOM)
    disposition = as_csv.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and quote(f"shared_{a}_{b}.csv") in disposition
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_xlsx = get(base_url, "/shared.xlsx", a=a, b=b)
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    cells = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == cells
    assert rows[0][6] == f"{a} 角色" and len({r[2] for r in rows[1:]}) <= count
    assert all(r[-1].startswith(base_url + "/id/") for r in rows[1:]), "each row links to its finding"


def test_dossier_is_linked_from_every_pair(base_url, top_pair, reader):
    a, b, _ = top_pair
    dossier = f"/shared?a={quote(a)}&b={quote(b)}"
    assert dossier in unescape(get(base_url, "/").text)
    assert dossier in unescape(get(base_url, "/queries/shared-responsibility").text)
    assert f"/shared?a={quote(a)}&amp;b=" in get(base_url, "/department", label=a).text
    edges = requests.get(base_url + "/graph/api/shared").json()["edges"]
    assert all(urlsplit(e["dossier"]).path == "/shared" for e in edges)


@pytest.mark.parametrize("name", [n for n, q in catalog.saved_queries().items() if any(p.required for p in q.params)])
def test_a_query_with_a_required_parameter_opens_its_form(base_url, name):
    html = get(base_url, f"/queries/{name}").text
    assert 'id="query-form"' in html and 'id="fill-in"' in html


def pages_with_queries(reader, pair: tuple[str, str, int]) -> list[str]:
    """A page of each kind whose URL carries a query string the language switch must keep."""
    finding = catalog.choices(reader, "findings")[0][0]
    report = catalog.choices(reader, "reports")[0][0]
    a, b, _ = pair
    return [
        "/?lang=en",
        f"/shared?a={quote(a)}&b={quote(b)}",
        f"/queries/finding-trace?finding={quote(finding, safe='')}",
        f"/queries/findings?report={quote(report, safe='')}&lang=zh",
        f"/search?q={quote('民政')}",
        f"/department?label={quote(a)}",
        f"/graph/trace?finding={quote(finding, safe='')}",
        f"/editor?query={quote('SELECT * WHERE { ?s ?p ?o } LIMIT 1')}",
        f"/id/{finding[len(iris.ID) :]}?lang=en",
    ]


def test_the_language_switch_keeps_path_and_query(base_url, reader, top_pair):
    for path in pages_with_queries(reader, top_pair):
        response = requests.get(base_url + path, headers={"Accept": "text/html"})
        html, sent = response.text, urlsplit(response.url)
        for lang in ("zh", "en"):
            found = re.search(rf'href="([^"]+)" class="lang-{lang}"', html)
            assert found, (path, response.status_code, html[:300])
            link = unescape(found.group(1))
            kept = urlsplit(link)
            assert unquote(kept.path) == unquote(sent.path), path
            expected = [(k, v) for k, v in parse_qsl(sent.query) if k != "lang"] + [("lang", lang)]
            assert parse_qsl(kept.query) == expected, path


def test_dashboard_shows_the_publication_date(base_url, reader):
    dates = [r["d"].value for r in reader.select(iris.sparql_prefixes() + "SELECT ?d { ?r dcterms:issued ?d }").rows]
    assert dates
    html = get(base_url, "/").text
    for date in dates:
        assert f"<dd>{date}</dd>" in html


def test_partners_show_both_roles(base_url, top_pair):
    html = get(base_url, "/department", label=top_pair[0]).text
    table = re.search(r'<table class="results" id="partners">(.*?)</table>', html, re.S).group(1)
    assert "本部门角色" in table and "对方角色" in table
    assert re.search(r'class="role role-(lead|partner)">(牵头|配合)<', table)
    pages = [html, get(base_url, "/department", label=top_pair[1]).text]
    assert not [k for k in i18n.ORG_TYPES for h in pages if f">{k}<" in h], "organisation types are said in Chinese"
    assert any(zh in h for zh, _ in i18n.ORG_TYPES.values() for h in pages)


def test_saved_query_download_is_named_after_its_parameters(base_url, top_pair):
    a = top_pair[0]
    response = get(base_url, "/queries/department-profile.csv", department=a)
    assert response.content.startswith(BOM)
    assert quote(f"department-profile_{a}.csv") in response.headers["Content-Disposition"]


def test_favicon(base_url):
    response = requests.get(base_url + "/favicon.ico")
    assert response.status_code == 200 and response.content[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in get(base_url, "/").text


def test_a_department_is_found_by_name_past_the_row_limit(web_store, top_pair):
    """Names are looked up one at a time: with the visitors' row limit below the number of labels
    in the store, the dossier and a department link found nothing (a 404 from about 70 reports)."""
    a, b, _count = top_pair
    with serve({"STORE": str(web_store), "MAX_ROWS": 3}) as url:
        html = get(url, "/shared", a=a, b=b).text  # 200, not "no department is called …"
        assert 'id="shared-count"' in html and a in html and b in html
        found = requests.get(url + "/department", params={"label": b}, allow_redirects=False)
        assert found.status_code in (302, 303) and "/id/" in found.headers["Location"]
