"""A Word .docx → the body's text, one paragraph a line, in document order.

The package is unpacked here first, member by member in chunks, counting the bytes as they come out
of the decompressor, and handed to python-docx as a copy without compression: a zip's directory
may lie about sizes, and zipfile decompresses a whole member in one call when asked to read it all
(python-docx does), so a 2 MB file could take gigabytes before any check saw them.

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
import zlib

from docx import Document
from docx.oxml.ns import qn

from loaders.docx_numbering import Numbering
from loaders.errors import FormatError, LimitError, LoaderError

log = logging.getLogger(__name__)

# Bytes a Word file may unpack to, all members together: photos hardly compress, so a 20 MB file of
# them unpacks to about 20 MB; the rest is the document's XML, tens of MB for the longest reports.
MAX_UNPACKED = 64 * 1024 * 1024
MAX_MEMBERS = 10_000  # parts in the package; Word writes tens
_CHUNK = 1024 * 1024  # what one decompressor call may produce
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_P, _T, _TAB, _BR, _CR = qn("w:p"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_NO_BREAK_HYPHEN, _DEL = qn("w:noBreakHyphen"), qn("w:del")


def docx_text(data: bytes, source: str) -> str:
    if data.startswith(_OLE):
        raise FormatError(
            source, "an old Word .doc or a password-protected file; open it in Word or WPS and save it as .docx"
        )
    package = _unpacked(data, source)
    try:
        document = Document(io.BytesIO(package))
        numbering = Numbering(document)
        paragraphs = [numbering.label(p) + _paragraph_text(p) for p in document.element.body.iter(_P)]
    except (LoaderError, MemoryError):  # a limit the reader process enforces: not a damaged file
        raise
    except Exception as error:  # a damaged package can fail in zipfile, lxml or python-docx; all mean the same
        log.debug("python-docx failed on %s", source, exc_info=True)
        raise FormatError(
            source, f"a damaged Word file ({type(error).__name__}); open it in Word and save it again"
        ) from None
    text = "\n".join(p for p in paragraphs if p.strip())
    if not text.strip():
        raise FormatError(source, "the Word document has no text; is the report in it as an image?")
    return text


def _unpacked(data: bytes, source: str) -> bytes:
    """The package again, every member read within MAX_UNPACKED and stored without compression."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = [m for m in package.infolist() if not m.is_dir()]
            _check_members(members, source)
            copy = io.BytesIO()
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out:
                left = MAX_UNPACKED
                for member in members:
                    content = _member(package, member, left, source)
                    left -= len(content)
                    out.writestr(member.filename, content)
    except _DAMAGED as error:
        raise FormatError(
            source,
            f"not a Word .docx (the zip container is damaged, cut short or does not match its directory: {error}); "
            "open it in Word and save it again",
        ) from None
    return copy.getvalue()


def _check_members(members: list[zipfile.ZipInfo], source: str) -> None:
    names = {m.filename for m in members}
    if "word/document.xml" not in names:
        raise FormatError(source, "a zip file, but not a Word document; give the .docx of the report")
    if len(members) > MAX_MEMBERS:
        raise LimitError(source, f"the Word package has {len(members):,} parts, more than the loader's {MAX_MEMBERS:,}")


def _member(package: zipfile.ZipFile, member: zipfile.ZipInfo, left: int, source: str) -> bytes:
    """One member's bytes, read a chunk at a time (zipfile checks its CRC at the end), at most `left`."""
    chunks: list[bytes] = []
    size = 0
    with package.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > left:
                raise LimitError(
                    source,
                    f"the Word file unpacks to more than {MAX_UNPACKED // 2**20} MB (the loader's limit, "
                    f"reached in {member.filename}); a report's text is far smaller: save it again without "
                    "embedded files, or split it",
                )
            chunks.append(chunk)
    return b"".join(chunks)


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
