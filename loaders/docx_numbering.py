"""Word's automatic list numbers, which are not in a .docx's text but are part of what a reader sees.

A report whose headings are a Word list (一、 （一） (1) ① made by the list feature rather than
typed) would lose every heading number in a plain text read, and with them its structure. The
numbers are recomputed here as Word does: counters per abstract list, deeper levels restart when a
shallower one advances, `w:startOverride` restarts a list instance, and the level's `w:lvlText`
(e.g. "（%2）") is filled with each level's number in its `w:numFmt`.
"""

from __future__ import annotations

from docx.oxml.ns import qn

from loaders.structure import cn_number

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_VAL = qn("w:val")


def _val(el, path: str) -> str | None:
    found = el.find(path)
    return None if found is None else found.get(_VAL)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        count, n = divmod(n, value)
        out += letters * count
    return out


def format_number(n: int, fmt: str) -> str:
    """One level's number in a WordprocessingML numFmt; unknown formats fall back to decimal."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "chineseLegalSimplified"):
        return cn_number(n) if n <= 99 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """Computes the list label of each paragraph, in document order (labels depend on what came before)."""

    def __init__(self, document):
        root = document.part.numbering_part.element if _has_numbering(document) else None
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstract id → ilvl → (start, fmt, text)
        self._nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstract id, start overrides)
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        self._style_num = _style_numbering(document)
        if root is None:
            return
        for abstract in root.iterchildren(qn("w:abstractNum")):
            levels = {}
            for lvl in abstract.iterchildren(qn("w:lvl")):
                start = int(_val(lvl, qn("w:start")) or 1)
                levels[int(lvl.get(qn("w:ilvl")))] = (start, _val(lvl, qn("w:numFmt")) or "decimal",
                                                      _val(lvl, qn("w:lvlText")) or "")  # fmt: skip
            self._levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.iterchildren(qn("w:num")):
            overrides = {
                int(o.get(qn("w:ilvl"))): int(_val(o, qn("w:startOverride")))
                for o in num.iterchildren(qn("w:lvlOverride"))
                if _val(o, qn("w:startOverride")) is not None
            }
            self._nums[num.get(qn("w:numId"))] = (_val(num, qn("w:abstractNumId")) or "", overrides)

    def label(self, paragraph) -> str:
        """The number Word shows before this paragraph, or "" when it is not a numbered list item."""
        num_id, ilvl = self._numbering_of(paragraph)
        if num_id is None or num_id not in self._nums:
            return ""
        abstract, overrides = self._nums[num_id]
        levels = self._levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self._counters.setdefault(abstract, {})
        if num_id not in self._started:
            self._started.add(num_id)
            for level, start in overrides.items():
                counters[level] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [lv for lv in counters if lv > ilvl]:
            del counters[deeper]
        text = levels[ilvl][2]
        for level in range(ilvl, -1, -1):
            start, fmt, _ = levels.get(level, (1, "decimal", ""))
            text = text.replace(f"%{level + 1}", format_number(counters.get(level, start), fmt))
        return text

    def _numbering_of(self, paragraph) -> tuple[str | None, int]:
        ppr = paragraph.find(qn("w:pPr"))
        num_pr = None if ppr is None else ppr.find(qn("w:numPr"))
        if num_pr is not None and _val(num_pr, qn("w:numId")) is not None:
            num_id = _val(num_pr, qn("w:numId"))
            return (None if num_id == "0" else num_id), int(_val(num_pr, qn("w:ilvl")) or 0)
        style = None if ppr is None else _val(ppr, qn("w:pStyle"))
        return self._style_num.get(style, (None, 0)) if style else (None, 0)


def _has_numbering(document) -> bool:
    """Whether the package has a numbering part; python-docx would create an empty one on access."""
    return any(rel.reltype.endswith("/numbering") for rel in document.part.rels.values())


def _style_numbering(document) -> dict[str, tuple[str | None, int]]:
    """Paragraph styles that carry list numbering (Heading 1 numbered as 一、), following basedOn."""
    own: dict[str, tuple[str | None, int] | None] = {}
    based: dict[str, str] = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is not None and _val(num_pr, qn("w:numId")) is not None:
            num_id = _val(num_pr, qn("w:numId"))
            own[style_id] = (None if num_id == "0" else num_id, int(_val(num_pr, qn("w:ilvl")) or 0))
        if parent := _val(style, qn("w:basedOn")):
            based[style_id] = parent
    resolved: dict[str, tuple[str | None, int]] = {}
    for style_id in set(own) | set(based):
        current, hops = style_id, 0
        while current not in own and current in based and hops < 20:
            current, hops = based[current], hops + 1
        if own.get(current):
            resolved[style_id] = own[current]
    return resolved
