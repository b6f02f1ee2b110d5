"""Organisations and their roles in each measure.

By the annotation guide the issuing body leads every measure. Every other organisation named in a
measure becomes one node per real-world body (区市场监管局, 市场监管部门 and 区市场局 are one), named
by its place and full name (青浦区市场监督管理局), with every printed form as an alias, and gets the
role its cue words give it (roles.py). Generic unnamed bodies, the issuer's own units and the
townships taken together keep their own flags, so that queries can leave them out or count them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from loaders.documents import JOINT_ACTIONS, TITLE, action_before, document, issuer_span
from loaders.mentions import Finder, Mention, MentionList
from loaders.model import Involvement, Measure, Organisation, Report, Span
from loaders.orgs import Body, Gazetteer, Term, gazetteer
from loaders.places import LEVEL_CHAR, Jurisdiction, Place
from loaders.roles import Cue, context, read_cue

log = logging.getLogger(__name__)

CLAUSE_START = "。;,:、\n"


def issuer_canonical(report: Report) -> str | None:
    """The bureau behind the issuing Party group: 中共上海市青浦区民政局党组 → 青浦区民政局."""
    if not report.bureau:
        return None
    place = (report.place or "").removeprefix(report.parent_place or "")
    return f"{place}{report.bureau}"


@dataclass
class Namer:
    """Turns a mention into the organisation it names, in this report's jurisdiction."""

    report: Report
    gaz: Gazetteer
    jur: Jurisdiction
    issuer: str | None
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (body, place) → official name

    @property
    def own(self) -> Place:
        return self.jur.own or Place("", "", None)

    def choose_names(self, mentions: list[Mention]) -> None:
        """The first printed form that fixes a body's official name (卫健委 → 卫生健康委员会) names
        it throughout the report; bodies never so named take their level's usual name."""
        for m in mentions:
            body = m.term.body
            if body and m.form in body.implies:
                place = m.place or self.own
                self.names.setdefault((body.key, place.name), body.implies[m.form])

    def resolve(self, m: Mention, carry: Place | None) -> Organisation:
        sort = m.term.sort
        if sort == "alias":
            return self.report.orgs[m.term.name]
        if sort == "issuer":
            return self._issuer()
        if sort == "collective":
            return self._collective(m.form)
        if sort == "internal":
            return self._internal(m.term.name)
        if sort in ("generic", "other"):
            return self._generic(m, carry)
        if sort == "subordinate":
            return self._subordinate(m, carry)
        return self._body(m, carry)

    def _issuer(self) -> Organisation:
        return self.report.orgs[self.issuer] if self.issuer else self._unresolved("本局", "government-department")

    def _collective(self, printed: str) -> Organisation:
        """Townships and streets (11个街镇, 各乡镇(街道)) are one node per jurisdiction; so are the
        counties and districts of a city (各县(市、区))."""
        label = self.gaz.collective_label.get(self.own.level or "", self.gaz.collective_label["default"])
        if printed.endswith(self.gaz.upper_forms):
            label = self.gaz.upper_label.get(self.own.level or "", self.gaz.upper_label["default"])
        org = Organisation(f"{self.own.label}{label}", "grassroots-government", self.own.name or None)
        org.collective = True
        return org

    def _internal(self, unit: str) -> Organisation:
        parent = self.issuer or ""
        org = Organisation(f"{parent}{unit}", "internal-unit", self.own.name or None, internal=True)
        org.parent = self.issuer
        return org

    def _generic(self, m: Mention, carry: Place | None) -> Organisation:
        place = m.place or carry or self.own
        kind = m.term.kind if m.term.sort in ("generic", "other") else "generic"
        org = Organisation(_qualified(f"{m.prefix if m.vague else ''}{m.form}", place.label), kind, place.name or None)
        org.generic = True
        return org

    def _subordinate(self, m: Mention, carry: Place | None) -> Organisation:
        place = m.place or carry or self.own
        org = Organisation(f"{place.label}{m.term.name}", "public-institution", place.name or None)
        if place == self.own:
            org.internal, org.parent = True, self.issuer
        return org

    def _body(self, m: Mention, carry: Place | None) -> Organisation:
        body = m.term.body
        if m.vague:
            return self._generic(m, carry)
        if m.lower:
            return self._lower(m)
        place = self._place(m, carry)
        if place is None:
            return self._unresolved(f"{m.prefix}{m.form}", m.term.kind)
        if m.term.sort == "bureau":
            body = self.gaz.bureau_body(self.report.bureau)
            if place == self.own:
                return self._issuer()
        if m.term.sort == "pattern" and body is not None and self._hosted_by_issuer(m):
            return self._named_body(body, place)
        if m.term.sort in ("pattern", "unknown") or body is None:
            name = m.form if m.term.sort in ("pattern", "unknown") else (self.report.bureau or m.form)
            return Organisation(f"{place.label}{name}", m.term.kind, place.name)
        return self._named_body(body, place)

    def _hosted_by_issuer(self, m: Mention) -> bool:
        """省纪委监委驻省民政厅纪检监察组 in the 民政厅's own report is the group stationed at the
        issuer, whichever way the host is printed (省民政厅, 南陵省民政厅, 民政厅)."""
        host = self.gaz.host(m.term, m.form) or ""
        level = host[:1] if host[:1] in LEVEL_CHAR.values() else ""
        host = host.removeprefix(self.jur.named_start(host) or level)
        issuer_body = self.gaz.bureau_body(self.report.bureau)
        return host == self.report.bureau or any(t.body is issuer_body for t in self.gaz.terms.get(host, []) if t.body)

    def _lower(self, m: Mention) -> Organisation:
        """各区民政局: the same department of every lower jurisdiction, one collective node."""
        body = m.term.body
        name = body.default_name(None) if body else m.form
        org = Organisation(f"{self.own.label}{m.prefix}{name}", m.term.kind, self.own.name or None)
        org.collective = True
        return org

    def _place(self, m: Mention, carry: Place | None) -> Place | None:
        if m.term.sort == "level" and m.term.level:
            return self.jur.relative(LEVEL_CHAR[m.term.level])
        if m.prefix:
            return m.place
        return carry or self.own

    def _named_body(self, body: Body, place: Place) -> Organisation:
        name = self.names.get((body.key, place.name)) or body.default_name(place.level)
        issuer_body = self.gaz.bureau_body(self.report.bureau)
        if place == self.own and issuer_body is not None and body.key == issuer_body.key:
            return self._issuer()
        return Organisation(body.label(place.label, name, self.issuer or ""), body.kind, place.name or None)

    def _unresolved(self, printed: str, kind: str) -> Organisation:
        """区X in a county report, 市X where the city is unknown: a body we cannot place."""
        return Organisation(_qualified(printed, self.own.label), kind, None)


def _qualified(name: str, place_label: str) -> str:
    """有关部门(青浦区): an unnamed or unplaced body, told apart by the report's place."""
    return f"{name}({place_label})" if place_label else name


def adjust(cue: Cue, org: Organisation, issuer: str | None, classes: frozenset[str] = frozenset()) -> tuple[str, str]:
    """The issuer always leads; its own units lead only when they 牵头/负责, and are never
    partners; an institution of its own that the report works with as a body apart (联合区经济
    状况核对中心) is a partner, one it sets to work (组织区教育学院) is not; work pushed down
    (组织/压实) makes partners of public bodies, not of firms; classes of institutions (养老机构
    参与) are never partners."""
    if org.canonical == issuer:
        return "lead", "issuing body"
    if org.internal:
        if cue.rule in ("lead", "by"):
            return "lead", cue.word
        if cue.role == "partner" and cue.rule != "push" and org.kind == "public-institution":
            return "partner", cue.word
        return ("target" if cue.role == "target" else "mentioned"), cue.word
    is_class = org.generic and org.kind in classes
    if org.generic and (cue.rule == "push" or (is_class and cue.role in ("partner", "lead"))):
        return "mentioned", cue.word
    return ("partner" if cue.role == "lead" else cue.role), cue.word


def _add(report: Report, org: Organisation, surface: str) -> Organisation:
    kept = report.orgs.setdefault(org.canonical, org)
    kept.aliases.add(surface)
    return kept


def _carry(m: Mention, carry: Place | None, own: Place | None) -> Place | None:
    """A list item without a place of its own takes an explicit other place before it
    (昆山民政、自然资源等部门 → both Kunshan's)."""
    if m.prefix:
        return m.place if m.place is not None and m.place != own and not m.vague else None
    return carry


def _abbreviations(report: Report, finder: Finder, namer: Namer) -> None:
    """(以下简称X): X names the body just before the bracket, wherever it appears later. A bracket
    after anything that is not an organisation (a document, a campaign) is left alone."""
    for match in finder.gaz.abbreviation.finditer(report.text):
        short, start = match.group(1), match.start()
        lists = finder.find(report.text, max(0, start - 40), start)
        last = lists[-1].items[-1] if lists else None
        if last is not None and last.end == start:
            org, printed = _add(report, namer.resolve(last, None), last.surface), last.surface
        elif (unknown := _unknown_body(report.text, start, namer)) is not None:
            (printed,) = unknown.aliases
            org = _add(report, unknown, short)
        else:
            continue
        org.aliases.add(short)
        for form in (short, printed):  # the full name too, so that it wins over its own tail
            finder.extra[form] = Term("alias", org.canonical, org.kind)


def _unknown_body(text: str, end: int, namer: Namer) -> Organisation | None:
    """The organisation printed in full before an abbreviation bracket, if it ends like one
    (…服务中心, …工作专班); a measure marker, cue words and the clause up to a preposition before it
    (巡视组对…集团有限公司) are not part of its name."""
    gaz = namer.gaz
    start = max(text.rfind(c, 0, end) for c in CLAUSE_START) + 1
    name = re.sub(gaz.raw["measure_marker"], "", text[start:end])
    name = name[max(name.rfind(c) for c in gaz.raw["name_breaks"]) + 1 :]
    leading = sorted(gaz.boundary_words() + gaz.words("adverbs") + gaz.words("founding_words"), key=len, reverse=True)
    while word := next((w for w in leading if name.startswith(w)), None):
        name = name[len(word) :]
    suffix = next((s for s in gaz.abbreviation_suffixes() if name.endswith(s)), None)
    if suffix is None or not 2 <= len(name) <= 24:
        return None
    place = namer.jur.relative(name[0]) if name[0] in LEVEL_CHAR.values() else None
    canonical = f"{place.label}{name[1:]}" if place else name
    org = Organisation(canonical, gaz.unknown_kinds.get(suffix, "working-group"), (place or namer.own).name or None)
    org.generic = suffix in gaz.words("working_groups")
    org.aliases.add(name)
    return org


def _read_measure(report: Report, finder: Finder, measure: Measure) -> list[tuple[MentionList, Cue]]:
    found, prev = [], measure.span.start
    lo, hi = measure.span.start, measure.span.end
    for lst in finder.find(report.text, lo, hi):
        ctx = context(report.text, lo, hi, prev, lst, finder.gaz.words("adverbs"))
        found.append((lst, read_cue(ctx, finder.gaz)))
        prev = lst.end
    return found


def _title_issuers(report: Report, finder: Finder, namer: Namer, title: re.Match[str]) -> list[Involvement]:
    """The named bodies a title prints before 关于 (…民政局…财政局关于…的通知), as partner links
    for the measure that creates, revises or issues it; recorded as the document's issuers."""
    span = issuer_span(report.text, title)
    if span is None:
        return []
    found = []
    for lst in finder.find(report.text, *span, in_title=True):
        for m in lst.items:
            org = namer.resolve(m, None)
            if not (org.generic or org.internal):
                org = _add(report, org, m.surface)
                found.append(Involvement(org.canonical, "partner", m.surface, "joint issuer", Span(m.start, m.end)))
    if found:
        document(report, title.group(1).strip()).issuers = list(dict.fromkeys(inv.org for inv in found))
    return found


def _joint_issuers(report: Report, finder: Finder, namer: Namer) -> dict[int, list[Involvement]]:
    """Co-issuers of the documents the issuer issued with others, by where the title starts (the
    issuer itself left out): a document of other bodies only (转发《市民政局市财政局关于…》) shares
    no work with them."""
    out = {}
    for title in TITLE.finditer(report.text):
        found = _title_issuers(report, finder, namer, title)
        if any(inv.org == report.issuer for inv in found):
            out[title.start()] = [inv for inv in found if inv.org != report.issuer]
    return out


def _joint_partners(report: Report, measure: Measure, joint: dict[int, list[Involvement]]) -> list[Involvement]:
    """A document issued jointly makes its co-issuers partners of the measure that makes, revises
    or issues it; a measure that only studies or applies it shares nothing with them."""
    lo, hi = measure.span.start, measure.span.end
    return [
        inv
        for start, found in joint.items()
        if lo <= start < hi and action_before(report.text, start) in JOINT_ACTIONS
        for inv in found
    ]


def _register_issuer(report: Report) -> str | None:
    canonical = issuer_canonical(report)
    if canonical is None:
        return None
    org = report.orgs.setdefault(canonical, Organisation(canonical, "government-department", report.place))
    org.aliases.add(canonical)
    if report.issuer_name:
        org.aliases.add(report.issuer_name)
    report.issuer = canonical
    return canonical


def _issuer_span(report: Report) -> Span:
    """Where the issuer is printed: the start of the title (中共…民政局党组关于…)."""
    title = report.title_span or Span(0, 0)
    if report.issuer_name and report.quote(title).startswith(report.issuer_name):
        return Span(title.start, title.start + len(report.issuer_name))
    return title


def read_entities(report: Report) -> None:
    issuer = _register_issuer(report)
    gaz, jur = gazetteer(), Jurisdiction.of(report)
    finder = Finder(gaz, jur, report.bureau)
    namer = Namer(report, gaz, jur, issuer)
    _abbreviations(report, finder, namer)
    printed = _issuer_span(report)
    per_measure = [(m, _read_measure(report, finder, m)) for m in report.measures]
    namer.choose_names([item for _, found in per_measure for lst, _ in found for item in lst.items])
    joint = _joint_issuers(report, finder, namer)
    for measure, found in per_measure:
        if issuer:
            surface = report.quote(printed)
            measure.involvements.append(Involvement(issuer, "lead", surface, "issuing body", printed))
        for lst, cue in found:
            carry = None
            for m in lst.items:
                org = _add(report, namer.resolve(m, carry), m.surface)
                carry = _carry(m, carry, jur.own)
                role, word = adjust(cue, org, issuer, gaz.class_kinds)
                measure.involvements.append(Involvement(org.canonical, role, m.surface, word, Span(m.start, m.end)))
        measure.involvements.extend(_joint_partners(report, measure, joint))
    log.debug("%d organisations in %s", len(report.orgs), report.title)
