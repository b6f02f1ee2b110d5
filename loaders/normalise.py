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


def normalise(text: str) -> str:
    """Half-width ASCII, unified line ends, trimmed lines, furniture and blank runs removed."""
    text = to_half_width(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or _FURNITURE.match(line):
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"
