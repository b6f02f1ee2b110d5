"""Quantities (number, unit, what is counted) and dated events inside measures."""

from __future__ import annotations

from loaders.model import Report


def read_quantities(report: Report) -> None:
    """Fill measure.quantities and measure.events for every measure (to be written)."""
