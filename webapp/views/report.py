"""A report: its metadata, its headline claims beside what the graph counts, and its tree of
categories, groups and findings in document order."""

from __future__ import annotations

from webapp.data import iri, rows
from webapp.views import fallback_label, first_seen

META = """
SELECT ?r ?p ?o ?label WHERE {
  ?r ?p ?o .
  FILTER(?p NOT IN (rk:text, rk:claim, rk:evidence, rdf:type, dcterms:references))
  OPTIONAL { ?o skos:prefLabel|dcterms:title|rdfs:label ?label }
} ORDER BY ?p"""

CLAIMS = """
SELECT ?r ?kind ?value ?label WHERE {
  ?r rk:claim ?c . ?c rk:claimKind ?kind ; rk:claimedValue ?value .
  OPTIONAL { ?c rdfs:label ?label }
} ORDER BY ?kind"""

# How the graph counts what a claim kind states; kinds without a counter are shown uncompared.
COUNTERS = {
    "findings": "SELECT ?r (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a rk:Finding ; rk:report ?r } GROUP BY ?r",
    "findings-rectified": "SELECT ?r (COUNT(DISTINCT ?f) AS ?n) "
    'WHERE { ?f a rk:Finding ; rk:report ?r ; rk:status "completed" } GROUP BY ?r',
    "measures": "SELECT ?r (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a rk:Measure ; rk:finding/rk:report ?r } GROUP BY ?r",
}

TREE = """
SELECT ?r ?finding ?number ?title ?category ?categoryTitle ?group ?groupTitle WHERE {
  ?finding a rk:Finding ; rk:report ?r ; rk:order ?order ; rk:number ?number ; dcterms:title ?title .
  OPTIONAL { ?finding rk:category ?category . ?category dcterms:title ?categoryTitle }
  OPTIONAL { ?finding rk:group ?group . ?group dcterms:title ?groupTitle }
} ORDER BY ?order"""


def claims(subject: str) -> list[dict]:
    """Each claim with the graph's own count where one exists, flagged when they differ."""
    r = iri(subject)
    out = []
    for claim in rows(CLAIMS, r=r):
        counter = COUNTERS.get(claim["kind"])
        claimed = float(claim["value"])
        counted = _count(counter, r) if counter else None
        out.append({**claim, "claimed": claimed, "counted": counted, "mismatch": counted not in (None, claimed)})
    return out


def _count(counter: str, r) -> int:
    found = rows(counter, r=r)
    return int(found[0]["n"]) if found else 0


def gather(subject: str) -> dict | None:
    r = iri(subject)
    meta = rows(META, r=r)
    if not meta:
        return None
    tree = first_seen(rows(TREE, r=r), key=lambda f: (f["category"], f["categoryTitle"]))
    return {
        "title": next((m["o"] for m in meta if m["p"].endswith("/title")), fallback_label(subject)),
        "meta": [{**m, "label": m["label"] or (fallback_label(m["o"]) if "://" in m["o"] else m["o"])} for m in meta],
        "claims": claims(subject),
        "tree": [(cat, first_seen(fs, key=lambda f: (f["group"], f["groupTitle"]))) for cat, fs in tree.items()],
    }
