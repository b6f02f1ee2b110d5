"""Bytes to text: UTF-8 (with or without BOM) or GB18030, decided strictly, never guessed loosely.

A report decoded with the wrong codec would still "load" and silently produce garbage entities,
so decoding is strict: UTF-8 first (it almost never validates by accident), then GB18030, and
anything else is rejected with the byte offset where UTF-8 failed.
"""

from __future__ import annotations

import codecs
import re

from loaders.errors import DecodeError

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Return (text, encoding name)."""
    if not data.strip():
        raise DecodeError(source, "the file is empty; give a report's text")
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
        try:
            return _check(data.decode("gb18030"), source), "gb18030"
        except UnicodeDecodeError:
            raise DecodeError(
                source,
                "neither UTF-8 nor GB18030; re-save the file as UTF-8",
                offset=utf8_error.start,
            ) from None


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
