"""/compare?reports=…&reports=…: two or more reports side by side, one column each.

An investigator comparing bodies (or one body's reports over the years) asks whether each did
what it claims, where its problems lie, which departments it made act and how, which rules all of
them lean on, and which problems come back. Each section answers one of those from the graph;
the overview and the recurring problems are the saved queries `compare-reports` and
`recurring-problems`, so the page and the CLI agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Blueprint, abort, render_template, request

from ontology import iris
from queries import catalog
from webapp import db, i18n
from webapp.data import iri, rows, strings

bp = Blueprint("compare", __name__)
MOST = 6  # columns that still read side by side on a screen

REPORTS = "SELECT ?report ?title WHERE { ?report a rk:Report ; dcterms:title ?title } ORDER BY ?title ?report"

CATEGORIES = """
SELECT ?report ?category (COUNT(DISTINCT ?f) AS ?findings) (MIN(?order) AS ?first) WHERE {
  ?f a rk:Finding ; rk:report ?report ; rk:order ?order .
  OPTIONAL { ?f rk:category/dcterms:title ?c }
  BIND(COALESCE(STR(?c), "") AS ?category)
} GROUP BY ?report ?category ORDER BY ?first"""

DEPARTMENTS = """
SELECT ?report ?org ?label ?role (COUNT(DISTINCT ?f) AS ?findings) WHERE {
  ?inv a rk:Involvement ; rk:agent ?org ; rk:role ?role ; rk:measure ?m .
  ?m rk:finding ?f . ?f rk:report ?report .
  FILTER NOT EXISTS { ?org rk:generic true }
  FILTER NOT EXISTS { ?org rk:internalUnit true }
  ?org skos:prefLabel ?l BIND(STR(?l) AS ?label)
} GROUP BY ?report ?org ?label ?role"""

DOCUMENTS = """
SELECT ?report ?doc ?title (COUNT(DISTINCT ?m) AS ?measures) WHERE {
  ?c a rk:Citation ; rk:document ?doc ; rk:measure ?m .
  ?m rk:finding/rk:report ?report .
  ?doc dcterms:title ?t BIND(STR(?t) AS ?title)
} GROUP BY ?report ?doc ?title"""

ROLES = ("lead", "partner", "target", "mentioned")


@dataclass
class Row:
    """A line of a side-by-side table: what it is about, and one cell per report (in order)."""

    label: str
    iri: str = ""
    cells: list[str] = field(default_factory=list)


@bp.get("/compare")
def compare():
    chosen = _chosen()
    everything = rows(REPORTS)
    if len(chosen) < 2:
        return render_template("compare.html", reports=everything, chosen=chosen, columns=None)
    titles = {r["report"]: r["title"] for r in everything}
    unknown = [c for c in chosen if c not in titles]
    if unknown:
        abort(404, description=i18n.message("compare_unknown") + "、".join(unknown))
    columns = [(c, titles[c]) for c in chosen]
    return render_template(
        "compare.html",
        reports=everything,
        chosen=chosen,
        columns=columns,
        overview=_overview(chosen),
        categories=_categories(chosen),
        departments=_departments(chosen),
        documents=_documents(chosen),
        recurring=_recurring(chosen),
    )


def _chosen() -> list[str]:
    """The reports asked for, in the order given, each once (a comma list works too)."""
    given = [part for value in request.args.getlist("reports") for part in value.split(",") if part.strip()]
    chosen = list(dict.fromkeys(part.strip() for part in given))
    if len(chosen) > MOST:
        abort(400, description=i18n.message("compare_too_many").format(MOST))
    return chosen


def _per_report(query: str, chosen: list[str]) -> dict[str, list[dict[str, str]]]:
    return {report: rows(query, report=iri(report)) for report in chosen}


def _overview(chosen: list[str]) -> list[Row]:
    """The `compare-reports` saved query, turned so that each report is a column."""
    query = catalog.get("compare-reports")
    found = {r["report"]: r for r in strings(db.run(query.run))}
    keep = [c for c in query.columns if c not in ("report", "title")]
    lang = i18n.language()
    return [Row(query.title_of(col, lang), "", [found.get(c, {}).get(col, "") for c in chosen]) for col in keep]


def _categories(chosen: list[str]) -> list[Row]:
    """Findings per category, categories in the order they first appear across the reports."""
    counts: dict[str, dict[str, str]] = defaultdict(dict)
    for report, found in _per_report(CATEGORIES, chosen).items():
        for r in found:
            counts[r["category"] or i18n.message("compare_no_category")][report] = r["findings"]
    return [Row(label, "", [by.get(c, "") for c in chosen]) for label, by in counts.items()]


def _departments(chosen: list[str]) -> list[Row]:
    """Each department in any of the reports, with its roles there (牵头 3 · 配合 5); those in
    most reports first, then by how many findings they touch. Generic bodies and the issuer's
    internal units are left out, as in `shared-responsibility`."""
    roles: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for report, found in _per_report(DEPARTMENTS, chosen).items():
        for r in found:
            roles[(r["org"], r["label"])][report][r["role"].rsplit("#", 1)[-1]] = int(r["findings"])

    def cell(by_role: dict[str, int]) -> str:
        named = [(i18n.term_label(str(iris.RK) + role), by_role[role]) for role in ROLES if role in by_role]
        return " · ".join(f"{name} {count}" for name, count in named)

    def rank(item) -> tuple:
        (_org, label), by_report = item
        return (-len(by_report), -sum(sum(r.values()) for r in by_report.values()), label)

    ranked = sorted(roles.items(), key=rank)
    return [Row(label, org, [cell(by.get(c, {})) for c in chosen]) for (org, label), by in ranked]


def _documents(chosen: list[str]) -> list[Row]:
    """Named documents cited in two or more of the reports, with how many measures cite each."""
    cited: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for report, found in _per_report(DOCUMENTS, chosen).items():
        for r in found:
            cited[(r["doc"], r["title"])][report] = r["measures"]
    shared = [(key, by) for key, by in cited.items() if len(by) >= 2]
    shared.sort(key=lambda item: (-len(item[1]), item[0][1]))
    return [Row(title, doc, [by.get(c, "") for c in chosen]) for (doc, title), by in shared]


def _recurring(chosen: list[str]) -> list[dict[str, str]]:
    """Pairs of alike findings (the `recurring-problems` saved query) between two of the reports.

    One run per report (`report` bound: its pairs only, each cached until the next write), not the
    whole corpus's pairs (N = 100: 101,000 rows in about a minute) filtered here. A pair of two
    chosen reports comes in both their runs: it is kept from the first. Each is shown as the whole
    answer has it (the finding with the lesser IRI first) and in the query's order."""
    query = catalog.get("recurring-problems")
    found = []
    for i, report in enumerate(chosen):
        later = set(chosen[i + 1 :])
        pairs = strings(db.run(lambda store, report=report: query.run(store, {"report": report})))
        found += [_unturned(r) for r in pairs if r["report_b"] in later]
    return sorted(found, key=_pair_order)


def _unturned(pair: dict[str, str]) -> dict[str, str]:
    """A pair with the finding of the lesser IRI first, as recurring-problems without `report` has it."""
    if pair["finding_a"] <= pair["finding_b"]:
        return pair
    return {k[:-1] + ("b" if k.endswith("_a") else "a") if k.endswith(("_a", "_b")) else k: v for k, v in pair.items()}


def _pair_order(pair: dict[str, str]) -> tuple:
    """recurring-problems' ORDER BY: DESC(?score) ?title_a ?title_b ?report_a ?report_b ?finding_a ?finding_b."""
    keys = ("title_a", "title_b", "report_a", "report_b", "finding_a", "finding_b")
    return (-Decimal(pair["score"]), *(pair[k] for k in keys))
