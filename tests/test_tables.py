"""The table component (webapp/tables.py) on the served app: paging with the total, facets whose
counts add up, sort, a filter per column, every state a URL — on a saved query's result (the
findings list is the `findings` saved query) and on search hits, which are all counted and paged,
a measure saying the words ranked above hits on a finding's title alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
import requests
from flask import Flask

from graph import searchable
from ontology import iris
from queries import catalog
from webapp.tables import PAGE_SIZE, Source, Table, build
from webapp.textindex import Doc, Hit, Index

pytest_plugins = ("web_fixtures",)


def _page(base_url: str, path: str, params: dict | list | None = None) -> lxml.html.HtmlElement:
    response = requests.get(base_url + path, params=params, headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return lxml.html.fromstring(response.text)


def _column(doc: lxml.html.HtmlElement, name: str) -> list[str]:
    """The cells of one column of the page's table, as shown."""
    heads = [th.get("data-column") for th in doc.xpath("//table[@class='results']/thead/tr[1]/th")]
    at = heads.index(name) + 1
    return [td.text_content().strip() for td in doc.xpath(f"//table[@class='results']/tbody/tr/td[{at}]")]


def _facet(doc: lxml.html.HtmlElement, column: str) -> dict[str, tuple[int, str]]:
    """A facet's values: label → (count, link)."""
    items = doc.xpath(f"//section[@class='facet'][@data-column='{column}']//li[not(contains(@class, 'others'))]")
    found = {}
    for li in items:
        link = li.xpath("a")[0]
        found[link.text_content()] = (int(li.xpath("span[@class='count']")[0].text), link.get("href"))
    return found


def _span(doc: lxml.html.HtmlElement) -> str:
    return doc.xpath("//p[@class='table-span']/span[@class='span']")[0].text_content()


@pytest.fixture(scope="module")
def findings(reader):
    rows = catalog.get("findings").run(reader).rows
    assert len(rows) > PAGE_SIZE, "the samples fill more than one page"
    return rows


def test_pages_show_the_total_and_reach_every_row(base_url, findings):
    total = len(findings)
    first = _page(base_url, "/queries/findings")
    assert _span(first) == f"第 1–{PAGE_SIZE} 条，共 {total} 条"
    assert len(_column(first, "title")) == PAGE_SIZE
    seen = []
    for number in range(1, -(-total // PAGE_SIZE) + 1):
        seen += _column(_page(base_url, "/queries/findings", {"page": number}), "title")
    assert seen == [r["title"].value for r in findings], "the pages hold every row once, in the answer's order"
    english = _page(base_url, "/queries/findings", {"page": 2, "lang": "en"})
    assert _span(english) == f"{PAGE_SIZE + 1}–{min(2 * PAGE_SIZE, total)} of {total}"


def test_facet_counts_add_up_and_a_value_narrows_the_rows(base_url, findings):
    doc = _page(base_url, "/queries/findings")
    for column in ("report", "category"):
        assert sum(count for count, _ in _facet(doc, column).values()) == len(findings), column
    label, (count, link) = next(iter(_facet(doc, "report").items()))
    narrowed = _page(base_url, link)
    assert _span(narrowed).endswith(f"共 {count} 条")
    assert set(_column(narrowed, "report")) == {label}
    categories = _facet(narrowed, "category")
    assert sum(c for c, _ in categories.values()) == count, "the other facets count the narrowed rows"
    chosen = narrowed.xpath("//section[@data-column='report']//li[@class='selected']/a")[0]
    assert _span(_page(base_url, chosen.get("href"))).endswith(f"共 {len(findings)} 条"), "choosing it again drops it"


def test_an_empty_value_is_chosen_as_such(base_url, findings):
    """`_facet_COLUMN=` (empty) keeps the rows without a value there, as the facet's “(空)” does."""
    empty = sum(1 for r in findings if "group" not in r)
    assert empty, "some findings of the samples sit under no group"
    doc = _page(base_url, "/queries/findings", {"_facet_group": ""})
    assert _span(doc).endswith(f"共 {empty} 条") and set(_column(doc, "group")) == {""}


def test_sort_both_ways_with_numbers_as_numbers(base_url, findings):
    counts = sorted(int(r["measures"].value) for r in findings)
    up = _page(base_url, "/queries/findings", {"_sort": "measures"})
    assert [int(c) for c in _column(up, "measures")] == counts[:PAGE_SIZE]
    link = up.xpath("//a[@class='sort sorted'][@data-column='measures']")[0].get("href")
    assert dict(parse_qsl(urlsplit(link).query)) == {"_sort_desc": "measures"}, "clicking again reverses"
    down = _page(base_url, link)
    assert [int(c) for c in _column(down, "measures")] == counts[::-1][:PAGE_SIZE]


def test_a_column_filter_keeps_the_rows_containing_it(base_url, findings):
    word = "整改"
    expected = [r["title"].value for r in findings if word in r["title"].value]
    doc = _page(base_url, "/queries/findings", {"_filter_title": word})
    assert _span(doc).endswith(f"共 {len(expected)} 条")
    assert _column(doc, "title") == expected[:PAGE_SIZE]
    box = doc.xpath("//input[@name='_filter_title']")[0]
    assert box.get("value") == word, "the box shows the filter the URL holds"


def test_a_saved_querys_own_parameters_stay_with_the_table_state(base_url, reader):
    report = catalog.choices(reader, "reports")[0][0]
    doc = _page(base_url, "/queries/findings", {"report": report, "_sort": "title"})
    links = [a.get("href") for a in doc.xpath("//section[@class='facet']//a")]
    links += [a.get("href") for a in doc.xpath("//a[@class='sort' or @class='sort sorted']")]
    assert links and all(("report", report) in parse_qsl(urlsplit(link).query) for link in links)
    hidden = {(i.get("name"), i.get("value")) for i in doc.xpath("//form[@class='table-filter']/input")}
    assert hidden == {("report", report), ("_sort", "title")}


def test_a_page_past_the_end_shows_the_last(base_url, findings):
    last = -(-len(findings) // PAGE_SIZE)
    doc = _page(base_url, "/queries/findings", {"page": 999})
    assert _span(doc).startswith(f"第 {(last - 1) * PAGE_SIZE + 1}–")
    assert not doc.xpath("//nav[@class='pages']/a[@rel='next']")


def test_a_missing_value_is_counted_as_empty(base_url, reader):
    """Every facet's counts add up to the total, a row without a value counted under “(空)”."""
    rows = catalog.get("organisations").run(reader).rows
    doc = _page(base_url, "/queries/organisations")
    place = _facet(doc, "place")
    assert place.get("（空）", (0, ""))[0] == sum(1 for r in rows if "place" not in r)
    assert sum(c for c, _ in place.values()) + _others(doc, "place") == len(rows)


def _others(doc: lxml.html.HtmlElement, column: str) -> int:
    found = doc.xpath(f"//section[@data-column='{column}']//li[contains(@class, 'others')]")
    return int("".join(ch for ch in found[0].text_content() if ch.isdigit())) if found else 0


def test_facet_values_are_labels_in_the_page_language(base_url):
    zh = _facet(_page(base_url, "/queries/departments"), "role")
    en = _facet(_page(base_url, "/queries/departments", {"lang": "en"}), "role")
    assert {"牵头", "配合"} <= set(zh) and {"lead", "partner"} <= set(en)
    assert Counter(c for c, _ in zh.values()) == Counter(c for c, _ in en.values())


# Search: every hit counted and paged; a measure saying the words before hits on a finding's title alone.
COMMON = "管理"  # in many findings and measures of the samples: more than two pages of hits
TITLE_AND_MEASURE = "不规范"  # in finding titles, and in measures of other findings


@pytest.fixture(scope="module")
def ranked(reader) -> Callable[[str], list[Hit]]:
    """Every hit of a question, best first, from an index of the samples' search shares."""
    shares = searchable.shares(reader, [g for g in reader.graphs() if g.startswith(iris.BASE)])
    index = Index(Doc(e[1], e[0], e[2], e[3], e[4]) for share in shares.values() for e in share.entries)
    return lambda q: index.search(q, limit=10_000)


def _hits(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """The page's hits: (link, kind label)."""
    rows = doc.xpath("//div[@id='hits']//tbody/tr")
    return [(tr.xpath("td[2]/a")[0].get("href"), tr.xpath("td[1]")[0].text_content()) for tr in rows]


def test_search_counts_every_hit_and_pages_through_them(base_url, ranked):
    expected = ranked(COMMON)
    assert len(expected) > PAGE_SIZE
    first = _page(base_url, "/search", {"q": COMMON})
    assert first.xpath("//p[@id='hit-count']")[0].text_content() == f"{len(expected)} 条结果"
    assert _span(first) == f"第 1–{PAGE_SIZE} 条，共 {len(expected)} 条"
    seen = []
    for number in range(1, -(-len(expected) // PAGE_SIZE) + 1):
        seen += [href for href, _ in _hits(_page(base_url, "/search", {"q": COMMON, "page": number}))]
    assert seen == [links_of(h.doc.iri) for h in expected]
    kinds = _facet(first, "kind")
    assert sum(c for c, _ in kinds.values()) == len(expected) and {"问题", "整改措施"} <= set(kinds)
    reports = _facet(first, "report")
    assert sum(c for c, _ in reports.values()) == len(expected), "departments and documents count as (空)"
    count, link = kinds["整改措施"]
    narrowed = _page(base_url, link)
    assert _span(narrowed).endswith(f"共 {count} 条") and {k for _, k in _hits(narrowed)} == {"整改措施"}


def test_a_measure_saying_it_ranks_above_hits_on_a_finding_title_alone(base_url, ranked):
    hits = ranked(TITLE_AND_MEASURE)
    own = [h for h in hits if h.doc.kind == "measure" and TITLE_AND_MEASURE in h.doc.text]
    title_alone = [h for h in hits if h.doc.kind in ("finding", "measure") and TITLE_AND_MEASURE not in h.doc.text]
    assert own and title_alone, "the samples have both"
    doc = _page(base_url, "/search", {"q": TITLE_AND_MEASURE})
    order = [href for href, _ in _hits(doc)]
    assert max(order.index(links_of(h.doc.iri)) for h in own) < min(
        order.index(links_of(h.doc.iri)) for h in title_alone if links_of(h.doc.iri) in order
    )
    row = doc.xpath(f"//div[@id='hits']//tbody/tr[td[2]/a/@href='{links_of(own[0].doc.iri)}']")[0]
    assert row.xpath("td[1]")[0].text_content() == "整改措施"
    snippet = row.xpath("td[@class='snippet']")[0]
    assert [m.text for m in snippet.xpath("mark")] and {m.text for m in snippet.xpath("mark")} == {TITLE_AND_MEASURE}
    assert snippet.text_content().strip("…") in own[0].doc.text, "the measure's own text, not its finding's title"


def links_of(iri: str) -> str:
    assert iri.startswith(iris.ID)
    return "/id/" + iri[len(iris.ID) :]


def test_a_report_page_links_to_its_findings_list(base_url, reader, findings):
    report = catalog.choices(reader, "reports")[0][0]
    doc = _page(base_url, links_of(report))
    listed = _page(base_url, doc.xpath("//a[@id='findings-list']")[0].get("href"))
    own = [r for r in findings if r["report"].value == report]
    assert _span(listed).endswith(f"共 {len(own)} 条")
    assert _column(listed, "title") == [r["title"].value for r in own][:PAGE_SIZE]


def test_a_chosen_value_no_row_has_stays_in_its_facet_to_be_dropped(base_url, findings):
    doc = _page(base_url, "/queries/findings", {"_facet_category": "没有这个类别"})
    assert _span(doc) == "共 0 条"
    count, link = _facet(doc, "category")["没有这个类别"]
    assert count == 0 and _span(_page(base_url, link)).endswith(f"共 {len(findings)} 条")


# The component alone, on plain rows in a request context: the rules the pages above rely on.
ROWS = [{"n": str(i), "place": p} for i, p in enumerate(["青浦", "", "枫江", "青浦", "", "青浦", "10"])]
PLAIN = Source(
    columns=["n", "place"], titles=["编号", "地点"], value=lambda r, c: r[c], label=lambda c, v: v, facets=["place"]
)


def _built(query: str) -> Table:
    app = Flask(__name__)
    app.config["LANGUAGE"] = "zh"
    with app.test_request_context("/t?" + query):
        return build(ROWS, PLAIN)


def test_empty_cells_sort_last_both_ways_and_numbers_by_value():
    up = [r["place"] for r in _built("_sort=place").rows]
    down = [r["place"] for r in _built("_sort_desc=place").rows]
    assert up == ["10", "枫江", "青浦", "青浦", "青浦", "", ""] and down == [
        "青浦",
        "青浦",
        "青浦",
        "枫江",
        "10",
        "",
        "",
    ]
    assert [r["n"] for r in _built("_sort_desc=n").rows] == ["6", "5", "4", "3", "2", "1", "0"]


def test_two_values_of_one_facet_keep_either_and_counts_add_up():
    table = _built("_facet_place=枫江&_facet_place=")
    assert table.total == 3 and {r["place"] for r in table.rows} == {"枫江", ""}
    (facet,) = table.facets
    assert sum(v.count for v in facet.values) == table.total
    assert {v.label: v.selected for v in facet.values} == {"（空）": True, "枫江": True}


def test_an_unknown_column_or_a_bad_page_is_ignored():
    table = _built("_sort=nothing&page=x&_facet_nothing=1")
    assert [r["n"] for r in table.rows] == [r["n"] for r in ROWS] and table.page == 1
