"""Reports mirrored in Traditional script (issue 18, item 9): read in Simplified, evidence as printed.

The mirrored pages are made here from the Simplified samples with OpenCC's own s2t table, the way
mirror sites make them. Reading one must give what reading the Simplified page gives, at the same
offsets, while every evidence quote is the Traditional text the page prints.
"""

from __future__ import annotations

import opencc
import pytest
from rdflib import URIRef

from loaders import script
from loaders.normalise import normalise
from loaders.pipeline import load_text, read_text
from loaders.script import to_simplified
from ontology.iris import OA, RK
from tests.conftest import FENGJIANG, QINGPU

TO_TRADITIONAL = opencc.OpenCC("s2t.json")


def _mirror(path) -> tuple[str, str]:
    simplified = path.read_text(encoding="utf-8")
    return simplified, TO_TRADITIONAL.convert(simplified)


def _spans(report) -> list[tuple[str, int, int]]:
    """Every span the loader reads, labelled by what it is evidence of."""
    spans = [("claim", c.span) for c in report.claims] + [(k, s) for k, (_, s) in report.dates.items()]
    spans += [("contact", s) for _, s in report.contact.values()] + [("citation", c.span) for c in report.citations]
    for finding in report.findings:
        spans.append(("finding", finding.span))
        for m in finding.measures:
            spans.append(("measure", m.span))
            for items in (m.involvements, m.citations, m.policies, m.quantities, m.events):
                spans += [(type(x).__name__, x.span) for x in items]
    return [(kind, s.start, s.end) for kind, s in spans]


@pytest.mark.parametrize("path", [FENGJIANG, QINGPU], ids=["fengjiang", "qingpu"])
def test_mirrored_page_reads_as_the_simplified_one_at_the_same_offsets(path):
    simplified, traditional = _mirror(path)
    plain, mirrored = read_text(simplified, "s.txt"), read_text(traditional, "t.txt")
    assert mirrored.text == plain.text
    assert len(mirrored.original) == len(mirrored.text) and mirrored.original != mirrored.text
    assert to_simplified(mirrored.original, force=True) == mirrored.text
    assert [f.title for f in mirrored.findings] == [f.title for f in plain.findings]
    assert [(c.kind, c.value) for c in mirrored.claims] == [(c.kind, c.value) for c in plain.claims]
    assert sorted(mirrored.orgs) == sorted(plain.orgs)
    assert _spans(mirrored) == _spans(plain)


@pytest.mark.parametrize("path", [FENGJIANG, QINGPU], ids=["fengjiang", "qingpu"])
def test_every_evidence_quotes_the_printed_traditional_text(path):
    _, traditional = _mirror(path)
    loaded = load_text(traditional, "t.txt", "text/plain")
    printed = loaded.report.original
    assert "關於" in printed
    stored = {(s, p): o for s, p, o in loaded.triples if p in (RK.text, OA.start, OA.end, OA.exact, RK.sentence)}
    assert str(stored[(URIRef(loaded.report_iri), RK.text)]) == printed
    evidences = {s for s, p in stored if p == OA.exact}
    assert len(evidences) > 300
    for ev in evidences:
        start, end = int(stored[(ev, OA.start)]), int(stored[(ev, OA.end)])
        assert str(stored[(ev, OA.exact)]) == printed[start:end]
        assert str(stored[(ev, RK.sentence)]) in printed
    for kind, start, end in _spans(loaded.report):
        assert to_simplified(printed[start:end], force=True) == loaded.report.text[start:end], kind


def test_simplified_report_is_read_as_printed():
    text = QINGPU.read_text(encoding="utf-8")
    report = read_text(text, "s.txt")
    assert report.text == normalise(text) and report.original == "" and report.printed is report.text


def test_a_stray_traditional_name_in_a_simplified_report_stays():
    """One 乾 or 裡 quoted in a Simplified page is a name as printed, not a page to convert."""
    text = FENGJIANG.read_text(encoding="utf-8").replace("县民政局党组", "县民政局党组(乾元裡)", 1)
    report = read_text(text, "s.txt")
    assert "乾元裡" in report.text


def test_corner_quotes_read_as_chinese_quotes():
    """Traditional pages quote with 「」: the reader sees “”, one character for one."""
    assert to_simplified("建立「黑名單」管理制度", force=True) == "建立“黑名单”管理制度"


class _PhraseChangingLength:
    """A conversion table whose phrase 甲乙 becomes one character, as a few OpenCC phrases may."""

    def convert(self, text: str) -> str:
        return text.replace("甲乙", "丙").replace("甲", "丙")


def test_a_line_whose_phrases_change_length_is_converted_character_by_character(monkeypatch):
    monkeypatch.setattr(script, "_converter", _PhraseChangingLength)
    converted = to_simplified("甲乙丁\n甲丁", force=True)
    assert converted == "丙乙丁\n丙丁" and len(converted) == len("甲乙丁\n甲丁")
