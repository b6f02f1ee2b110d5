"""A report: its metadata, its headline claims beside what the graph counts, and its tree of
categories, groups and findings in document order."""

from __future__ import annotations

from graph.store import Store, Term
from webapp import db
from webapp.data import iri, rows, rows_in
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
    "measures": "SELECT ?r (COUNT(DISTINCT ?m) AS ?n) "
    "WHERE { ?f rk:report ?r . ?m rk:finding ?f ; a rk:Measure } GROUP BY ?r",
}

TREE = """
SELECT ?r ?finding ?number ?title ?category ?categoryTitle ?group ?groupTitle WHERE {
  ?finding a rk:Finding ; rk:report ?r ; rk:order ?order ; rk:number ?number ; dcterms:title ?title .
  OPTIONAL { ?finding rk:category ?category . ?category dcterms:title ?categoryTitle }
  OPTIONAL { ?finding rk:group ?group . ?group dcterms:title ?groupTitle }
} ORDER BY ?order"""


def claims(subject: str) -> list[dict]:
    """Each claim with the graph's own count where one exists, flagged when they differ."""
    return db.run(lambda store: claims_by_report(store, iri(subject))).get(subject, [])


def claims_by_report(store: Store, r: Term | None = None) -> dict[str, list[dict]]:
    """Every report's claims (only r's if given), counted with one query per counter: the
    dashboard lists every report, and a query per report and counter took minutes at 1,000."""
    bound = {"r": r} if r is not None else {}
    counts = {kind: {c["r"]: int(c["n"]) for c in rows_in(store, q, **bound)} for kind, q in COUNTERS.items()}
    out: dict[str, list[dict]] = {}
    for claim in rows_in(store, CLAIMS, **bound):
        claimed = float(claim["value"])
        counted = counts[claim["kind"]].get(claim["r"], 0) if claim["kind"] in counts else None
        mismatch = counted not in (None, claimed)
        out.setdefault(claim["r"], []).append({**claim, "claimed": claimed, "counted": counted, "mismatch": mismatch})
    return out


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
