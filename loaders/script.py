"""Traditional script (pages mirrored in 繁體) read as Simplified, at the same character offsets.

Every pattern of the loader is written in Simplified characters, so a mirrored page is converted
for reading with OpenCC's t2s table. Evidence offsets point into the text as printed, so the
conversion must not change any length: OpenCC converts a phrase to a phrase of the same length for
almost every entry, and a line where it would not is converted one character at a time instead.
The corner quotes 「」『』 of Traditional pages become “”‘’, the quotes the readers know.

Only a page written in Traditional is converted: a Simplified page quoting one Traditional name
(乾元裡) keeps it as printed, since the phrase table could change a name. A Simplified page pays
one regular-expression scan; OpenCC's tables load on the first Traditional page.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from loaders.normalise import normalise, normalise_like

log = logging.getLogger(__name__)

# Common characters of these reports that exist only in Traditional script: a page without any of
# them is not converted and never loads OpenCC.
HINT = re.compile(
    "[關問題區會發這們為對國時進過經與個來說學習黨務組織實現處條點應規範單縣辦開責導員級議護調資財設計劃機構]"
)
HAN = re.compile(r"[\u4e00-\u9fff]")
SHARE = 0.05  # of the Han characters changed by the conversion: below it the page is Simplified
QUOTES = str.maketrans("「」『』", "“”‘’")


@cache
def _converter():
    import opencc  # a C++ extension with its tables built in: imported only for a Traditional page

    return opencc.OpenCC("t2s.json")


def normalised_reading(text: str) -> tuple[str, str]:
    """The normalised text to read and, for a page in Traditional script, the normalised text as
    printed (same length, same lines), else "": Report(text, original=printed)."""
    reading = to_simplified(text)
    if reading is text:
        return normalise(text), ""
    return normalise(reading), normalise_like(text, reading)


def to_simplified(text: str, *, force: bool = False) -> str:
    """The text in Simplified script, of the same length, or the text itself if it is not Traditional."""
    if not force and not HINT.search(text):
        return text
    converted = "\n".join(_line(line) for line in text.split("\n")).translate(QUOTES)
    if force:
        return converted
    changed = sum(a != b for a, b in zip(text, converted, strict=True))
    if changed < SHARE * len(HAN.findall(text)):
        return text
    log.info("read in Simplified script: %d characters converted from Traditional", changed)
    return converted


def _line(line: str) -> str:
    converted = _converter().convert(line)
    if len(converted) == len(line):
        return converted
    return "".join(_char(ch) for ch in line)


def _char(ch: str) -> str:
    converted = _converter().convert(ch)
    return converted if len(converted) == 1 else ch
