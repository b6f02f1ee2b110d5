"""/compare: the two sample reports side by side, each cell checked against the saved queries
(`compare-reports`, `departments`, `recurring-problems`) run on the same store."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from html import unescape
from itertools import combinations

import pytest
import requests
from web_fixtures import build_store, serve

from graph.store import open_store
from loaders.pipeline import load_bytes
from ontology import iris
from queries import catalog
from tests.conftest import FENGJIANG

# Bodies the page leaves out, by name: generic ones and the issuer's internal units.
LEFT_OUT = "SELECT ?l WHERE { { ?o rk:internalUnit true } UNION { ?o rk:generic true } ?o skos:prefLabel ?l }"
ROLE_WORDS = {"牵头": "lead", "配合": "partner", "监督对象": "target", "提及": "mentioned"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, qingpu, fengjiang):
    # A third report, Fengjiang's as another county's (every 枫江 renamed): each of its findings
    # has an alike twin, so recurring problems differ by which reports are chosen.
    twin = load_bytes(FENGJIANG.read_text(encoding="utf-8").replace("枫江", "松溪").encode(), "songxi.txt")
    path = build_store(tmp_path_factory.mktemp("compare") / "store", qingpu, fengjiang, twin)
    store = open_store(str(path), read_only=True)
    answers = {name: catalog.get(name).run(store) for name in ("departments", "recurring-problems", "compare-reports")}
    internal = {str(r["l"]) for r in store.select(iris.sparql_prefixes() + LEFT_OUT).rows}
    store.close()
    with serve({"STORE": str(path)}) as url:
        yield url, answers, internal, (qingpu.report_iri, fengjiang.report_iri)


def _sections(html: str) -> dict[str, list[list[str]]]:
    """Each section's table as rows of cell texts (the row heading first)."""
    out = {}
    for sid, body in re.findall(r'<section id="([a-z]+)">(.*?)</section>', html, re.S):
        rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        out[sid] = [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells] for cells in rows]
    return out


def _page(url: str, params) -> requests.Response:
    return requests.get(url + "/compare", params=params, headers={"Accept": "text/html"}, timeout=60)


def test_the_dashboard_links_to_the_reports_side_by_side(site):
    url, _answers, _internal, reports = site
    home = requests.get(url + "/", timeout=60).text
    href = unescape(re.search(r'id="compare-link" href="([^"]+)"', home).group(1))
    page = requests.get(url + href, timeout=60)
    assert page.status_code == 200
    assert all(r in page.text for r in reports)


def test_claims_and_counts_are_the_saved_querys(site):
    url, answers, _internal, reports = site
    overview = _sections(_page(url, {"reports": list(reports)}).text)["overview"]
    by_title = {row[0]: row[1:] for row in overview[1:]}
    rows = {str(r["report"]): r for r in answers["compare-reports"].rows}
    for column in ("findings_claimed", "findings_counted", "measures_claimed", "measures_counted"):
        title = catalog.get("compare-reports").title_of(column, "zh")
        assert by_title[title] == [str(rows[r][column]) for r in reports], column
    assert by_title[catalog.get("compare-reports").title_of("findings_counted", "zh")] == ["63", "22"]


def test_each_department_cell_counts_its_findings_by_role(site):
    url, answers, internal, reports = site
    table = _sections(_page(url, {"reports": ",".join(reports)}).text)["departments"]
    findings: dict[tuple[str, str, str], set] = defaultdict(set)
    orgs = {}
    for r in answers["departments"].rows:
        findings[(str(r["report"]), str(r["department"]), str(r["role"]))].add(str(r["finding"]))
    expected = defaultdict(Counter)
    for (report, label, role), found in findings.items():
        expected[(report, label)][role] = len(found)
    shown = 0
    for label, *cells in table[1:]:
        for report, cell in zip(reports, cells, strict=True):
            got = Counter({ROLE_WORDS[w]: int(n) for w, n in re.findall(r"(\S+) (\d+)", cell)})
            assert got == expected.get((report, label), Counter()), (label, report, cell)
            shown += bool(cell)
        orgs[label] = True
    assert shown > 40
    assert "青浦区财政局" in orgs and not any(label.endswith(("科室", "班子成员", "党支部")) for label in orgs)
    assert internal and not internal & set(orgs)


def test_recurring_problems_are_those_between_the_chosen_reports(site):
    """The page runs `recurring-problems` once per chosen report (`report` bound) and shows what
    the whole-corpus answer filtered to the chosen reports shows: the same pairs, same way round,
    same order."""
    url, answers, _internal, reports = site
    everything = sorted(str(r["report"]) for r in answers["compare-reports"].rows)
    assert len(everything) == 3
    shown = set()
    choices = [list(reports), everything[::-1]] + [[b, a] for a, b in combinations(everything, 2)]
    for chosen in choices:
        table = _sections(_page(url, {"reports": chosen}).text)["recurring"]
        wanted = [
            [str(r["title_a"]), str(r["title_b"]), str(r["score"])]
            for r in answers["recurring-problems"].rows
            if {str(r["report_a"]), str(r["report_b"])} <= set(chosen)
        ]
        assert table[1:] == wanted, chosen
        shown.add(len(wanted))
    assert len(shown) >= 3 and 0 not in shown  # the choices differ, and each has pairs to show


def test_a_form_unknown_reports_and_too_many(site):
    url, _answers, _internal, reports = site
    form = _page(url, {})
    assert form.status_code == 200 and all(f'value="{r}"' in form.text for r in reports)
    assert _page(url, {"reports": [reports[0], "https://example.org/nope"]}).status_code == 404
    assert _page(url, {"reports": [f"{reports[0]}{i}" for i in range(7)]}).status_code == 400
    english = _page(url, {"reports": list(reports), "lang": "en"}).text
    assert "Departments involved, and how" in english and "Findings per category" in english
