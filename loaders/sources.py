"""A source file's bytes → the report's text, whatever the format it was published in.

Reports come as plain text, web pages, Word files and PDFs. Each reader returns the text with
one paragraph a line, which is all the structure reader needs; everything after this module is
format-blind, so the same report in any format gives the same graph. The reader is chosen by the
file's suffix, unless the bytes plainly say otherwise (a PDF saved as .html, a page saved as
.txt), since downloaded files are often misnamed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import PurePath

from loaders.decode import decode, decode_declared
from loaders.errors import FormatError
from loaders.source_docx import docx_text
from loaders.source_html import declared_charset, html_text
from loaders.source_pdf import pdf_text

log = logging.getLogger(__name__)

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|\?xml)", re.I | re.S
)


def _text(data: bytes, source: str, charset: str | None) -> tuple[str, str]:
    if charset:
        return decode_declared(data, source, [("given charset", charset)])
    return decode(data, source)


def _html(data: bytes, source: str, charset: str | None) -> tuple[str, str]:
    declared = [("HTTP header", charset)] if charset else []
    if meta := declared_charset(data):
        declared.append(("page's <meta>", meta))
    markup, encoding = decode_declared(data, source, declared)
    return html_text(markup, source), f"html, {encoding}"


def _docx(data: bytes, source: str, charset: str | None) -> tuple[str, str]:
    return docx_text(data, source), "docx"


def _pdf(data: bytes, source: str, charset: str | None) -> tuple[str, str]:
    return pdf_text(data, source), "pdf"


Reader = Callable[[bytes, str, str | None], tuple[str, str]]
READERS: dict[str, Reader] = {".txt": _text, ".html": _html, ".htm": _html, ".docx": _docx, ".pdf": _pdf}
SUFFIXES = frozenset(READERS)
# Formats a folder walk should still try, so their owner is told how to convert them rather than nothing.
OLD_WORD = frozenset({".doc", ".wps"})
RECOGNISED = SUFFIXES | OLD_WORD


def read_source(data: bytes, source: str, *, charset: str | None = None) -> tuple[str, str]:
    """Return (text, how it was read) for the file named `source`.

    `charset` is what a transport declared (an HTTP Content-Type parameter): it outranks a page's
    <meta>, which outranks guessing.
    """
    if not data.strip():
        raise FormatError(source, "the file is empty; fetch it again or give the report's file")
    suffix = PurePath(source).suffix.lower()
    if suffix in OLD_WORD:
        raise FormatError(source, f"an old Word or WPS {suffix} file; open it in Word or WPS and save it as .docx")
    sniffed = _sniff(data)
    if sniffed and sniffed != suffix and READERS.get(sniffed) is not READERS.get(suffix):
        log.warning("%s: the content is %s, not %s; reading it as %s", source, sniffed, suffix or "?", sniffed)
        suffix = sniffed
    reader = READERS.get(suffix)
    if reader is None:
        kinds = ", ".join(sorted(SUFFIXES))
        raise FormatError(source, f"unsupported file type {suffix or '(no suffix)'}; give one of {kinds}")
    return reader(data, source, charset)


def _sniff(data: bytes) -> str | None:
    """The format the first bytes prove, if any."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    if _HTML_START.match(data[:2048]):
        return ".html"
    return None
