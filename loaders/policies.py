"""Policies: named rules, mechanisms and systems a measure sets up or applies (no 《》 title)."""

from __future__ import annotations

from loaders.model import Report


def read_policies(report: Report) -> None:
    """Fill measure.policies for every measure (to be written: see the annotation guide)."""
