"""Jurisdictions: which place a relative or explicit name in a report refers to.

A report knows its own place from its issuer (上海市青浦区, district; 枫江县, county). 区财政局 in a
district report is that district's; 市局 is the city above; 昆山市民政局 is Kunshan's. Other
places are learned from the text as they appear (昆山市…), so a later bare 昆山民政 resolves too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.model import Report

LEVEL_CHAR = {"district": "区", "county": "县", "city": "市", "province": "省"}
SUFFIX_LEVEL = {"区": "district", "县": "county", "旗": "county", "市": "city", "省": "province"}


@dataclass(frozen=True)
class Place:
    name: str  # the jurisdiction's full name: 上海市青浦区
    label: str  # the lowest name, used in canonical labels: 青浦区
    level: str | None


@dataclass
class Jurisdiction:
    own: Place | None
    parent: Place | None
    known: dict[str, Place] = field(default_factory=dict)  # printed name → place

    @classmethod
    def of(cls, report: Report) -> Jurisdiction:
        own = parent = None
        if report.place:
            label = report.place.removeprefix(report.parent_place or "") or report.place
            own = Place(report.place, label, report.place_level)
        if report.parent_place:
            parent = Place(report.parent_place, report.parent_place, SUFFIX_LEVEL.get(report.parent_place[-1]))
        j = cls(own, parent)
        for place in (parent, own):
            if place:
                j.learn(place)
        if own and own.name != own.label:
            j.known[own.name] = own
        return j

    def learn(self, place: Place) -> None:
        """Know a place by its label and by its bare name (青浦区 and 青浦)."""
        self.known[place.label] = place
        bare = place.label[:-1]
        if len(bare) >= 2:
            self.known.setdefault(bare, place)

    def named(self, before: str) -> tuple[str, Place] | None:
        """The known place name that the text before a term ends with, longest first."""
        for name in sorted(self.known, key=len, reverse=True):
            if before.endswith(name):
                return name, self.known[name]
        return None

    def named_start(self, text: str) -> str | None:
        """The known place name that a text starts with, longest first (南陵省民政厅 → 南陵省)."""
        return next((name for name in sorted(self.known, key=len, reverse=True) if text.startswith(name)), None)

    def relative(self, char: str) -> Place | None:
        """区/县/市 before a name: the report's own place, or the city above it; None if unknown."""
        if self.own and LEVEL_CHAR.get(self.own.level or "") == char:
            return self.own
        if char == "市" and self.parent:
            return self.parent
        return None

    def other(self, name: str) -> Place:
        place = Place(name, name, SUFFIX_LEVEL.get(name[-1]))
        self.learn(place)
        return place
