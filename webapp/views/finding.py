"""A finding: category and group, measures, departments with roles, documents, quantities, and
the source paragraph with every evidence span of the finding and its measures highlighted."""

from __future__ import annotations

from webapp import evidence
from webapp.data import iri, rows

INFO = """
SELECT ?f ?title ?number ?status ?lead ?report ?reportTitle ?text ?category ?categoryTitle ?group ?groupTitle
WHERE {
  ?f dcterms:title ?title ; rk:number ?number ; rk:report ?report .
  ?report dcterms:title ?reportTitle ; rk:text ?text .
  OPTIONAL { ?f rk:status ?status }
  OPTIONAL { ?f rk:lead ?lead }
  OPTIONAL { ?f rk:category ?category . ?category dcterms:title ?categoryTitle }
  OPTIONAL { ?f rk:group ?group . ?group dcterms:title ?groupTitle }
} LIMIT 1"""

MEASURES = """
SELECT ?f ?measure ?ordinal ?text WHERE { ?measure rk:finding ?f ; rk:ordinal ?ordinal ; rk:text ?text }
ORDER BY ?ordinal"""

INVOLVEMENTS = """
SELECT DISTINCT ?f ?org ?label ?role ?ordinal ?surface WHERE {
  ?measure rk:finding ?f ; rk:ordinal ?ordinal .
  ?inv rk:measure ?measure ; rk:agent ?org ; rk:role ?role .
  OPTIONAL { ?inv rk:surfaceForm ?surface }
  OPTIONAL { ?org skos:prefLabel ?label }
} ORDER BY ?ordinal ?role ?label"""

CITATIONS = """
SELECT DISTINCT ?f ?document ?title ?action ?ordinal WHERE {
  ?measure rk:finding ?f ; rk:ordinal ?ordinal .
  ?c rk:measure ?measure ; rk:document ?document .
  OPTIONAL { ?c rk:action ?action }
  OPTIONAL { ?document dcterms:title ?title }
} ORDER BY ?ordinal ?title"""

QUANTITIES = """
SELECT ?f ?value ?unit ?counted ?ordinal WHERE {
  ?measure rk:finding ?f ; rk:ordinal ?ordinal .
  ?q a rk:Quantity ; rk:measure ?measure ; rk:value ?value .
  OPTIONAL { ?q rk:unit ?unit } OPTIONAL { ?q rk:counted ?counted }
} ORDER BY ?ordinal"""

# Each branch binds its own offsets: Oxigraph plans this ~100x faster than one union followed
# by shared OPTIONALs (1 ms instead of 140 ms on the two samples, and it grows with the store).
SPANS = """
SELECT DISTINCT ?f ?class ?start ?end ?exact WHERE {
  { ?f rk:evidence ?e BIND(rk:Finding AS ?class) ?e oa:start ?start ; oa:end ?end ; oa:exact ?exact }
  UNION { ?node rk:finding ?f ; rk:evidence ?e ; a ?class . ?e oa:start ?start ; oa:end ?end ; oa:exact ?exact }
  UNION {
    ?measure rk:finding ?f . ?node rk:measure|rk:about ?measure ; rk:evidence ?e ; a ?class .
    ?e oa:start ?start ; oa:end ?end ; oa:exact ?exact
  }
}"""

KINDS = {
    "Finding": "finding",
    "Measure": "measure",
    "Involvement": "involvement",
    "Citation": "citation",
    "Quantity": "quantity",
}


def gather(subject: str) -> dict | None:
    f = iri(subject)
    info = rows(INFO, f=f)
    if not info:
        return None
    page = info[0]
    text = page.pop("text")
    spans = _spans(rows(SPANS, f=f))
    anchors = [s for s in spans if s.kind in ("finding", "measure")]
    source = None
    if anchors:
        start, end = evidence.region(text, anchors)
        source = evidence.highlight(text, start, end, spans)
        elsewhere = evidence.outside(spans, start, end)
    else:
        elsewhere = spans
    page.update(
        measures=rows(MEASURES, f=f),
        involvements=rows(INVOLVEMENTS, f=f),
        citations=rows(CITATIONS, f=f),
        quantities=rows(QUANTITIES, f=f),
        source=source,
        elsewhere=[(s, evidence.highlight(text, *evidence.paragraph(text, s.start, s.end), [s])) for s in elsewhere],
    )
    return page


def _spans(found: list[dict[str, str]]) -> list[evidence.Span]:
    spans = {}
    for row in found:
        kind = KINDS.get(row["class"].rsplit("#", 1)[-1], "other")
        start, end = int(row["start"]), int(row["end"])
        if kind != "other" or not any(k[:2] == (start, end) for k in spans):
            spans[(start, end, kind)] = evidence.Span(start, end, kind, row["exact"])
    return sorted(spans.values(), key=lambda s: (s.start, -s.end))
