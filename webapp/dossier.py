"""Dossiers: what an investigator prints about two departments that share findings (the pair
dossier), about one department, or about one report.

Each lists findings in document order, each with its measures: every department's role in the
measure and the cue word that gave it, the measure's sentence with the names and cues highlighted,
and the documents it cites. A pair dossier holds the findings both lead or partner on (the rule of
queries/shared-responsibility.rq) and the measures involving either; a department's, every finding
it is involved in, in any role (queries/department-profile.rq), and the measures involving it; a
report's, every finding and measure of the report with everyone involved. The page, its CSV and
its XLSX are laid out from the one `Dossier` built here, so the three always say the same thing.

The department or report is written into the queries as a constant (`<iri>`, checked by the
caller): Oxigraph plans a constant into an index lookup, where a substituted variable is joined to
the answer computed for every department (webapp/views/org.py), which would not stay fast at a
thousand reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request, url_for
from markupsafe import Markup

from ontology import iris
from webapp import evidence, i18n
from webapp.data import rows
from webapp.views import first_part, org

# Each query below starts from constants: a department's IRI written where its variable would be
# (a VALUES or BIND of it is not planned as a lookup), or a report's (REPORT_SCOPE, binding
# ?finding and ?measure), or the findings named (FINDINGS_SCOPE).
REPORT_SCOPE = "?finding rk:report <%s> . ?measure rk:finding ?finding ."
FINDINGS_SCOPE = "VALUES ?finding { %s }"

# Involvements of `org` (a constant, or ?org within a report's scope) with the measure's own span
# and, in a report's, each department's name (`named`: a department's own dossier has it already,
# and a constant's labels, stated in every report naming it, cost seconds). Where the name stands
# is read LATERAL, for each involvement found: as a plain OPTIONAL, Oxigraph read every evidence
# span in the store to join (17 s at 1,000 reports).
INVOLVED = """
SELECT DISTINCT ?label ?finding ?measure ?ordinal ?role ?cue ?start ?end ?mstart ?mend WHERE {
  %(scope)s
  ?inv rk:agent %(org)s ; rk:measure ?measure ; rk:role ?role .
  ?measure rk:finding ?finding ; rk:ordinal ?ordinal ; rk:evidence ?me .
  ?me oa:start ?mstart ; oa:end ?mend .
  %(named)s
  OPTIONAL { ?inv rk:cue ?cue }
  LATERAL { OPTIONAL { ?inv rk:evidence ?ie . ?ie oa:start ?start ; oa:end ?end } }
}"""
NAMED = "OPTIONAL { ?org skos:prefLabel ?label }"

# Measures in scope, whether or not a department is named in them (a report's dossier lists all).
MEASURES = """
SELECT DISTINCT ?finding ?measure ?ordinal ?mstart ?mend WHERE {
  %s
  ?measure rk:finding ?finding ; rk:ordinal ?ordinal ; rk:evidence ?me .
  ?me oa:start ?mstart ; oa:end ?mend .
}"""

# The documents cited by the measures in scope (for a department: the measures involving it).
CITED = """
SELECT DISTINCT ?measure ?document ?title WHERE {
  %s
  ?c rk:measure ?measure ; rk:document ?document .
  OPTIONAL { ?document dcterms:title ?title }
}"""
FINDING_MEASURES = " ?measure rk:finding ?finding ."  # after FINDINGS_SCOPE: the measures of the findings named

# What the dossier says of each finding in scope.
FINDINGS = """
SELECT DISTINCT ?finding ?number ?title ?report ?reportTitle ?order ?categoryTitle WHERE {
  %s
  ?finding rk:number ?number ; dcterms:title ?title ; rk:report ?report ; rk:order ?order .
  ?report dcterms:title ?reportTitle .
  OPTIONAL { ?finding rk:category ?category . ?category dcterms:title ?categoryTitle }
}"""
REPORT_FINDINGS = "?finding rk:report <%s> ; a rk:Finding ."  # categories and groups have rk:report too
DESCRIBED = 100  # findings described per query (a VALUES list, like webapp/views/org.py's pages)
PAGE = 50  # findings a dossier's page reads and shows at first

TEXT = "SELECT ?text WHERE { <%s> rk:text ?text }"  # a substituted ?report read every text
REPORT_TITLE = "SELECT ?title WHERE { <%s> a rk:Report ; dcterms:title ?title }"

# Cues that are rules of the reader, not words of the report (loaders/entities.py), in each language.
RULE_CUES = {
    "issuing body": ("发布单位（按规则）", "issuing body (by rule)"),
    "joint issuer": ("联合发文单位", "joint issuer"),
}


@dataclass
class Part:
    """One department's part in a measure: its role, the cue that gave it, where it is named."""

    role: str
    cue: str
    start: int | None
    end: int | None
    label: str = ""  # the department's name, for the report dossier's one column of departments


@dataclass
class Measure:
    iri: str
    ordinal: int
    start: int
    end: int
    parts: dict[str, list[Part]] = field(default_factory=dict)  # party side ("a" | "b") → parts
    documents: list[tuple[str, str]] = field(default_factory=list)  # (iri, title)
    sentence: Markup = field(default_factory=Markup)
    plain: str = ""

    def roles(self, side: str) -> list[tuple[str, str]]:
        """The side's (role, cue) pairs, once each: a name read twice in one measure is one part."""
        return list(dict.fromkeys((p.role, p.cue) for p in self.parts.get(side, [])))

    def everyone(self) -> list[tuple[str, str, str]]:
        """Every department's (name, role, cue), once each, in the order they stand in the text."""
        parts = sorted((p for ps in self.parts.values() for p in ps), key=lambda p: (p.start is None, p.start or 0))
        return list(dict.fromkeys((p.label, p.role, p.cue) for p in parts))


@dataclass
class Finding:
    iri: str
    number: str
    title: str
    report: str
    report_title: str
    category: str
    order: int = 0
    measures: list[Measure] = field(default_factory=list)


@dataclass
class Party:
    """A department the dossier is about: its own columns and highlight colour (`side`)."""

    side: str
    label: str
    iri: str


@dataclass
class Dossier:
    """`kind` is pair, department or report; `subject` the IRI the dossier is of (the report, the
    department, department A of a pair) and `title` its name; a report's dossier has no parties:
    one column lists every department."""

    kind: str
    subject: str
    title: str
    parties: list[Party]
    findings: list[Finding]
    total: int = 0  # findings in all, of which `findings` are the first part on a page
    more: str | None = None  # the link to the next part

    @property
    def documents(self) -> list[tuple[str, str]]:
        """Every document the dossier's measures cite, once each, in the order first cited."""
        seen = {d: None for f in self.findings for m in f.measures for d in m.documents}
        return list(seen)


def build(a: str, b: str, org_a: str, org_b: str, paged: bool = False) -> Dossier:
    """The dossier of two departments (labels as asked, IRIs as found), findings in document order:
    those both lead or partner on, from each one's roles (kept per document by each write, or read
    live: views/org.held). A self-join of every involvement, with the two departments substituted,
    was joined to them only after pairing the whole corpus (6 s at 100 reports). `paged`: only the
    first part is read and described (`first_part`); the busiest pair shares hundreds of findings
    at a thousand reports (2.3–3.6 s for all of them), which the downloads still hold."""
    parties = [Party("a", a, org_a), Party("b", b, org_b)]
    sharing = [{finding for role, finding in org.held(p.iri) if role in iris.SHARING_ROLES} for p in parties]
    ordered = sorted(set.intersection(*sharing), key=iris.document_order)
    chosen, more = _first(ordered, paged)
    findings = _described(chosen)
    measures: dict[str, Measure] = {}
    for party in parties:
        _attach(findings, measures, _involved(party.iri, chosen), party.side)
    _cite(measures, _cited(chosen))
    return Dossier("pair", org_a, f"{a} · {b}", parties, _finish(findings), len(ordered), more)


def department(label: str, org_iri: str, paged: bool = False) -> Dossier:
    """One department's dossier: every finding it is involved in, in any role, with the measures
    involving it (`org_iri` an IRI already checked, as it is written into the queries); `paged` as
    for `build` (the busiest department has a thousand findings at a thousand reports)."""
    ordered = sorted({finding for _role, finding in org.held(org_iri)}, key=iris.document_order)
    chosen, more = _first(ordered, paged)
    findings = _described(chosen)
    measures: dict[str, Measure] = {}
    _attach(findings, measures, _involved(org_iri, chosen), "a")
    _cite(measures, _cited(chosen))
    return Dossier("department", org_iri, label, [Party("a", label, org_iri)], _finish(findings), len(ordered), more)


def _first(ordered: list[str], paged: bool) -> tuple[list[str], str | None]:
    """The findings a page reads (the first PAGE, more with ?shown=) and the link to more; all of
    them for a download."""
    return first_part(ordered, PAGE, "dossier-more") if paged else (ordered, None)


def every_url(d: Dossier) -> str:
    """This dossier's page with every finding shown: what an investigator prints."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**request.args, "shown": d.total})


def _involved(org_iri: str, findings: list[str]) -> list[dict[str, str]]:
    """The department's involvements in these findings, a VALUES list of DESCRIBED at a time."""
    org_term = f"<{org_iri}>"
    return _in_parts(findings, lambda named: INVOLVED % {"scope": FINDINGS_SCOPE % named, "org": org_term, "named": ""})


def _cited(findings: list[str]) -> list[dict[str, str]]:
    """The documents the measures of these findings cite."""
    return _in_parts(findings, lambda named: CITED % (FINDINGS_SCOPE % named + FINDING_MEASURES))


def _in_parts(findings: list[str], query: Callable[[str], str]) -> list[dict[str, str]]:
    """The rows of `query` over the findings named, DESCRIBED findings per query."""
    out: list[dict[str, str]] = []
    for at in range(0, len(findings), DESCRIBED):
        out += rows(query(" ".join(f"<{f}>" for f in findings[at : at + DESCRIBED])))
    return out


def report(subject: str) -> Dossier | None:
    """One report's dossier: every finding and measure, everyone involved (None if `subject`, an
    IRI already checked, is no report)."""
    titled = rows(REPORT_TITLE % subject)
    if not titled:
        return None
    findings = {r["finding"]: _finding(r) for r in rows(FINDINGS % (REPORT_FINDINGS % subject))}
    measures: dict[str, Measure] = {}
    scope = REPORT_SCOPE % subject
    _attach(findings, measures, rows(MEASURES % scope), "a")
    _attach(findings, measures, rows(INVOLVED % {"scope": scope, "org": "?org", "named": NAMED}), "a")
    _cite(measures, rows(CITED % scope))
    return Dossier("report", subject, titled[0]["title"], [], _finish(findings), len(findings))


def cue_label(cue: str, lang: str) -> str:
    """The cue as the reader saw it; a rule the reader applied is named in the page's language."""
    if cue in RULE_CUES:
        zh, en = RULE_CUES[cue]
        return en if lang == "en" else zh
    return cue


def _described(found: list[str]) -> dict[str, Finding]:
    """The findings named, described a VALUES list of DESCRIBED at a time."""
    return {r["finding"]: _finding(r) for r in _in_parts(found, lambda named: FINDINGS % (FINDINGS_SCOPE % named))}


def _attach(findings: dict[str, Finding], measures: dict[str, Measure], found: list[dict[str, str]], side: str) -> None:
    """Add the measures of the rows to their findings, and each row's involvement (if it has one)
    to its measure as a part of `side`."""
    for r in found:
        finding = findings.get(r["finding"])
        if finding is None:
            continue
        if r["measure"] not in measures:
            measures[r["measure"]] = _measure(r)
            finding.measures.append(measures[r["measure"]])
        if r.get("role"):
            measures[r["measure"]].parts.setdefault(side, []).append(_part(r))


def _cite(measures: dict[str, Measure], found: list[dict[str, str]]) -> None:
    for r in found:
        cited = measures.get(r["measure"])
        if cited and (r["document"], r["title"]) not in cited.documents:
            cited.documents.append((r["document"], r["title"]))


def _finish(findings: dict[str, Finding]) -> list[Finding]:
    """The findings in document order, each measure's sentence highlighted, measures by ordinal."""
    texts = {report: _text(report) for report in {f.report for f in findings.values()}}
    for f in findings.values():
        f.measures.sort(key=lambda m: m.ordinal)
        for m in f.measures:
            m.sentence = _sentence(texts[f.report], m)
            m.plain = texts[f.report][m.start : m.end]
            m.documents.sort(key=lambda d: d[1])
    return sorted(findings.values(), key=lambda f: (f.report, f.order))


def _finding(r: dict[str, str]) -> Finding:
    return Finding(
        r["finding"], r["number"], r["title"], r["report"], r["reportTitle"], r["categoryTitle"], int(r["order"])
    )


def _measure(r: dict[str, str]) -> Measure:
    return Measure(r["measure"], int(r["ordinal"]), int(r["mstart"]), int(r["mend"]))


def _part(r: dict[str, str]) -> Part:
    start, end = (int(r["start"]), int(r["end"])) if r["start"] else (None, None)
    return Part(r["role"].rsplit("#", 1)[-1], r["cue"], start, end, r["label"])


def _text(report: str) -> str:
    found = rows(TEXT % report)
    return found[0]["text"] if found else ""


def _sentence(text: str, m: Measure) -> Markup:
    """The measure's text with each department's name and its cue words highlighted."""
    spans = []
    for side, parts in m.parts.items():
        for p in parts:
            if p.start is not None:
                spans.append(evidence.Span(p.start, p.end, f"party-{side}", i18n.term_label(iris.RK + p.role)))
            spans += _cue_spans(text, m, p)
    return evidence.highlight(text, m.start, m.end, spans)


def _cue_spans(text: str, m: Measure, part: Part) -> list[evidence.Span]:
    """Where the cue's words stand in the measure (a cue like 与…建立 is two words around a name):
    of each word's occurrences, the one nearest the department's name, as the reader chose it."""
    if not part.cue or part.cue in RULE_CUES:
        return []
    near = part.start if part.start is not None and m.start <= part.start < m.end else m.start
    found = []
    for word in filter(None, part.cue.split("…")):
        places = [m.start + hit.start() for hit in re.finditer(re.escape(word), text[m.start : m.end])]
        if places:
            at = min(places, key=lambda p: abs(p - near))
            found.append(evidence.Span(at, at + len(word), "cue", part.cue))
    return found


# The table's columns (key, Chinese, English): the finding's and measure's, then each party's role
# and cue, or for a report one column of every department, then the documents and the link.
BEFORE = (
    ("report", "通报", "Report"),
    ("category", "问题类别", "Category"),
    ("number", "编号", "Number"),
    ("finding", "问题", "Finding"),
    ("measure", "措施序号", "Measure"),
    ("text", "措施原文", "Measure text"),
)
PARTY = (("role", "{name} 角色", "{name} role"), ("cue", "{name} 线索词", "{name} cue"))
EVERYONE = ("departments", "涉及部门（角色「线索词」）", "Departments (role 「cue」)")
AFTER = (("documents", "引用文件", "Documents cited"), ("link", "问题页面", "Finding page"))


def table(
    d: Dossier, lang: str, role_label: Callable[[str], str], finding_url: Callable[[str], str]
) -> tuple[list[str], list[list[str]]]:
    """The dossier as one row per measure, for CSV and XLSX: headers in the page's language, roles
    named as the page names them (`role_label`), each row linking to its finding (`finding_url`)."""
    middle = [(key, zh.format(name=p.label), en.format(name=p.label)) for p in d.parties for key, zh, en in PARTY]
    columns = [*BEFORE, *(middle or [EVERYONE]), *AFTER]
    header = [en if lang == "en" else zh for _, zh, en in columns]
    body = []
    for f in d.findings:
        for m in f.measures:
            if d.parties:
                parts = [cell for p in d.parties for cell in _side(m.roles(p.side), lang, role_label)]
            else:
                parts = [_everyone(m, lang, role_label)]
            body.append(
                [
                    f.report_title,
                    f.category,
                    f.number,
                    f.title,
                    str(m.ordinal),
                    m.plain,
                    *parts,
                    "、".join(f"《{title}》" for _, title in m.documents),
                    finding_url(f.iri),
                ]
            )
    return header, body


def _side(roles: list[tuple[str, str]], lang: str, role_label: Callable[[str], str]) -> tuple[str, str]:
    named = "、".join(dict.fromkeys(role_label(role) for role, _ in roles))
    cues = "、".join(dict.fromkeys(cue_label(cue, lang) for _, cue in roles if cue))
    return named, cues


def _everyone(m: Measure, lang: str, role_label: Callable[[str], str]) -> str:
    """Each department as 名称（角色「线索词」）, as the report dossier's page lists them."""
    return "、".join(
        f"{label}（{role_label(role)}{f'「{cue_label(cue, lang)}」' if cue else ''}）"
        for label, role, cue in m.everyone()
    )
