"""A report read in part is still a report; a text that is no report is refused; the outline shows why.

Issue 18: rectkg refused most real openings outright ("no findings found"). A page cut before its
first finding now keeps its title, dates and claims with a warning naming the headings it saw,
`rectkg ingest --strict` turns that warning into a failure, and `rectkg outline FILE` prints the
heading tree as read, with each heading's role.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef

from graph.store import OxigraphStore
from loaders.errors import StructureError
from loaders.outline import read_outline, render
from loaders.pipeline import load_file, load_text
from ontology.iris import RK
from ontology.validate import validate_graph
from tests.conftest import CORPUS, QINGPU

RECTKG = Path(sys.executable).parent / "rectkg"
LAYOUTS = CORPUS / "layouts"
CHENGXI = LAYOUTS / "chengxi-county-culture-2026-03-12.txt"
YUNLING = LAYOUTS / "yunling-county-healthcare-security-2026-02-11.txt"


def _cut_before_findings() -> str:
    """The Qingpu report as a page cut short: everything before its first group of findings."""
    text = QINGPU.read_text(encoding="utf-8")
    return text[: text.index("1.针对")]


def test_a_report_cut_before_its_findings_keeps_what_was_read():
    report = load_text(_cut_before_findings(), "cut.txt", "utf-8").report
    assert report.findings == []
    assert report.title.endswith("巡察集中整改进展情况的通报")
    assert {"published", "inspectionStart", "feedbackDate"} <= report.dates.keys()
    assert {c.kind: c.value for c in report.claims}["findings"] == "63"
    [warning] = report.warnings
    assert "no findings could be read" in warning and "二、" in warning and "(一)" in warning


def test_the_graph_of_a_partial_report_says_it_was_read_in_part_and_conforms():
    loaded = load_text(_cut_before_findings(), "cut.txt", "utf-8")
    warnings = [str(o) for o in loaded.graph.objects(URIRef(loaded.report_iri), RK.readingWarning)]
    assert warnings == loaded.report.warnings
    conforms, text = validate_graph(loaded.graph)
    assert conforms, text


@pytest.mark.parametrize("text", ["no findings here, 只有一句话。", "今天天气很好。\n一、出门散步\n(一)公园里人很多。"])
def test_a_text_that_is_not_a_report_is_refused_saying_what_was_expected(text):
    with pytest.raises(StructureError, match="not a rectification report; expected a title like"):
        load_text(text, "note.txt", "utf-8")


def test_reports_with_findings_carry_no_warning():
    assert load_file(CHENGXI).report.warnings == []


def _roles(path: Path) -> list[tuple[int, str, str]]:
    return [(n.level, n.label[:6], n.role) for n in read_outline(load_file(path).report).walk()]


def test_the_outline_nests_by_marker_and_names_each_role():
    roles = _roles(CHENGXI)
    assert roles[:5] == [
        (1, "一、强化政治", "part"),
        (2, "(一)提高政", "not-a-finding"),
        (2, "(二)压实整", "not-a-finding"),
        (2, "(三)强化督", "not-a-finding"),
        (1, "二、巡察反馈", "part"),
    ]
    assert roles[5:9] == [
        (2, "(一)在“贯", "category"),
        (3, "1.关于“学", "group"),
        (4, "(1)关于“", "finding"),
        (4, "(2)关于“", "finding"),
    ]
    assert roles[9] == (3, "2.关于“意", "finding")  # the group's sibling, not its child
    assert [r for r in roles if r[1].startswith("三、")] == [(1, "三、下一步工", "part")]
    assert sum(1 for r in roles if r[2] == "finding") == 7


def test_the_outline_says_why_a_numbered_line_is_no_finding_and_counts_measures():
    lines = render(read_outline(load_file(YUNLING).report))
    assert "L1 二、关于政治监督方面问题的整改情况 — part, read as a category" in lines
    assert any(line.startswith("  L2 问题3:财务报销审核不严") and line.endswith("finding, 1 measure") for line in lines)
    assert (
        "  L2 1.坚持问题导向,防止已整改问题反弹回潮。 — not-a-finding (a plan: its part looks ahead (下一步, 打算))"
        in lines
    )


def test_lines_that_nearly_match_a_heading_are_shown():
    text = CHENGXI.read_text(encoding="utf-8").replace("2.关于“意识形态", "2 关于“意识形态")
    outline = read_outline(load_text(text, "near.txt", "utf-8").report)
    assert [t[:8] for _, t in outline.near] == ["2 关于“意识形"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run([RECTKG, *args], capture_output=True, text=True, env=env, timeout=300)


def test_rectkg_outline_prints_the_tree(tmp_path):
    result = _cli("--store", str(tmp_path / "store"), "outline", str(YUNLING))
    assert result.returncode == 0, result.stderr
    assert "7 findings, 14 measures" in result.stdout
    assert "L2 问题1:经办服务便民度不高" in result.stdout
    assert not (tmp_path / "store").exists()  # nothing is written


def test_rectkg_outline_refuses_a_text_that_is_no_report(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("今天天气很好。\n", encoding="utf-8")
    result = _cli("outline", str(note))
    assert result.returncode == 1 and "not a rectification report" in result.stderr


def test_ingest_keeps_a_partial_report_with_a_warning_and_strict_refuses_it(tmp_path):
    cut = tmp_path / "cut.txt"
    cut.write_text(_cut_before_findings(), encoding="utf-8")
    strict = _cli("--store", str(tmp_path / "strict"), "ingest", "--strict", str(cut))
    assert strict.returncode == 1 and "--strict: no findings could be read" in strict.stderr
    store = OxigraphStore(tmp_path / "strict", read_only=True)
    try:
        assert list(store.graphs()) == []
    finally:
        store.close()
    lenient = _cli("--store", str(tmp_path / "lenient"), "ingest", str(cut))
    assert lenient.returncode == 0, lenient.stderr
    assert "0 findings" in lenient.stdout and "warning: no findings could be read" in lenient.stdout


LAYOUT_GOLDS = sorted(LAYOUTS.glob("*.gold.json"))


@pytest.mark.parametrize("gold_path", LAYOUT_GOLDS, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_the_outline_of_every_layout_shows_its_gold_findings(gold_path):
    """`rectkg outline` is what a user checks a reading against: its finding-level headings are the
    gold findings, with their printed numbers, titles (as far as the outline shows them) and measures."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    report = load_file(LAYOUTS / gold["text_file"]).report
    found = [n for n in read_outline(report).walk() if n.role == "finding"]
    assert [(n.number, n.measures) for n in found] == [(str(g["number"]), g["measures"]) for g in gold["findings"]]
    for node, g in zip(found, gold["findings"], strict=True):
        assert node.title.startswith(g["title"][: len(node.title)]) or g["title"].startswith(node.title)
    items = [n for n in read_outline(report).walk() if n.inside]
    assert all(n.children == [] for n in items)  # a measure's item holds nothing


def test_items_of_a_finding_nest_under_it_and_markers_keep_their_print():
    """3)关于…问题 with (1)…;(2)… measures on the next line: the items sit under the finding,
    and the finding's marker is shown as printed (3), not (3))."""
    report = load_file(LAYOUTS / "tongling-county-transport-2025-10-30.txt").report
    lines = render(read_outline(report))
    finding = next(i for i, line in enumerate(lines) if "3)关于农村公路养护资金监管不到位问题" in line)
    assert lines[finding].startswith("    L3 3)") and lines[finding].endswith("finding, 3 measures")
    assert lines[finding + 1].startswith("      L4 (1)联合县财政局")
