"""A department: its names, its findings by role, and the departments it shares findings with."""

from __future__ import annotations

from ontology import iris
from webapp.data import iri, rows
from webapp.views import first_seen

NAMES = """
SELECT ?o ?pref ?alt ?type WHERE {
  { ?o skos:prefLabel ?pref } UNION { ?o skos:altLabel ?alt } UNION { ?o rk:orgType ?type }
}"""

BY_ROLE = """
SELECT DISTINCT ?o ?role ?finding ?number ?title ?report ?reportTitle WHERE {
  ?inv rk:agent ?o ; rk:role ?role ; rk:measure ?measure .
  ?measure rk:finding ?finding .
  ?finding rk:ref ?number ; dcterms:title ?title ; rk:report ?report ; rk:order ?order .  # (二)2: numbers restart
  ?report dcterms:title ?reportTitle .
} ORDER BY ?role ?report ?order"""

# With each side's roles in the findings they share (lead, partner: the sharing rule's two).
PARTNERS = """
SELECT ?o ?other ?label (COUNT(DISTINCT ?finding) AS ?count)
       (GROUP_CONCAT(DISTINCT STRAFTER(STR(?ra), "#")) AS ?ownRoles)
       (GROUP_CONCAT(DISTINCT STRAFTER(STR(?rb), "#")) AS ?theirRoles) WHERE {
  ?ia rk:agent ?o ; rk:role ?ra ; rk:measure ?ma . ?ma rk:finding ?finding .
  ?ib rk:agent ?other ; rk:role ?rb ; rk:measure ?mb . ?mb rk:finding ?finding .
  FILTER(?ra IN (rk:lead, rk:partner) && ?rb IN (rk:lead, rk:partner))
  FILTER NOT EXISTS { ?other rk:generic true }
  FILTER NOT EXISTS { ?other rk:internalUnit true }
  ?other skos:prefLabel ?l BIND(STR(?l) AS ?label)
} GROUP BY ?o ?other ?label ORDER BY DESC(?count) ?label"""

ROLE_ORDER = ("lead", "partner", "target", "mentioned")
ROLE_NS = str(iris.RK)


def gather(subject: str) -> dict | None:
    o = iri(subject)
    names = rows(NAMES, o=o)
    pref = [r["pref"] for r in names if r["pref"]]
    if not pref:
        return None
    by_role = first_seen(rows(BY_ROLE, o=o), key=lambda r: r["role"])
    ordered = sorted(by_role.items(), key=lambda kv: _role_rank(kv[0]))
    return {
        "label": pref[0],
        "aliases": sorted({r["alt"] for r in names if r["alt"]} - set(pref)),
        "types": sorted({r["type"] for r in names if r["type"]}),
        "by_role": ordered,
        "partners": [_with_roles(p) for p in rows(PARTNERS, o=o) if p["other"] != subject],
    }


LABELS = """
SELECT ?org (STR(?n) AS ?name) ?preferred WHERE {
  { ?org skos:prefLabel ?n BIND(true AS ?preferred) } UNION { ?org skos:altLabel ?n BIND(false AS ?preferred) }
  ?org a ?type FILTER(?type IN (org:Organization, org:OrganizationalUnit))
}"""


def by_label(label: str) -> str | None:
    """The department called `label`, by preferred label first, else by an alias."""
    found = [r for r in rows(LABELS) if r["name"] == label]
    found.sort(key=lambda r: (r["preferred"] != "true", r["org"]))
    return found[0]["org"] if found else None


def _with_roles(partner: dict) -> dict:
    """A partner row with each side's roles as ontology IRIs in the usual order (lead first)."""
    for key in ("ownRoles", "theirRoles"):
        names = sorted(set(partner[key].split()), key=_role_rank)
        partner[key] = [ROLE_NS + name for name in names]
    return partner


def _role_rank(role_iri: str) -> int:
    name = role_iri.rsplit("#", 1)[-1]
    return ROLE_ORDER.index(name) if name in ROLE_ORDER else len(ROLE_ORDER)
