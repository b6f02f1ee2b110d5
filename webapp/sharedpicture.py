"""The dashboard's picture of the shared-responsibility network: its most shared departments as a
small SVG drawn on the server (a seeded spring layout), so the dashboard needs no script and no
CDN, and the picture is the same on every visit until the store changes.

Only presentation attributes are written (no `style`), which the app's Content-Security-Policy
allows; every label is escaped.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph import analytics

TOP = 20  # departments drawn
NAMED = 10  # of which the most shared are named (the others on hover), so names do not overlap
WIDTH, HEIGHT, MARGIN = 640, 380, 50
FONT = "Noto Sans CJK SC, WenQuanYi Zen Hei, sans-serif"


def top(found: analytics.Analysis, count: int = TOP) -> nx.Graph:
    """The `count` departments sharing the most findings and what they share among themselves."""
    sharing = found.sharing
    strength = dict(sharing.degree(weight="findings"))
    chosen = sorted(strength, key=lambda n: (-strength[n], found.label(n), n))[:count]
    return sharing.subgraph(chosen)


def draw(found: analytics.Analysis, colours: tuple[str, ...], title: str) -> str:
    """The SVG text: edges as lines as thick as the findings shared, departments as circles sized
    by the findings they share and coloured by community, with their names."""
    graph = top(found)
    places = _layout(graph)
    community = found.community_of
    strength = dict(graph.degree(weight="findings"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' font-family={quoteattr(FONT)} font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for a, b, data in sorted(graph.edges(data=True)):
        (x1, y1), (x2, y2) = places[a], places[b]
        width = 1 + math.log2(data["findings"])
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
            f' stroke="#9aa5ab" stroke-width="{width:.1f}"/>'
        )
    radius = {n: 4 + 2 * math.sqrt(strength[n]) for n in graph}
    for node in sorted(graph, key=lambda n: strength[n]):
        x, y = places[node]
        colour = colours[(community.get(node, 1) - 1) % len(colours)]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius[node]:.1f}" fill="{colour}">')
        parts.append(f"<title>{escape(found.label(node))}</title></circle>")
    for node, (x, y) in _names(found, graph, places, radius, strength).items():
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="#1d2428">{escape(found.label(node))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _names(
    found: analytics.Analysis,
    graph: nx.Graph,
    places: dict[str, tuple[float, float]],
    radius: dict[str, float],
    strength: dict[str, int],
) -> dict[str, tuple[float, float]]:
    """Where to write the names of the most shared departments: under each circle, inside the
    picture, and only where no name already written (a more shared one's) would be overlapped."""
    written: dict[str, tuple[float, float]] = {}
    boxes: list[tuple[float, float, float, float]] = []
    for node in sorted(graph, key=lambda n: (-strength[n], found.label(n))):
        half = 6 * len(found.label(node))  # a 12 px CJK character is about 12 px wide
        x = min(max(places[node][0], half + 2), WIDTH - half - 2)
        y = places[node][1] + radius[node] + 13
        box = (x - half, y - 12, x + half, y + 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        written[node] = (x, y)
        boxes.append(box)
        if len(written) == NAMED:
            break
    return written


def _layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Positions inside the picture: each connected group of departments in a band of its own
    (wider for larger groups), laid out by a seeded spring layout, so separate groups neither
    collapse into dots nor drift to the edges, and the same store always gives the same picture."""
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    shares = [math.sqrt(len(part)) for part in parts]
    out: dict[str, tuple[float, float]] = {}
    left = float(MARGIN)
    for part, share in zip(parts, shares, strict=True):
        width = (WIDTH - 2 * MARGIN) * share / sum(shares)
        spread = 2.5 / math.sqrt(len(part))  # twice networkx's default spacing: room for names
        raw = nx.spring_layout(graph.subgraph(part), k=spread, weight="findings", seed=analytics.SEED)
        out.update({n: (_scale(x, left, width), _scale(y, MARGIN, HEIGHT - 2 * MARGIN)) for n, (x, y) in raw.items()})
        left += width
    return out


def _scale(value: float, start: float, size: float) -> float:
    """A spring-layout coordinate (-1 … 1) into the band [start, start + size]."""
    return start + (value + 1) / 2 * size
