"""A report: its metadata, its headline claims beside what the graph counts, and its headings as
read (the tree `rectkg outline` prints: parts, categories, groups, findings, and the numbered
headings that are not findings with the reason), with the reading warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph import summaries
from ontology import iris
from webapp import db, i18n
from webapp.data import iri, rows
from webapp.views import fallback_label, first_seen

META = """
SELECT ?r ?p ?o ?label WHERE {
  ?r ?p ?o .
  FILTER(?p NOT IN (rk:text, rk:claim, rk:evidence, rdf:type, dcterms:references, rk:readingWarning, rk:nearHeading))
  OPTIONAL { ?o skos:prefLabel|dcterms:title|rdfs:label ?label }
} ORDER BY ?p"""

TREE = """
SELECT ?r ?finding ?number ?title ?category ?categoryTitle ?group ?groupTitle WHERE {
  ?finding a rk:Finding ; rk:report ?r ; rk:order ?order ; rk:number ?number ; dcterms:title ?title .
  OPTIONAL { ?finding rk:category ?category . ?category dcterms:title ?categoryTitle }
  OPTIONAL { ?finding rk:group ?group . ?group dcterms:title ?groupTitle }
} ORDER BY ?order"""


# Every heading of the outline as read (loaders/outline_graph.py); a line printed both as a part
# and as the category it is read as is two nodes at one position.
OUTLINE = """
SELECT ?r ?h ?type ?pos ?level ?marker ?title ?reason (COUNT(DISTINCT ?m) AS ?measures) WHERE {
  ?h rk:report ?r ; rk:outlinePosition ?pos ; rk:outlineLevel ?level ; rk:outlineMarker ?marker ; a ?type .
  OPTIONAL { ?h dcterms:title ?title }
  OPTIONAL { ?h rk:notFindingReason ?reason }
  OPTIONAL { ?m rk:finding ?h ; a rk:Measure }
} GROUP BY ?r ?h ?type ?pos ?level ?marker ?title ?reason ORDER BY ?pos"""

READING = """SELECT ?r ?warning ?near WHERE {
  { ?r rk:readingWarning ?warning } UNION { ?r rk:nearHeading ?near }
}"""

# Structural classes → the role a heading plays, most specific last (a part read as a category).
ROLES = {"Part": "part", "ProblemCategory": "category", "ProblemGroup": "group", "Finding": "finding"}


@dataclass
class Heading:
    """One heading of the tree as the page shows it: its node, marker and title as printed, its
    role in the page's language, its measures (findings) and the headings nested under it."""

    iri: str
    level: int
    label: str
    kinds: list[str]
    reason: str = ""
    measures: int = 0
    children: list[Heading] = field(default_factory=list)

    @property
    def is_finding(self) -> bool:
        return self.kinds == ["finding"]

    @property
    def code(self) -> str:
        """The role as `rectkg outline` names it, for tests and scripts (never shown)."""
        return "not-a-finding" if self.reason else "+".join(self.kinds)

    @property
    def reason_code(self) -> str:
        return self.reason.removeprefix(iris.RK)

    @property
    def count(self) -> str:
        return i18n.measure_count(self.measures)

    @property
    def role(self) -> str:
        """部分, 问题类别 …, 部分（读作问题类别）, or 不是问题：why, in the page's language."""
        if self.reason:
            return i18n.message("not_a_finding") + i18n.term_label(self.reason)
        names = [i18n.term_label(iris.RK + cls) for cls, kind in ROLES.items() if kind in self.kinds]
        return i18n.message("read_as").join(names)


def outline(subject: str) -> list[Heading]:
    """The report's heading tree, outermost headings first; empty for a report stored before the
    outline was kept in the graph (the page then shows the findings by category and group)."""
    flat: dict[int, Heading] = {}
    for row in rows(OUTLINE, r=iri(subject)):
        kind = ROLES.get(row["type"].removeprefix(iris.RK), "")
        heading = flat.get(int(row["pos"]))
        if heading is None:
            heading = Heading(row["h"], int(row["level"]), row["marker"] + row["title"], [], row["reason"])
            flat[int(row["pos"])] = heading
        if kind and kind not in heading.kinds:
            heading.kinds = [k for k in ROLES.values() if k in (*heading.kinds, kind)]
        heading.measures = max(heading.measures, int(row["measures"]))
    return _nest(sorted(flat.items()))


def _nest(ordered: list[tuple[int, Heading]]) -> list[Heading]:
    """Headings in document order with their levels → the tree (a level never skips one)."""
    roots: list[Heading] = []
    stack: list[Heading] = []
    for _, heading in ordered:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(heading)
        stack.append(heading)
    return roots


def reading(subject: str) -> tuple[list[str], list[str]]:
    """The report's reading warnings (in the page's language) and the lines that nearly matched a
    heading, as `rectkg ingest` and `rectkg outline` print them."""
    found = rows(READING, r=iri(subject))
    warnings = sorted(i18n.reading_warning(row["warning"]) for row in found if row["warning"])
    return warnings, sorted(row["near"] for row in found if row["near"])


def claims(subject: str) -> list[dict]:
    """Each claim with the graph's own count where one exists, flagged when they differ."""
    return db.run(lambda store: summaries.claims_by_report(store, iri(subject))).get(subject, [])


def gather(subject: str) -> dict | None:
    r = iri(subject)
    meta = rows(META, r=r)
    if not meta:
        return None
    tree = first_seen(rows(TREE, r=r), key=lambda f: (f["category"], f["categoryTitle"]))
    warnings, near = reading(subject)
    return {
        "outline": outline(subject),
        "warnings": warnings,
        "near": near,
        "title": next((m["o"] for m in meta if m["p"].endswith("/title")), fallback_label(subject)),
        "meta": [{**m, "label": m["label"] or (fallback_label(m["o"]) if "://" in m["o"] else m["o"])} for m in meta],
        "claims": claims(subject),
        "tree": [(cat, first_seen(fs, key=lambda f: (f["group"], f["groupTitle"]))) for cat, fs in tree.items()],
    }
