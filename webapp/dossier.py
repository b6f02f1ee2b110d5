"""The pair dossier: what an investigator prints about two departments that share findings.

Each finding both lead or partner on (the rule of queries/shared-responsibility.rq), with every
measure of it that involves either department: each one's role and the cue word that gave it,
the measure's sentence with both names and the cue highlighted, and the documents it cites.
The page (/shared), its CSV and its XLSX are laid out from the one `Dossier` built here, so the
three always say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from ontology import iris
from webapp import evidence, i18n
from webapp.data import iri, rows

# The same sharing rule as queries/shared-responsibility.rq: both lead or partner on the finding.
SHARED = """
SELECT DISTINCT ?orgA ?orgB ?finding ?number ?title ?report ?reportTitle ?order ?categoryTitle WHERE {
  ?ia rk:measure ?ma ; rk:agent ?orgA ; rk:role ?ra . ?ma rk:finding ?finding .
  ?ib rk:measure ?mb ; rk:agent ?orgB ; rk:role ?rb . ?mb rk:finding ?finding .
  FILTER(?ra IN (rk:lead, rk:partner) && ?rb IN (rk:lead, rk:partner))
  ?finding rk:number ?number ; dcterms:title ?title ; rk:report ?report ; rk:order ?order .
  ?report dcterms:title ?reportTitle .
  OPTIONAL { ?finding rk:category ?category . ?category dcterms:title ?categoryTitle }
} ORDER BY ?report ?order"""

# One department's involvements with the measure's own span; run once per department, as a bound
# variable must be projected (webapp/data.py) and a pattern over either one is not an index lookup.
INVOLVED = """
SELECT DISTINCT ?org ?finding ?measure ?ordinal ?role ?cue ?start ?end ?mstart ?mend WHERE {
  ?inv rk:agent ?org ; rk:measure ?measure ; rk:role ?role .
  ?measure rk:finding ?finding ; rk:ordinal ?ordinal ; rk:evidence ?me .
  ?me oa:start ?mstart ; oa:end ?mend .
  OPTIONAL { ?inv rk:cue ?cue }
  OPTIONAL { ?inv rk:evidence ?ie . ?ie oa:start ?start ; oa:end ?end }
}"""

CITED = """
SELECT DISTINCT ?org ?measure ?document ?title WHERE {
  ?inv rk:agent ?org ; rk:measure ?measure .
  ?c rk:measure ?measure ; rk:document ?document .
  OPTIONAL { ?document dcterms:title ?title }
}"""

TEXT = "SELECT ?report ?text WHERE { ?report rk:text ?text }"

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


@dataclass
class Measure:
    iri: str
    ordinal: int
    start: int
    end: int
    parts: dict[str, list[Part]] = field(default_factory=dict)  # "a" | "b" → parts
    documents: list[tuple[str, str]] = field(default_factory=list)  # (iri, title)
    sentence: Markup = field(default_factory=Markup)
    plain: str = ""

    def roles(self, side: str) -> list[tuple[str, str]]:
        """The side's (role, cue) pairs, once each: a name read twice in one measure is one part."""
        return list(dict.fromkeys((p.role, p.cue) for p in self.parts.get(side, [])))


@dataclass
class Finding:
    iri: str
    number: str
    title: str
    report: str
    report_title: str
    category: str
    measures: list[Measure] = field(default_factory=list)


@dataclass
class Dossier:
    a: str
    b: str
    org_a: str
    org_b: str
    findings: list[Finding]

    @property
    def documents(self) -> list[tuple[str, str]]:
        """Every document the dossier's measures cite, once each, in the order first cited."""
        seen = {d: None for f in self.findings for m in f.measures for d in m.documents}
        return list(seen)


def build(a: str, b: str, org_a: str, org_b: str) -> Dossier:
    """The dossier of two departments (labels as asked, IRIs as found), findings in document order."""
    shared = rows(SHARED, orgA=iri(org_a), orgB=iri(org_b))
    findings = {r["finding"]: _finding(r) for r in shared}
    measures: dict[str, Measure] = {}
    for side, org in (("a", org_a), ("b", org_b)):
        for r in rows(INVOLVED, org=iri(org)):
            if r["finding"] in findings:
                if r["measure"] not in measures:
                    measures[r["measure"]] = _measure(r)
                    findings[r["finding"]].measures.append(measures[r["measure"]])
                measures[r["measure"]].parts.setdefault(side, []).append(_part(r))
        for r in rows(CITED, org=iri(org)):
            cited = measures.get(r["measure"])
            if cited and (r["document"], r["title"]) not in cited.documents:
                cited.documents.append((r["document"], r["title"]))
    texts = {r["report"]: _text(r["report"]) for r in shared}
    for f in findings.values():
        f.measures.sort(key=lambda m: m.ordinal)
        for m in f.measures:
            m.sentence = _sentence(texts[f.report], m)
            m.plain = texts[f.report][m.start : m.end]
            m.documents.sort(key=lambda d: d[1])
    return Dossier(a, b, org_a, org_b, list(findings.values()))


def cue_label(cue: str, lang: str) -> str:
    """The cue as the reader saw it; a rule the reader applied is named in the page's language."""
    if cue in RULE_CUES:
        zh, en = RULE_CUES[cue]
        return en if lang == "en" else zh
    return cue


def _finding(r: dict[str, str]) -> Finding:
    return Finding(r["finding"], r["number"], r["title"], r["report"], r["reportTitle"], r["categoryTitle"])


def _measure(r: dict[str, str]) -> Measure:
    return Measure(r["measure"], int(r["ordinal"]), int(r["mstart"]), int(r["mend"]))


def _part(r: dict[str, str]) -> Part:
    start, end = (int(r["start"]), int(r["end"])) if r["start"] else (None, None)
    return Part(r["role"].rsplit("#", 1)[-1], r["cue"], start, end)


def _text(report: str) -> str:
    found = rows(TEXT, report=iri(report))
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

COLUMNS = (
    ("report", "通报", "Report"),
    ("category", "问题类别", "Category"),
    ("number", "编号", "Number"),
    ("finding", "问题", "Finding"),
    ("measure", "措施序号", "Measure"),
    ("text", "措施原文", "Measure text"),
    ("role_a", "{a} 角色", "{a} role"),
    ("cue_a", "{a} 线索词", "{a} cue"),
    ("role_b", "{b} 角色", "{b} role"),
    ("cue_b", "{b} 线索词", "{b} cue"),
    ("documents", "引用文件", "Documents cited"),
    ("link", "问题页面", "Finding page"),
)


def table(d: Dossier, lang: str, role_label, finding_url) -> tuple[list[str], list[list[str]]]:
    """The dossier as one row per measure, for CSV and XLSX: headers in the page's language, roles
    named as the page names them (`role_label`), each row linking to its finding (`finding_url`)."""
    header = [(en if lang == "en" else zh).format(a=d.a, b=d.b) for _, zh, en in COLUMNS]
    body = []
    for f in d.findings:
        for m in f.measures:
            sides = [_side(m.roles(side), lang, role_label) for side in ("a", "b")]
            body.append(
                [
                    f.report_title,
                    f.category,
                    f.number,
                    f.title,
                    str(m.ordinal),
                    m.plain,
                    *sides[0],
                    *sides[1],
                    "、".join(f"《{title}》" for _, title in m.documents),
                    finding_url(f.iri),
                ]
            )
    return header, body


def _side(roles: list[tuple[str, str]], lang: str, role_label) -> tuple[str, str]:
    named = "、".join(dict.fromkeys(role_label(role) for role, _ in roles))
    cues = "、".join(dict.fromkeys(cue_label(cue, lang) for _, cue in roles if cue))
    return named, cues
