"""Saved queries speak the page's language and show no internals (issue 19, "Chinese throughout").

Each query's header carries Chinese and English summaries, descriptions, column and parameter
titles, and names the vocabularies that label its coded values; /queries, the forms, the result
tables, a titled CSV and the claims tables show them. Cells show labels linked to entity pages;
the answer itself (column names, codes, the CLI's CSV) is unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
import requests

from graph import results
from ontology import iris
from queries import catalog
from webapp import resulttable

pytest_plugins = ("web_fixtures",)
# English a Chinese page may show: standard terms and the CLI's commands named in descriptions.
ALLOWED_LATIN = {"SPARQL", "CSV", "TSV", "JSON", "rectkg", "stats", "orgs"}


class _Text(HTMLParser):
    """The text of <main>, without the query text (<pre>) and the drop-downs' options (report titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.inside = 0
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self.inside += tag == "main"
        self.skip += tag in ("pre", "option")

    def handle_endtag(self, tag: str) -> None:
        self.inside -= tag == "main"
        self.skip -= tag in ("pre", "option")

    def handle_data(self, data: str) -> None:
        if self.inside and not self.skip:
            self.parts.append(data)


def _latin(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return set(re.findall(r"[A-Za-z][A-Za-z_-]+", " ".join(parser.parts))) - ALLOWED_LATIN


def _get(base_url: str, path: str, **params) -> str:
    response = requests.get(base_url + path, params=params, headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response.text


@pytest.mark.parametrize("name", sorted(catalog.saved_queries()))
def test_every_header_has_both_languages_for_everything_shown(name):
    query = catalog.get(name)
    assert query.summary_zh and query.description_zh and "`" not in query.description_zh
    assert set(query.titles) == set(query.columns), "a title for each column, and only for columns"
    assert all(p.title and p.description_zh for p in query.params)
    assert set(query.value_labels) <= set(query.columns)


def test_every_claim_kind_in_the_graph_has_a_label(reader):
    kinds = {
        r["k"].value
        for r in reader.select("SELECT DISTINCT ?k WHERE { ?c <https://w3id.org/rectkg/ns#claimKind> ?k }").rows
    }
    assert kinds and kinds <= set(catalog.vocabularies()["claims"])


def test_the_query_list_is_chinese_without_markdown(base_url):
    html = _get(base_url, "/queries")
    assert not _latin(html), _latin(html)
    assert "`" not in unescape(html)
    assert "各通报的问题，按原文顺序" in html


@pytest.mark.parametrize("name", sorted(catalog.saved_queries()))
def test_a_result_page_is_chinese_with_labels_and_no_comments(base_url, reader, name):
    query = catalog.get(name)
    params = {p.name: catalog.choices(reader, p.enumerate)[0][0] for p in query.params if p.required}
    html = _get(base_url, f"/queries/{name}", **params)
    assert not _latin(html), _latin(html)
    heads = re.findall(r'<th data-column="([^"]+)">([^<]*)</th>', html)
    assert heads == ([(c, query.title_of(c, "zh")) for c in query.columns] if 'class="results"' in html else [])
    cells = re.findall(r"<td>(?:<a [^>]*>)?([^<]*)", html)
    assert not [c for c in cells if c.startswith("http")], "an IRI shown where the graph has a label"
    shown = unescape(re.search(r'<pre class="sparql">(.*?)</pre>', html, re.S).group(1))
    assert not re.search(r"(?m)^\s*#|\s#\s", shown), "comments are notes for maintainers"


def test_cells_name_entities_and_link_them(base_url, reader):
    html = _get(base_url, "/queries/departments", role="partner")
    text = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?t WHERE { ?r a <%sReport> ; dcterms:title ?t }"
    titles = {r["t"].value for r in reader.select(text % iris.RK).rows}
    linked = re.findall(r'<td><a href="/id/report/[^"/]+">([^<]+)</a></td>', html)
    assert linked and set(linked) <= titles
    refs = re.findall(r'<td><a href="/id/report/[^"]+/finding/\d+">([^<]+)</a></td>', html)
    assert refs and all("关于" not in ref for ref in refs), "beside its title a finding is named by its reference"
    measures = _get(base_url, "/queries/measures")
    assert re.search(r'<td><a href="/id/report/[^"]+/finding/\d+">\(一\)1 关于', measures), "else by both"
    assert "<td>配合</td>" in html and "<td>partner</td>" not in html


def test_the_english_page_uses_the_english_titles_and_labels(base_url):
    html = _get(base_url, "/queries/departments", role="partner", lang="en")
    query = catalog.get("departments")
    assert f'<h1 id="query-title" data-name="departments">{query.summary}</h1>' in html
    assert '<th data-column="role">Role</th>' in html and "<td>partner</td>" in html
    assert "Only this role" in html and '<option value="lead" >lead</option>' in html


def test_a_titled_csv_names_columns_and_values_and_the_plain_csv_is_unchanged(base_url, reader):
    plain = requests.get(base_url + "/queries/stats.csv", timeout=60).content
    assert plain == b"\xef\xbb\xbf" + results.to_csv(catalog.get("stats").run(reader)).encode("utf-8")
    titled = requests.get(base_url + "/queries/stats.csv", params={"titles": "1", "lang": "zh"}, timeout=60)
    rows = list(csv.reader(io.StringIO(titled.content.decode("utf-8-sig"))))
    assert rows[0] == ["类型", "数量"] and ["通报", "2"] in rows
    english = requests.get(base_url + "/queries/stats.csv", params={"titles": "1", "lang": "en"}, timeout=60)
    assert english.content.decode("utf-8-sig").startswith("Kind,Count")


def test_the_dashboard_names_claims_in_the_page_language(base_url):
    html = _get(base_url, "/")
    kinds = re.findall(r'data-kind="([^"]+)">\s*<td>([^<]+)', html)
    assert kinds and all(shown.strip() == catalog.vocabularies()["claims"][kind][0] for kind, shown in kinds)
    english = _get(base_url, "/", lang="en")
    assert re.search(r'data-kind="findings-rectified">\s*<td>findings rectified', english)


def test_findings_to_choose_from_are_named_by_reference_under_their_report(base_url, reader):
    html = _get(base_url, "/queries/finding-trace")
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert len(groups) == len(catalog.choices(reader, "reports")) == 2
    assert re.search(r'<option value="[^"]+/finding/\d+" >\(二\)1 关于', html), "(二)1: numbers restart per category"


def test_a_list_of_codes_is_labelled_code_by_code():
    query = catalog.get("department-profile")
    from webapp import create_app

    with create_app({"TESTING": True, "STORE": None}).test_request_context("/?lang=zh"):
        assert resulttable.value_label(query, "role", "lead partner") == "牵头、配合"
        assert resulttable.value_label(query, "role", "lead somethingelse") == "lead somethingelse"
    assert str(resulttable.description("a `code` <b>")) == "a <code>code</code> &lt;b&gt;"
