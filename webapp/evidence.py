"""Evidence spans drawn onto the source text: every span highlighted, all text escaped.

Spans come from oa:start/oa:end offsets (code points into the report's rk:text). They may nest
(a department inside a measure) or overlap; the text is cut at every span boundary and each
piece is marked by the innermost span covering it, so no span hides another and no markup from
the document can reach the page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # finding | measure | involvement | citation | quantity | other
    note: str = ""


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The lines of text around [start, end)."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, len(text) if last < 0 else last


def region(text: str, anchors: list[Span]) -> tuple[int, int]:
    """The paragraphs spanning all anchors (the finding's and its measures' own evidence)."""
    bounds = [paragraph(text, s.start, s.end) for s in anchors]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def highlight(text: str, start: int, end: int, spans: list[Span]) -> Markup:
    """text[start:end] with each span inside it wrapped in <mark>."""
    inside = [s for s in spans if start <= s.start < s.end <= end]
    cuts = sorted({start, end, *(s.start for s in inside), *(s.end for s in inside)})
    out = []
    for a, b in itertools.pairwise(cuts):
        covering = [s for s in inside if s.start <= a and b <= s.end]
        piece = escape(text[a:b])
        if not covering:
            out.append(piece)
            continue
        span = min(covering, key=lambda s: s.end - s.start)
        title = "; ".join(dict.fromkeys(s.note for s in covering if s.note))
        out.append(Markup('<mark class="ev ev-{}" title="{}">{}</mark>').format(span.kind, title, piece))
    return Markup("").join(out)


def outside(spans: list[Span], start: int, end: int) -> list[Span]:
    """Spans that fall outside the shown region (e.g. an issuing body named in the title)."""
    return [s for s in spans if not (start <= s.start < s.end <= end)]
