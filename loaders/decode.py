"""Bytes to text: UTF-8 (with or without BOM) or GB18030, decided strictly, never guessed loosely.

A report decoded with the wrong codec would still "load" and silently produce garbage entities,
so decoding is strict: UTF-8 first (it almost never validates by accident), then GB18030, and
anything else is rejected with the byte offset where UTF-8 failed. A charset the source declares
(an HTTP header, an HTML <meta>) is tried before guessing, because it is the publisher's word.
"""

from __future__ import annotations

import codecs
import logging
import re

from loaders.errors import DecodeError

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Four Chinese characters or punctuation marks in a row in UTF-8: GB18030 text almost never holds
# such a run by accident, so finding one in "GB18030" bytes (or before a UTF-8 error) means the file
# mixes the two encodings, which no single codec can read.
_UTF8_RUN = re.compile(rb"(?:[\xe3-\xe9][\x80-\xbf]{2}){4,}")

# Labels pages use for Chinese encodings that GB18030 (a superset) decodes identically; WHATWG does the same.
_GB_LABELS = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "euc-cn", "csgb2312", "iso-ir-58", "chinese", "gb_2312-80"}


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Return (text, encoding name)."""
    if not data.strip():
        raise DecodeError(source, "the file is empty; give a report's text")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        return _strict(data, "utf-16", source), "utf-16"
    if b"\x00" in data[:4096]:
        raise DecodeError(source, "the file looks binary (NUL bytes); give a .txt report in UTF-8 or GB18030")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", source), "utf-8-sig"
    try:
        return _check(data.decode("utf-8"), source), "utf-8"
    except UnicodeDecodeError as utf8_error:
        if utf8_error.reason == "unexpected end of data":
            raise DecodeError(
                source,
                "the file ends inside a UTF-8 character: it looks truncated; fetch it again",
                offset=utf8_error.start,
            ) from None
        if _UTF8_RUN.search(data, 0, utf8_error.start):
            raise DecodeError(
                source,
                "UTF-8 up to here, then bytes in another encoding (a part pasted from a GB18030 file?); "
                "re-save the whole file as UTF-8",
                offset=utf8_error.start,
            ) from None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            # UTF-8 bytes often pair up as GB18030 characters, so a UTF-8 part may only break the
            # GB18030 reading well after it ends: a UTF-8 run before that point is the cause.
            if mixed := _UTF8_RUN.search(data, 0, gb_error.start):
                raise _mixed(source, mixed.start()) from None
            raise DecodeError(
                source,
                "neither UTF-8 nor GB18030; re-save the file as UTF-8",
                offset=max(utf8_error.start, gb_error.start),
            ) from None
        if mixed := _UTF8_RUN.search(data):
            raise _mixed(source, mixed.start()) from None
        return _check(text, source), "gb18030"


def _mixed(source: str, offset: int) -> DecodeError:
    return DecodeError(
        source,
        "GB18030 with a part in UTF-8 from here (mixed encodings); re-save the whole file as UTF-8",
        offset=offset,
    )


def codec_name(label: str) -> str | None:
    """The Python codec for a declared charset label, or None when the label names no codec."""
    label = label.strip().strip("\"'").lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_declared(data: bytes, source: str, declared: list[tuple[str, str]]) -> tuple[str, str]:
    """Decode with the first declared charset that fits, else guess as `decode` does.

    `declared` is (where, label) in order of authority, e.g. [("HTTP header", "utf-8"),
    ("<meta>", "gbk")]. A declaration that does not fit the bytes is logged and passed over rather
    than trusted into mojibake: the bytes themselves are the stronger evidence.
    """
    if not data.strip():
        raise DecodeError(source, "the file is empty; give a report's text")
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data, source)  # a byte-order mark outranks any declaration
    for where, label in declared:
        codec = codec_name(label)
        if codec is None:
            log.warning("%s: the %s names an unknown charset %r; guessing instead", source, where, label)
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as error:
            log.warning("%s: the %s says %s, but byte %d does not fit it", source, where, label, error.start)
            continue
        if _CJK.search(text):
            return _check(text, source), codec
        log.warning("%s: decoded as %s (from the %s) there is no Chinese text; guessing instead", source, codec, where)
    return decode(data, source)


def _strict(data: bytes, codec: str, source: str) -> str:
    try:
        return _check(data.decode(codec), source)
    except UnicodeDecodeError as error:
        raise DecodeError(source, f"invalid {codec}; re-save the file as UTF-8", offset=error.start) from None


def _check(text: str, source: str) -> str:
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 200):
        raise DecodeError(source, "the file looks binary (control characters); give a text report")
    if not _CJK.search(text):
        raise DecodeError(source, "no Chinese text found; is this a rectification report?")
    return _CONTROL.sub("", text)
