"""Every layout report re-read in the dresses it is published in: the same findings come out.

A report in tests/corpus/layouts is published as a Word file (numbers typed or set by Word's lists),
a PDF, a GBK web page (paragraphs in <p>; one block split by <br> with the source wrapped inside
sentences; or every line the source prints, its metadata and split title included), mirrored in
Traditional script (as text, or a whole Big5 page) or typed with half-width punctuation. Each dress
is made here from the report's text with the builders tests/formats_build.py already has, and each
must give the findings of the gold file: the same printed numbers, titles (in the dress's own
quotation marks) and measure counts.
A dress is built and read once per session (`_read`), so the cost is one read per report and dress.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import opencc
import pytest

from loaders.model import Report
from loaders.normalise import to_half_width
from loaders.pipeline import read_text
from loaders.sources import read_source
from tests.conftest import CORPUS
from tests.formats_build import CJK_TTF, Article, docx_file, html_page, pdf_file

LAYOUTS = CORPUS / "layouts"
GOLDS = sorted(LAYOUTS.glob("*.gold.json"))
# Lines between a report's title and its body that a publisher's template prints anew.
FURNITURE = re.compile(r"^(?:发布(?:时间|日期)|时间|日期|来源|信息来源|分享|朗读|\d{4}-\d{2}-\d{2}$)")
TO_TRADITIONAL = opencc.OpenCC("s2t.json")
# Typed on a half-width keyboard: full-width ASCII and the curly double quotes become ASCII.
HALF_WIDTH_QUOTES = str.maketrans({"“": '"', "”": '"'})


def _gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return (LAYOUTS / _gold(path)["text_file"]).read_text(encoding="utf-8")


def article(path: Path) -> Article:
    """The report as a publisher holds it: its title (printed on one line or two), its date and
    the paragraphs after the title, without the date and source lines a template prints anew."""
    gold = _gold(path)
    title = gold["report"]["title"]
    lines = [line.strip() for line in _text(path).splitlines()]
    end = next(
        i
        for i, line in enumerate(lines)
        if to_half_width(line) == to_half_width(title)
        or (i and to_half_width(lines[i - 1] + line) == to_half_width(title))
    )
    body = [line for line in lines[end + 1 :] if line and not FURNITURE.match(line)]
    site = title.split("关于")[0].removeprefix("中共").removesuffix("党组")
    return Article(title, gold["report"].get("publication_date", "2026-01-01"), body, site)


def _as_printed(path: Path) -> Article:
    """The article with every line the source prints in its body: breadcrumbs, metadata blocks and
    the title again (over two lines where the source breaks it), inside the site's own page."""
    lines = [line.strip() for line in _text(path).splitlines() if line.strip()]
    return replace(article(path), body=lines)


def _big5_mirror(path: Path) -> str:
    """The web page as a mirror site serves it: the whole page in Traditional script, in Big5,
    characters Big5 lacks written as character references."""
    page = TO_TRADITIONAL.convert(html_page(article(path), "utf-8").decode("utf-8"))
    data = page.replace('charset="utf-8"', 'charset="big5"').encode("big5", errors="xmlcharrefreplace")
    return read_source(data, "report.html")[0]


def _from_bytes(build: Callable[[Article], bytes], name: str) -> Callable[[Path], str]:
    return lambda path: read_source(build(article(path)), name)[0]


DRESSES: dict[str, Callable[[Path], str]] = {
    "docx": _from_bytes(docx_file, "report.docx"),
    "docx-listed": _from_bytes(lambda a: docx_file(a, listed=True), "report.docx"),
    "pdf": _from_bytes(pdf_file, "report.pdf"),
    "gbk-page": _from_bytes(lambda a: html_page(a, "gbk", meta="http-equiv"), "report.html"),
    "gbk-page-as-printed": lambda path: read_source(html_page(_as_printed(path), "gbk"), "report.html")[0],
    "gb2312-br-page": _from_bytes(lambda a: html_page(a, "gb18030", paragraphs="br"), "report.html"),
    "traditional": lambda path: TO_TRADITIONAL.convert(_text(path)),
    "big5-mirror": _big5_mirror,
    "half-width": lambda path: to_half_width(_text(path)).translate(HALF_WIDTH_QUOTES),
}


@cache
def _read(path: Path, dress: str) -> Report:
    return read_text(DRESSES[dress](path), f"{path.stem}.{dress}")


def _expected(path: Path, dress: str) -> list[tuple[str, str, int]]:
    """The gold findings as the dress prints their titles (Traditional is read in Simplified)."""
    quotes = HALF_WIDTH_QUOTES if dress == "half-width" else {}
    return [(str(g["number"]), g["title"].translate(quotes), g["measures"]) for g in _gold(path)["findings"]]


# A PDF costs a second to set and read: make test reads these, make soak every layout.
PDF_EVERY_RUN = ("yunling", "meixi", "minchuan", "baisha")


def _cases() -> list:
    """(report, dress) for every layout and dress; PDFs outside PDF_EVERY_RUN are soak runs."""
    cases = []
    for path in GOLDS:
        name = path.name.removesuffix(".gold.json")
        for dress in DRESSES:
            slow = dress == "pdf" and not name.startswith(PDF_EVERY_RUN)
            cases.append(pytest.param(path, dress, id=f"{name}-{dress}", marks=[pytest.mark.soak] if slow else []))
    return cases


@pytest.mark.parametrize(("path", "dress"), _cases())
def test_every_layout_reads_the_same_in_every_dress(path: Path, dress: str) -> None:
    if dress == "pdf" and not CJK_TTF.exists():
        pytest.skip(f"{CJK_TTF} is missing: `make test` installs it")
    report = _read(path, dress)
    assert [(f.number, f.title, len(f.measures)) for f in report.findings] == _expected(path, dress)


@pytest.mark.parametrize("dress", ["docx", "gbk-page", "traditional"])
@pytest.mark.parametrize("path", GOLDS, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_statuses_and_title_survive_the_dress(path: Path, dress: str) -> None:
    """What the report says of itself (its title, each finding's progress) is not lost in a dress."""
    gold, report = _gold(path), _read(path, dress)
    assert report.title == gold["report"]["title"]
    assert [f.status for f in report.findings] == [g["status"] for g in gold["findings"]]
