"""A PDF with a text layer → the report's text, one paragraph a line.

pdfminer.six is used rather than pypdf because it gives every text line with its box: the
paragraph structure a report's headings depend on is not in a PDF's text, only in its geometry.
Both extract Chinese equally well (CID fonts such as STSong-Light and embedded TrueType subsets);
pypdf returns lines without positions. Three extraction artefacts are undone here, so that the
structure reader sees the same lines as in a .txt copy:

- paragraphs are wrapped into lines: a line that reaches the right margin continues on the next
  line unless that line is indented (by its position, or by spaces typed before it), set in another
  size, or after a paragraph gap; a long title,
  set larger and centred, continues on the next centred line of its size;
- running page headers and footers (the same text at the top or bottom of most pages, page
  numbers such as "- 3 -" or "第3页 共9页") are dropped;
- spaced-out characters (justified or letter-spaced titles) come out as "通 报": spaces between
  two Chinese characters are removed.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTPage, LTTextLine

from loaders.errors import FormatError

log = logging.getLogger(__name__)
# pdfminer narrates every oddity of a damaged file at WARNING; the outcome is reported by this module.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 500
_CJK_CHAR = r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d]"
_CJK_GAP = re.compile(rf"(?<={_CJK_CHAR})[ \t\u00a0]+(?={_CJK_CHAR})")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_UNMAPPED = re.compile(r"\(cid:\d+\)")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–·\s]*\d+[-—–·\s]*|第\s*\d+\s*页(?:\s*[,/，]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|"
    r"page\s*\d+(?:\s*of\s*\d+)?)$",
    re.I,
)


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    typed_indent: bool = False  # the line starts with spaces typed as text: a paragraph's first line


def pdf_text(data: bytes, source: str) -> str:
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise FormatError(source, "not a PDF file (no %PDF header); give the report's PDF or its text")
    pages, images = _read_lines(data, source)
    if not pages:
        raise FormatError(source, "the PDF has no pages")
    lines = [line for page in _drop_running_lines(pages) for line in page]
    if not any(_CJK.search(line.text) for line in lines):
        if images:
            raise FormatError(source, "the PDF has no text layer (a scan?); run OCR on it or get the text version")
        raise FormatError(source, "the PDF has no text; give the report's text")
    text = "\n".join(_paragraphs(lines))
    unmapped = len(_UNMAPPED.findall(text))
    if unmapped > 0.05 * (unmapped + len(_UNMAPPED.sub("", text))):
        raise FormatError(
            source, "the PDF's fonts have no Unicode mapping, so its text cannot be read; run OCR on it instead"
        )
    if unmapped:
        log.warning("%s: %d characters have no Unicode mapping and read as (cid:N)", source, unmapped)
    return text


def _read_lines(data: bytes, source: str) -> tuple[list[list[_Line]], int]:
    pages: list[list[_Line]] = []
    images = 0
    try:
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams()), start=1):
            if number > MAX_PAGES:
                raise FormatError(source, f"more than {MAX_PAGES} pages; split the file")
            found: list[LTTextLine] = []
            images += _collect(page, found)
            pages.append(_merge_baselines(found, number))
    except (FormatError, MemoryError):  # MemoryError: the reader's limit (rectkg.reading), not a damaged file
        raise
    except Exception as error:  # pdfminer raises many types for damaged files (PSEOF, PDFSyntaxError, KeyError, …)
        log.debug("pdfminer failed on %s", source, exc_info=True)
        if "Password" in type(error).__name__ or "Encryption" in type(error).__name__:
            raise FormatError(source, "the PDF is password-protected; remove the password and try again") from None
        raise FormatError(
            source, f"a damaged, cut-short or encrypted PDF ({type(error).__name__}); get the file again"
        ) from None
    return pages, images


def _collect(container: LTPage | LTFigure, found: list[LTTextLine]) -> int:
    """Text lines in reading containers, and how many images (a scan is images with no text)."""
    images = 0
    for item in container:
        if isinstance(item, LTTextLine):
            found.append(item)
        elif isinstance(item, LTImage):
            images += 1
        elif isinstance(item, LTFigure) or (hasattr(item, "__iter__") and not isinstance(item, LTChar)):
            images += _collect(item, found)
    return images


def _merge_baselines(found: list[LTTextLine], page: int) -> list[_Line]:
    """One line per baseline, top to bottom, left to right: pdfminer splits a line at wide gaps
    (justified text, table cells), and its pieces' baselines differ by fractions of a point."""
    rows: list[list[LTTextLine]] = []
    for item in sorted((t for t in found if t.get_text().strip()), key=lambda t: -t.y0):
        if rows and abs(rows[-1][0].y0 - item.y0) < 0.3 * max(item.y1 - item.y0, 1.0):
            rows[-1].append(item)
        else:
            rows.append([item])
    lines = []
    for row in rows:
        row.sort(key=lambda t: t.x0)
        raw = row[0].get_text()
        text = _CJK_GAP.sub("", " ".join(t.get_text().strip() for t in row))
        size = max(max(t.y1 - t.y0 for t in row), 1.0)
        top, bottom = max(t.y1 for t in row), min(t.y0 for t in row)
        typed_indent = raw[:1] in ("\u3000", " ", "\u00a0")
        lines.append(_Line(text, row[0].x0, row[-1].x1, top, bottom, size, page, typed_indent))
    return lines


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop page numbers, and text repeated at the top or bottom of most pages (running heads and feet)."""
    edges: Counter[str] = Counter()
    for lines in pages:
        edges.update({_shape(line.text) for line in _edge(lines)})
    repeated = max(2, len(pages) // 2 + 1)
    body_size = median(line.size for lines in pages for line in lines) if any(pages) else 0

    def running(line: _Line) -> bool:
        # Set no larger than the body: the title atop page 1 may repeat the running head's words.
        return len(pages) > 1 and edges[_shape(line.text)] >= repeated and line.size <= 1.1 * body_size

    kept = []
    for lines in pages:
        edge = {id(line) for line in _edge(lines)}
        kept.append([x for x in lines if id(x) not in edge or not (_PAGE_NUMBER.match(x.text) or running(x))])
    return kept


def _edge(lines: list[_Line]) -> list[_Line]:
    """The two lines at the top and the two at the bottom of a page, where running heads and feet sit."""
    return lines[:2] + lines[2:][-2:]


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Join wrapped lines back into paragraphs, from the body's margins, size and line spacing."""
    if not lines:
        return []
    size = median(line.size for line in lines)
    left = _left_margin(lines, size)
    rights = sorted(line.x1 for line in lines)
    right = rights[int(0.9 * (len(rights) - 1))]
    gaps = [a.bottom - b.top for a, b in pairwise(lines) if a.page == b.page]
    gap = median(gaps) if gaps else size
    middle = (left + right) / 2
    paragraphs = [lines[0].text]
    for prev, line in pairwise(lines):
        same_size = abs(prev.size - line.size) <= 0.15 * size
        next_page = prev.page != line.page
        near = not next_page and prev.bottom - line.top <= gap + 0.5 * size
        wrapped = prev.x1 >= right - 2 * size and line.x0 <= left + 0.5 * size and not line.typed_indent
        # A long title is set larger and centred, and wraps onto a second centred line.
        title = prev.size > 1.15 * size and all(abs((x.x0 + x.x1) / 2 - middle) < size for x in (prev, line))
        if same_size and ((title and near) or (wrapped and (near or next_page))):
            glue = " " if _latin(prev.text[-1:]) and _latin(line.text[:1]) else ""
            paragraphs[-1] += glue + line.text
        else:
            paragraphs.append(line.text)
    return paragraphs


def _left_margin(lines: list[_Line], size: float) -> float:
    """Where the body's lines start: the leftmost start that several body-size lines share. Not the
    commonest start: in a report of one-line paragraphs (headings, short measures) most lines start
    at the first-line indent, and taking that for the margin would join every paragraph to the next."""
    starts = Counter(round(line.x0) for line in lines if abs(line.size - size) <= 0.15 * size)
    shared = [x for x, n in starts.items() if n >= max(2, 0.05 * len(lines))]
    return min(shared) if shared else Counter(round(line.x0) for line in lines).most_common(1)[0][0]


def _latin(char: str) -> bool:
    """Words in Latin letters wrap at spaces, which the join must put back; Chinese and digits wrap anywhere."""
    return char.isascii() and char.isalpha()
