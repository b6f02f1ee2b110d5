"""Entity pages for names holding a "/": the minted IRI keeps it as %2F inside one segment, and
both the app's own links and the IRI itself must reach the page (they used to 404)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from web_fixtures import build_store, serve

from loaders.pipeline import load_text
from ontology import iris
from tests.conftest import FENGJIANG

TITLE = "枫江县最低生活保障/特困供养对象动态管理办法"


@pytest.fixture(scope="module")
def slash_url(tmp_path_factory):
    text = FENGJIANG.read_text(encoding="utf-8").replace("枫江县最低生活保障对象动态管理办法", TITLE, 1)
    loaded = load_text(text, "slash.txt", "utf-8 text")
    assert TITLE in loaded.report.documents
    with serve({"STORE": str(build_store(tmp_path_factory.mktemp("slash") / "store", loaded))}) as url:
        yield url, loaded


def test_the_minted_iri_keeps_the_slash_inside_its_segment():
    assert iris.document(TITLE).rsplit("/", 1)[1].count("%2F") == 1


def test_the_iri_itself_dereferences(slash_url):
    slash_url, _ = slash_url
    tail = iris.document(TITLE)[len(iris.ID) :]
    page = requests.get(f"{slash_url}/id/{tail}", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    assert TITLE in unescape(page.text)
    turtle = requests.get(f"{slash_url}/id/{tail}", params={"format": "turtle"})
    assert turtle.status_code == 200 and iris.document(TITLE) in turtle.text


def test_links_in_pages_reach_the_entity(slash_url):
    slash_url, loaded = slash_url
    finding = iris.finding(loaded.report_iri, 1)[len(iris.ID) :]
    listing = requests.get(f"{slash_url}/id/{finding}", headers={"Accept": "text/html"}).text
    hrefs = [unescape(h) for h in re.findall(r'href="(/id/document/[^"]+)"', listing)]
    (href,) = [h for h in hrefs if "%2F" in h]
    page = requests.get(slash_url + href, headers={"Accept": "text/html"})
    assert page.status_code == 200 and TITLE in unescape(page.text)


def test_a_slash_sent_undecoded_is_another_iri(slash_url):
    """/id/document/A/B is not the document 'A/B': what a client sends as a separator stays one."""
    slash_url, _ = slash_url
    wrong = f"{slash_url}/id/document/{requests.utils.quote(TITLE, safe='/')}"
    assert requests.get(wrong, headers={"Accept": "text/html"}).status_code == 404
