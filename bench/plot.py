"""Scaling curves on log-log axes: query p50 and ingest time against N.

A straight line of slope 1 is linear growth; the dotted reference line makes "no faster than
linear" something one can see.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _linear_reference(ax, ns: list[int], start: float) -> None:
    ax.plot(ns, [start * n / ns[0] for n in ns], ":", color="grey", label="linear in N")


def _first(figures: dict) -> float:
    return figures.get("first_ms", figures["p50_ms"])


def plot(sizes: dict[int, dict], stem: Path) -> list[Path]:
    ns = sorted(sizes)
    if len(ns) < 2:
        return []
    keys = list(sizes[ns[0]]["queries"])
    fig, ax = plt.subplots(figsize=(12, 6))
    for key in keys:
        # The first run (answer cache empty): the engine's work, which is what grows with N.
        # A query left out at some N (--skip-from) is drawn where it was measured.
        at = [n for n in ns if key in sizes[n]["queries"]]
        ys = [_first(sizes[n]["queries"][key]["product"]) for n in at]
        style = "--" if key.startswith("shared-responsibility-live") else "-"
        ax.plot(at, ys, style, marker="o", label=key)
    _linear_reference(ax, ns, max(_first(sizes[ns[0]]["queries"][k]["product"]) for k in keys))
    latency = _save(fig, ax, "Saved-query latency", "first-run latency, ms (on-disk store)", stem, "latency", **OUTSIDE)

    fig, ax = plt.subplots(figsize=(7, 5))
    parts = (("ingest_s", "ingest total"), ("load_s", "writer waiting for readers"), ("write_s", "store write"))
    for part, label in parts:
        ax.plot(ns, [sizes[n][part] for n in ns], marker="o", label=label)
    _linear_reference(ax, ns, sizes[ns[0]]["ingest_s"])
    ingest = _save(fig, ax, "Ingest time", "seconds", stem, "ingest", fontsize=8)
    return [latency, ingest, *pages_plot(sizes, stem)]


def pages_plot(sizes: dict[int, dict], stem: Path) -> list[Path]:
    """Each page's later p50 over HTTP against N, beside the page budget (p50 300 ms): a page
    whose answer does not grow with N must draw a flat line. Drawn when two sizes or more have
    pages (`make bench` measures them from --http-min on; `python -m bench.growth` joins runs)."""
    ns = [n for n in sorted(sizes) if sizes[n].get("pages")]
    if len(ns) < 2:
        return []
    names = list(dict.fromkeys(name for n in ns for name in sizes[n]["pages"]["later"]))
    fig, ax = plt.subplots(figsize=(12, 6))
    for name in names:
        at = [n for n in ns if name in sizes[n]["pages"]["later"]]
        ax.plot(at, [max(sizes[n]["pages"]["later"][name]["p50_ms"], 0.1) for n in at], marker="o", label=name)
    ax.axhline(300, linestyle=":", color="grey", label="p50 budget 300 ms")
    return [_save(fig, ax, "Page latency", "later requests, p50 ms (HTTP, on-disk store)", stem, "pages", **OUTSIDE)]


OUTSIDE = {"fontsize": 7, "loc": "upper left", "bbox_to_anchor": (1.01, 1)}  # a long legend, right of the axes


def _save(fig, ax, title: str, ylabel: str, stem: Path, name: str, **legend) -> Path:
    """Log-log axes against N, the title, a grid and the legend (`legend`'s placement), as
    STEM-NAME.png."""
    ax.set(xscale="log", yscale="log", xlabel="reports (N)", ylabel=ylabel)
    ax.set_title(f"{title} against corpus size")
    path = stem.with_name(f"{stem.name}-{name}.png")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(**legend)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
