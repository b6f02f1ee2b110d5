"""The report page shows the headings as read, the tree `rectkg outline` prints (issue 18).

Every report of the shared corpus and the layouts is loaded into one store and served: on each
report's page the finding headings are the gold findings (printed numbers and titles), and every
heading — parts, categories, groups, findings and the numbered lines that are not findings, with
why — sits at the level and in the role `rectkg outline` gives it. The tree comes from the graph
(loaders/outline_graph.py), never from the source file; the page speaks the page's language.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import test_browser
from web_fixtures import build_store, page_at, serve

from loaders.normalise import to_half_width
from loaders.outline import read_outline
from loaders.pipeline import Loaded, load_file, load_text
from ontology import iris
from tests.conftest import CORPUS, SAMPLES

pytest_plugins = ("web_fixtures",)
browser = test_browser.browser
GOLDS = sorted(CORPUS.glob("*.gold.json")) + sorted((CORPUS / "layouts").glob("*.gold.json"))
LAYOUT_TEXTS = sorted((CORPUS / "layouts").glob("*.txt"))
# The shared corpus's text is the Fengjiang sample; the Qingpu sample is served cut short (below).
TEXTS = [*LAYOUT_TEXTS, SAMPLES / "fengjiang-county-civil-affairs-2026-01-16.txt"]


@cache
def _loaded(path: Path) -> Loaded:
    return load_file(path)


def _gold(path: Path) -> tuple[Path, dict]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    text = path.parent / gold["text_file"]
    return (text if text.exists() else SAMPLES / gold["text_file"]), gold


@cache
def _cut() -> Loaded:
    """The Qingpu report cut before its findings, with one heading misprinted 一: read in part."""
    text = (SAMPLES / "qingpu-civil-affairs-2026-02-13.txt").read_text(encoding="utf-8")
    return load_text(text[: text.index("1.针对")].replace("(一)", "一:", 1), "cut.txt", "utf-8")


@cache
def _cut_inside() -> Loaded:
    """The Qingpu report cut inside its second finding's first measure, as an opening is (its
    title changed, so that it is a report of its own beside the one cut before its findings)."""
    text = (SAMPLES / "qingpu-civil-affairs-2026-02-13.txt").read_text(encoding="utf-8")
    text = text.replace("党组关于", "党组关于第二轮", 1)
    second = text.index("(2)关于")
    return load_text(text[: text.index("一是", second) + 6], "cut-inside.txt", "utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Every report with a gold or a layout, and two read in part, served from one store."""
    loaded = [*(_loaded(p) for p in TEXTS), _cut(), _cut_inside()]
    store = build_store(tmp_path_factory.mktemp("outline") / "store", *loaded)
    with serve({"STORE": str(store)}) as url:
        yield url


class _Tree(HTMLParser):
    """The page's outline as (level, role, reason, label) per heading, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[list] = []
        self.depth = 0  # inside the heading's own label element
        self.roles: list[str] = []
        self.in_role = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "li" and "heading" in (found.get("class") or ""):
            self.headings.append([int(found["data-level"] or 0), found.get("data-role"), found.get("data-reason"), ""])
            self.depth = 1
        elif tag in ("a", "span") and self.depth == 1 and found.get("class") in (None, "heading-label"):
            self.depth = 2
        elif tag == "span" and found.get("class") == "role":
            self.in_role = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "span") and self.depth == 2:
            self.depth = 0
        self.in_role = False

    def handle_data(self, data: str) -> None:
        if self.depth == 2:
            self.headings[-1][3] += data
        if self.in_role:
            self.roles.append(data)


def _page(session, url: str) -> str:
    response = session.get(url, headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response.text


def _tree(html: str) -> _Tree:
    parser = _Tree()
    parser.feed(html)
    return parser


def _report_url(site: str, loaded: Loaded) -> str:
    return site + "/id/" + loaded.report_iri[len(iris.ID) :]


@pytest.fixture(scope="module")
def pages(site):
    """Each report's page in Chinese, by source path."""
    with requests.Session() as session:
        return {path: _page(session, _report_url(site, _loaded(path))) for path in TEXTS}


@pytest.mark.parametrize("gold_path", GOLDS, ids=lambda p: p.name.split(".")[0])
def test_the_page_finding_headings_are_the_gold_findings(pages, gold_path):
    text, gold = _gold(gold_path)
    shown = [label for _, role, _, label in _tree(pages[text]).headings if role == "finding"]
    wanted = [to_half_width(f["number_printed"] + f["title"]).replace(" ", "") for f in gold["findings"]]
    assert [to_half_width(s).replace(" ", "") for s in shown] == wanted


def _cli_role(role: str) -> str:
    return "part+category" if role == "part, read as a category" else role


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_rectkg_outline_and_the_page_agree(pages, path):
    """Same headings in the same order, at the same levels, in the same roles; the page's title is
    the graph's (without 的整改 and what follows a finding's title), the outline's is the line."""
    nodes = read_outline(_loaded(path).report).walk()
    shown = _tree(pages[path]).headings
    assert [(n.level, _cli_role(n.role)) for n in nodes] == [(level, role) for level, role, _, _ in shown]
    for node, (_, _, _, label) in zip(nodes, shown, strict=True):
        assert node.label.startswith(label) or label.startswith(node.label), (node.label, label)


def test_the_page_says_why_a_heading_is_not_a_finding_in_chinese(pages):
    tree = _tree(pages[CORPUS / "layouts" / "chengxi-county-culture-2026-03-12.txt"])
    reasons = [reason for _, role, reason, _ in tree.headings if role == "not-a-finding"]
    assert reasons == ["workOrganisation"] * 3 + ["planAhead"] * 3
    assert "不是问题：下一步计划（所在部分讲今后打算）" in tree.roles
    assert "2 条整改措施" in pages[CORPUS / "layouts" / "chengxi-county-culture-2026-03-12.txt"]
    assert not [role for role in tree.roles if re.search("[A-Za-z]", role)], "no English on the Chinese page"


def test_a_part_read_as_a_category_says_so(pages):
    tree = _tree(pages[CORPUS / "layouts" / "yunling-county-healthcare-security-2026-02-11.txt"])
    assert "部分，读作问题类别" in tree.roles


def test_the_english_page_names_roles_and_reasons_in_english(site):
    url = _report_url(site, _loaded(CORPUS / "layouts" / "chengxi-county-culture-2026-03-12.txt"))
    html = _page(requests, url + "?lang=en")
    roles = _tree(html).roles
    assert "Headings as read" in html and "Finding" in roles and "2 measures" in html
    assert "not a finding: a plan: its part looks ahead" in roles


def test_a_report_cut_before_its_findings_shows_its_headings_and_the_warning_in_chinese(site):
    cut = _cut()
    html = _page(requests, _report_url(site, cut))
    assert "未能读出任何问题；已保留标题、日期、通报所称数字和文件。读到的标题：" in html
    assert "no findings could be read" not in html
    tree = _tree(html)
    assert [role for _, role, _, _ in tree.headings] == [_cli_role(n.role) for n in read_outline(cut.report).walk()]
    assert 'id="near-headings"' in html and "一:" in html


def test_a_report_cut_inside_a_finding_says_so_in_chinese_and_names_the_reason(site):
    cut = _cut_inside()
    assert any(w.startswith("the text is cut short") for w in cut.report.warnings)
    html = _page(requests, _report_url(site, cut))
    assert "原文不完整" in html and "cut short" not in html
    tree = _tree(html)
    assert "cutShort" in [reason for _, _, reason, _ in tree.headings]
    assert not [role for role in tree.roles if re.search("[A-Za-z]", role)], "no English on the Chinese page"


def test_the_report_page_and_a_saved_query_read_at_two_widths(browser, site, tmp_path):
    """Screenshots for people ($RECTKG_SCREENSHOTS, else a temporary folder) at 1280 and 420 px:
    the report page and a saved query's result; at 420 nothing runs off the side of the page (a
    wide table scrolls in its own box)."""
    shots = Path(os.environ.get("RECTKG_SCREENSHOTS") or tmp_path)
    shown = {
        "report-outline": _report_url(site, _loaded(CORPUS / "layouts" / "chengxi-county-culture-2026-03-12.txt")),
        "saved-query": site + "/queries/departments?role=partner&whole=1",  # every report: asked for
    }
    with page_at(browser, site) as (page, foreign):
        for name, url in shown.items():
            for width in (1280, 420):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(url)
                page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{name} is {overflow}px wider than the window at {width}px"
        assert page.locator("#outline").count() == 0  # the last page is the query's
        assert page.locator("table.results th").first.inner_text() == "通报"
        assert foreign == []
