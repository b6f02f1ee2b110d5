"""A Word .docx → the body's text, one paragraph a line, in document order.

python-docx opens the package; the text is read from the WordprocessingML itself, because
`Paragraph.text` skips runs inside tracked insertions (<w:ins>) and text boxes, and reports
edited with track changes on are common. Headings numbered by Word's list feature get their
numbers back (loaders/docx_numbering.py), as the structure reader depends on them. Page
headers, footers and footnotes are separate parts and stay out: furniture, not the report.
"""

from __future__ import annotations

import io
import logging
import zipfile

from docx import Document
from docx.oxml.ns import qn

from loaders.docx_numbering import Numbering
from loaders.errors import FormatError

log = logging.getLogger(__name__)

MAX_UNPACKED = 200 * 1024 * 1024  # a zip bomb must not exhaust memory before it is rejected
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_P, _T, _TAB, _BR, _CR = qn("w:p"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_NO_BREAK_HYPHEN, _DEL = qn("w:noBreakHyphen"), qn("w:del")


def docx_text(data: bytes, source: str) -> str:
    if data.startswith(_OLE):
        raise FormatError(
            source, "an old Word .doc or a password-protected file; open it in Word or WPS and save it as .docx"
        )
    _check_package(data, source)
    try:
        document = Document(io.BytesIO(data))
        numbering = Numbering(document)
        paragraphs = [numbering.label(p) + _paragraph_text(p) for p in document.element.body.iter(_P)]
    except Exception as error:  # a damaged package can fail in zipfile, lxml or python-docx; all mean the same
        log.debug("python-docx failed on %s", source, exc_info=True)
        raise FormatError(
            source, f"a damaged Word file ({type(error).__name__}); open it in Word and save it again"
        ) from None
    text = "\n".join(p for p in paragraphs if p.strip())
    if not text.strip():
        raise FormatError(source, "the Word document has no text; is the report in it as an image?")
    return text


def _check_package(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FormatError(
            source, "not a Word .docx (the zip container is damaged or cut short); open it in Word and save it again"
        ) from None
    if "word/document.xml" not in {m.filename for m in members}:
        raise FormatError(source, "a zip file, but not a Word document; give the .docx of the report")
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise FormatError(source, f"unpacks to more than {MAX_UNPACKED // 2**20} MB; this is not a plain report")


def _paragraph_text(paragraph) -> str:
    """The paragraph's own text: runs, insertions, hyperlinks and fields; not deletions or nested boxes."""
    parts: list[str] = []
    for el in paragraph.iter(_T, _TAB, _BR, _CR, _NO_BREAK_HYPHEN):
        if _inside_other(el, paragraph):
            continue
        if el.tag == _T:
            parts.append(el.text or "")
        elif el.tag == _TAB:
            parts.append("\t")
        elif el.tag == _NO_BREAK_HYPHEN:
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _inside_other(el, paragraph) -> bool:
    """True for text of a nested paragraph (a text box) or of a tracked deletion."""
    for ancestor in el.iterancestors():
        if ancestor is paragraph:
            return False
        if ancestor.tag in (_P, _DEL):
            return True
    return False
