"""What the loader reads out of a report, before it becomes RDF.

Every extracted item keeps a Span into the normalised text: the evidence an investigator will be
shown next to each edge, and what the offset test checks against the stored text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Heading:
    number: str  # as printed, without brackets: "二", "3"
    title: str
    order: int
    span: Span


@dataclass
class Involvement:
    org: str  # canonical key into Report.orgs
    role: str  # lead | partner | target | mentioned
    surface: str
    cue: str
    span: Span


@dataclass
class Citation:
    title: str
    action: str  # created | revised | issued | studied | applied | mentioned
    span: Span


@dataclass
class PolicyUse:
    name: str
    action: str  # established | improved | applied
    span: Span
    document: str | None = None


@dataclass
class Quantity:
    value: str  # decimal as printed
    unit: str
    counted: str
    approximate: bool
    span: Span


@dataclass
class Event:
    date: str  # ISO date; a month or a year is its first day, see precision
    label: str
    span: Span
    precision: str = "day"  # day | month | year
    part: str = ""  # start | end for the two ends of a period, else empty


@dataclass
class Measure:
    ordinal: int
    marker: str
    text: str
    span: Span
    involvements: list[Involvement] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    policies: list[PolicyUse] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@dataclass
class Finding:
    order: int  # position in the report, 1-based
    number: str  # as printed
    title: str
    span: Span  # the title
    body: Span  # everything after the title up to the next heading
    category: int | None
    group: int | None
    status: str = "completed"
    ref: str = ""  # unique in the report: the number, with its category's where numbers restart
    lead: Span | None = None
    measures: list[Measure] = field(default_factory=list)


@dataclass
class Organisation:
    canonical: str  # full name, with its place where it has one
    kind: str
    place: str | None
    collective: bool = False  # 各乡镇(街道), 11个街镇: one node per jurisdiction
    generic: bool = False  # 有关部门, 相关部门: kept, never counted as sharing responsibility
    internal: bool = False  # a unit of the issuing body (办公室, 机关纪委): part of it, not a partner
    parent: str | None = None  # canonical key of the body an internal unit belongs to
    aliases: set[str] = field(default_factory=set)


@dataclass
class Document:
    title: str
    doc_type: str | None
    status: str | None
    number: str | None
    issuers: list[str] = field(default_factory=list)


@dataclass
class Claim:
    kind: str
    value: str
    text: str
    span: Span


@dataclass
class Report:
    text: str  # what the readers parse: normalised, in Simplified script
    title: str = ""
    title_span: Span | None = None
    issuer_name: str = ""  # as printed in the title: 中共…民政局党组
    issuer: str | None = None  # canonical org key of the issuing body
    place: str | None = None
    place_level: str | None = None
    parent_place: str | None = None
    bureau: str | None = None
    inspector: str | None = None  # canonical: 中共枫江县委第三巡察组
    inspected_name: str = ""  # the inspected body, canonical (usually the issuer itself)
    inspection_type: str | None = None
    dates: dict[str, tuple[str, Span]] = field(default_factory=dict)
    contact: dict[str, tuple[str, Span]] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    parts: list[Heading] = field(default_factory=list)
    categories: list[Heading] = field(default_factory=list)
    groups: list[Heading] = field(default_factory=list)
    group_category: dict[int, int | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    citations: list[Citation] = field(default_factory=list)  # 《…》 outside any measure
    warnings: list[str] = field(default_factory=list)  # what was not read, for the reader to check
    # The normalised text as printed, where it differs from `text` only in script (a page in
    # Traditional, loaders/script.py): same length, same offsets; evidence quotes it.
    original: str = ""

    def quote(self, span: Span) -> str:
        return self.text[span.start : span.end]

    @property
    def printed(self) -> str:
        """The text evidence offsets point into and quote: as printed (normalised), in its own script."""
        return self.original or self.text

    @property
    def measures(self) -> list[Measure]:
        return [m for f in self.findings for m in f.measures]
