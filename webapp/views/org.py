"""A department: its names, its findings by role, and the departments it shares findings with."""

from __future__ import annotations

import json
from dataclasses import dataclass

from graph import roles
from graph.binding import term_text
from graph.interface import Term
from ontology import iris
from webapp import around, db
from webapp.data import iri, rows
from webapp.views import first_part

NAMES = """
SELECT ?o ?pref ?alt ?type WHERE {
  { ?o skos:prefLabel ?pref } UNION { ?o skos:altLabel ?alt } UNION { ?o rk:orgType ?type }
}"""

# A department's findings come from the roles each write keeps per document (graph/roles.py); on
# a store filled before, from its own involvements, the IRI written into the query: a substituted
# ?o is joined to the answer after it is computed for every department (2–4 s at a thousand
# reports), a constant is an index lookup. Only the page's findings are then described.
ROLES_OF = """SELECT DISTINCT ?role ?finding WHERE {
  ?inv rk:agent <%s> ; rk:role ?role ; rk:measure ?measure . ?measure rk:finding ?finding }"""
FINDING_ROWS = """SELECT DISTINCT ?finding ?number ?title ?report ?reportTitle ?order WHERE {
  VALUES ?finding { %s }
  ?finding rk:ref ?number ; dcterms:title ?title ; rk:report ?report ; rk:order ?order .  # (二)2: numbers restart
  ?report dcterms:title ?reportTitle . }"""
# Who leads or partners on one finding (one branch per finding the department shares in: a
# VALUES of them made the planner scan every involvement).
SHARERS_BRANCH = """{ ?m rk:finding <%s> . ?i rk:measure ?m ; rk:role ?role ; rk:agent ?other .
  FILTER(?role IN (rk:lead, rk:partner)) BIND(<%s> AS ?finding) }"""
# The pairs it is in (both members, in IRI order, with their labels) and what they share.
PAIRS = """SELECT ?other ?a ?b ?first ?second ?count ?contributions WHERE { GRAPH <%s> {
  ?pair rk:pairMember <%s> , ?other ; rk:pairMember ?a , ?b ; rk:pairFirstLabel ?first ; rk:pairSecondLabel ?second ;
        rk:pairFindings ?count ; rk:pairContributions ?contributions . FILTER(STR(?a) < STR(?b)) } }"""
SHARERS_READ = 100  # shared findings whose involvements the page reads for the partners' roles

ROLE_ORDER = ("lead", "partner", "target", "mentioned")
ROLE_NS = str(iris.RK)
PAGE = 50  # findings a role lists before "show more"


@dataclass
class RoleList:
    """A role's findings on the page: the first `len(findings)` of `total`, in document order."""

    role: str
    findings: list[dict]
    total: int
    more_url: str | None


def gather(subject: str) -> dict | None:
    if not around.IRI.fullmatch(subject):  # it is written into queries below
        return None
    o = iri(subject)
    names = rows(NAMES, o=o)
    pref = [r["pref"] for r in names if r["pref"]]
    if not pref:
        return None
    held_roles = held(subject)
    by_role: dict[str, list[str]] = {}
    for role, finding in held_roles:
        by_role.setdefault(role, []).append(finding)
    return {
        "label": pref[0],
        "aliases": sorted({r["alt"] for r in names if r["alt"]} - set(pref)),
        "types": sorted({r["type"] for r in names if r["type"]}),
        "by_role": [_role_list(role, by_role[role]) for role in sorted(by_role, key=_role_rank)],
        "partners": partners(subject, held_roles),
    }


def held(subject: str) -> list[tuple[str, str]]:
    """(role, finding) of every finding the department is involved in: one stored literal per
    document naming it (0.2–0.7 s live for the busiest department at a thousand reports)."""
    if around.roles_kept():
        return db.run_whole(lambda store: roles.held_by(store, subject))
    return [(r["role"], r["finding"]) for r in rows(ROLES_OF % subject)]


def _role_list(role: str, findings: list[str]) -> RoleList:
    """The first findings of a role (more with ?role=…&shown=N), each described."""
    name = role.rsplit("#", 1)[-1]
    ordered = sorted(findings, key=iris.document_order)  # the page's part is chosen before reading them
    shown, more = first_part(ordered, PAGE, f"role-{name}", role=name)
    described = rows(FINDING_ROWS % " ".join(f"<{f}>" for f in shown)) if shown else []
    described.sort(key=lambda r: (r["report"], int(r["order"])))
    return RoleList(role, described, len(ordered), more)


def partners(subject: str, held: list[tuple[str, str]]) -> list[dict]:
    """The departments that lead or partner on findings this one leads or partners on, most shared
    first, with each side's roles in them. Who and how many come from the pair nodes every write
    keeps (graph/aggregates.py; the live self-join took 12–75 s for the busiest department at a
    thousand reports); the partners' roles are read from the shared findings' involvements when
    there are at most SHARERS_READ of them, else the pair dossier (linked on each row) has them."""
    own: dict[str, set[str]] = {}
    for role, finding in held:
        if role in iris.SHARING_ROLES:
            own.setdefault(finding, set()).add(role)
    pairs = [p for p in rows(PAIRS % (iris.AGGREGATES, subject)) if p["other"] != subject]
    shared = {p["other"]: _shared_findings(p["contributions"]) for p in pairs}
    every = sorted({f for found in shared.values() for f in found})
    theirs = _sharers(every) if len(every) <= SHARERS_READ else None
    out = []
    for p in pairs:
        found = shared[p["other"]]
        their = None if theirs is None else set().union(*(theirs.get((p["other"], f), set()) for f in found))
        out.append(
            {
                "other": p["other"],
                "label": p["second"] if p["other"] == p["b"] else p["first"],
                "count": p["count"],
                "ownRoles": _ordered(set().union(*(own.get(f, set()) for f in found))),
                "theirRoles": None if their is None else _ordered(their),
            }
        )
    return sorted(out, key=lambda p: (-int(p["count"]), p["label"]))


def _shared_findings(contributions: str) -> list[str]:
    """The findings a pair shares, from its per-document contributions (report, [[order, number]])."""
    return [iris.finding(report, order) for report, found in json.loads(contributions).values() for order, _ in found]


def _sharers(findings: list[str]) -> dict[tuple[str, str], set[str]]:
    """(department, finding) → the sharing roles it holds there."""
    if not findings:
        return {}
    union = " UNION ".join(SHARERS_BRANCH % (f, f) for f in findings)
    out: dict[tuple[str, str], set[str]] = {}
    for r in rows(f"SELECT DISTINCT ?finding ?other ?role WHERE {{ {union} }}"):
        out.setdefault((r["other"], r["finding"]), set()).add(r["role"])
    return out


def _ordered(roles: set[str]) -> list[str]:
    return sorted(roles, key=_role_rank)


# The organisations a name is a label of, the name written into the query as constants (labels are
# stored in Chinese, user-loaded reference data may have none): an index lookup, where a substituted
# ?n is applied after every label is read, and a list of all labels is cut at the visitor's row limit.
LABELLED = """
SELECT ?org ?preferred WHERE {
  VALUES ?n { %s }
  { ?org skos:prefLabel ?n BIND(true AS ?preferred) } UNION { ?org skos:altLabel ?n BIND(false AS ?preferred) }
  ?org a ?type FILTER(?type IN (org:Organization, org:OrganizationalUnit))
}"""


def by_label(label: str) -> str | None:
    """The department called `label`, by preferred label first, else by an alias."""
    names = " ".join(term_text(Term("literal", label, lang=lang)) for lang in ("zh", None))
    found = rows(LABELLED % names)
    found.sort(key=lambda r: (r["preferred"] != "true", r["org"]))
    return found[0]["org"] if found else None


def _role_rank(role_iri: str) -> int:
    name = role_iri.rsplit("#", 1)[-1]
    return ROLE_ORDER.index(name) if name in ROLE_ORDER else len(ROLE_ORDER)
