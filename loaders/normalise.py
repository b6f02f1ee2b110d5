"""Text normalisation: one canonical text per report, which every evidence offset points into.

Full-width ASCII becomes half-width so the parser sees one alphabet of brackets and digits
(sources mix （一） and (一)), while CJK punctuation (。、《》“”〔〕) and circled numbers stay,
because they carry meaning (titles, 文号, measure markers). NFKC is deliberately not used: it
would turn ① into 1 and destroy a measure marker.
"""

from __future__ import annotations

import re

_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20

# Lines that are web-page furniture, not content: navigation, font-size and print buttons, footers.
_FURNITURE = re.compile(
    r"^(?:返回上一级|返回|字号|打印|关闭|分享|朗读|关闭窗口|打印本页|"
    r"首页\s*>.*|【[^】]*】(?:\s*【[^】]*】)*|"
    r"(?:主办单位|承办单位|技术支持|网站标识码|ICP备).*)$"
)


def to_half_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _trimmed_lines(text: str) -> list[str]:
    return [raw.strip() for raw in to_half_width(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")]


def _is_content(line: str) -> bool:
    return bool(line) and not _FURNITURE.match(line)


def normalise(text: str) -> str:
    """Half-width ASCII, unified line ends, trimmed lines, furniture and blank runs removed."""
    return "\n".join(line for line in _trimmed_lines(text) if _is_content(line)) + "\n"


def normalise_like(printed: str, reading: str) -> str:
    """`printed` normalised as `reading`, the same page converted character for character (another
    script), is: the lines its reading keeps are kept, so offsets into one are offsets into the other
    (furniture is recognised in the reading: 返回上一級 is 返回上一级)."""
    pairs = zip(_trimmed_lines(printed), _trimmed_lines(reading), strict=True)
    return "\n".join(line for line, read in pairs if _is_content(read)) + "\n"
