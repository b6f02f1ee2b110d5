"""Each finding's leading and partnering bodies and cited documents, kept with the document.

department-profile lists every finding one department is involved in, with the other departments
that lead or partner on the same finding and the documents the finding's measures cite. Asked of
the documents, that is the department's findings × their measures × every involvement and every
citation of each: 0.55-0.78 s for the busiest department at a thousand reports (922 findings),
paid again after every write. What a finding has there depends on its own document graph, so the
write that adds, replaces or removes a document also writes, in the same request, one
`rk:FindingParties` node per finding with any (graph/per_document.py): the bodies that lead or
partner on any of its measures (`rk:partiesAgent`) and each 《title》 its measures cite, with where
it is first cited (`rk:partiesCitation`: the position in ten digits, then the title, so that the
query orders them as the live text does, by position across every graph holding the finding).
The saved query joins these to the department's findings and still reads from the documents what
can change with another report: the bodies' labels, and which of them are generic or internal
units.

The facts are the answers of the live query's own patterns (queries/live/department-profile.rq)
over the one graph, run on a small in-memory store holding only the lines they read: what a write
keeps and what the live query reads are the same by construction, and tests/test_finding_parties.py
holds the two answers equal. Findings written as blank nodes (RDF a user ingests, never the
loader's) are not kept, as a blank node cannot be named again in the aggregate graph: their
report is kept in the format before (graph/kept_format.py), and the profile asks the documents,
as it does while any graph holding a numbered finding in order has no report kept in this format.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib.namespace import DCTERMS

from graph import kept_format, per_document
from graph.interface import SYSTEM_GRAPHS, Store, Term
from graph.results import strings
from graph.terms import Scratch, lines_with
from ontology import iris
from ontology.iris import OA, RK

# Who leads or partners on some measure of each finding.
PARTIES = """SELECT DISTINCT ?g ?finding ?partiesAgent WHERE { GRAPH ?g {
  ?measure rk:finding ?finding .
  ?inv rk:measure ?measure ; rk:agent ?partiesAgent ; rk:role ?role .
  FILTER(?role IN (rk:lead, rk:partner) && isIRI(?finding)) } }"""
# Each 《title》 each finding's measures cite, after where its first citation's span starts: a
# string whose order is the positions' (zero-padded), so the saved query sorts a finding's titles
# from every graph holding it together, as the live text sorts every citation by position.
CITED = """SELECT ?g ?finding ?partiesCitation WHERE {
  { SELECT ?g ?finding ?document (MIN(?pos) AS ?first) WHERE {
      GRAPH ?g {
        ?measure rk:finding ?finding .
        ?citation rk:measure ?measure ; rk:document ?doc ; rk:evidence ?evidence .
        ?evidence oa:start ?pos .
        ?doc dcterms:title ?title .
        FILTER(isIRI(?finding))
      }
      BIND(CONCAT("《", STR(?title), "》") AS ?document)
    } GROUP BY ?g ?finding ?document }
  BIND(STR(?first) AS ?at)
  BIND(CONCAT(SUBSTR("0000000000", STRLEN(?at) + 1), ?at, ?document) AS ?partiesCitation)
}"""
# What a line those read holds (terms.lines_with): " <predicate> ", a blank node's lines too. A
# report has an evidence span for every fact (475 at a bench report), of which the query reads the
# citations' alone (21 there): `_citation_spans` picks those lines.
_KEYS = tuple(f" <{p}> ".encode() for p in (RK.finding, RK.measure, RK.agent, RK.role, RK.document, DCTERMS.title))
_DOCUMENT, _EVIDENCE, _START = (f" <{p}> ".encode() for p in (RK.document, RK.evidence, OA.start))
# The graphs that may hold a finding department-profile lists: it needs the finding's number and
# order (and more); two scans of one property each, where the two joined took 0.7 s at N = 1,000.
_LISTED = tuple(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?finding <{p}> ?value }} }}" for p in (RK.number, RK.order))
_CLASS = Term("iri", str(RK.FindingParties))
_GRAPH, _FINDING = str(RK.partiesGraph), str(RK.partiesFinding)


def triples(graph_iri: str, said: Mapping[str, set[tuple[str, Term]]]) -> list[per_document.Triple]:
    """One node per finding of the graph with parties or cited documents."""
    return per_document.stated_nodes(graph_iri, said, iris.finding_parties, (_CLASS, _GRAPH, _FINDING))


def _said(store: Store | Scratch) -> dict[str, dict[str, set[tuple[str, Term]]]]:
    return per_document.stated_by(store, (PARTIES, CITED), "finding")


def _in_document(graph_iri: str, data: bytes) -> list[per_document.Triple]:
    small = per_document.scratch(graph_iri, data, _KEYS, _citation_spans(data))
    return triples(graph_iri, _said(small).get(graph_iri, {}))


def _citation_spans(data: bytes) -> list[bytes]:
    """The evidence lines of whatever states a document (a citation), and where those spans start:
    found by their subjects, as the data spells them (an IRI or a blank node)."""
    citing = {line.split(b" ", 1)[0] for line in lines_with(data, (_DOCUMENT,))}
    evidence = [line for line in lines_with(data, (_EVIDENCE,)) if line.split(b" ", 1)[0] in citing]
    spans = {line.rstrip(b" .").split(b" ", 2)[2] for line in evidence}
    return evidence + [line for line in lines_with(data, (_START,)) if line.split(b" ", 1)[0] in spans]


def changes(writes: Mapping[str, bytes | None]) -> str:
    """SPARQL Update operations (to run in the same request as the documents' writes) that replace
    each written graph's nodes (None: removed with its document)."""
    return per_document.changes(writes, per_document.forget(_GRAPH), _in_document)


def whole(store: Store) -> bool:
    """Whether every document graph that may hold a finding department-profile lists (`_LISTED`)
    has a report counts node kept in the format that keeps these nodes beside it
    (graph/kept_format.py): a graph an older rectkg wrote, or one with blank-node findings, or
    findings without a typed report (RDF a user loads), is asked live."""
    listed = set.intersection(*({row["g"] for row in strings(store.select(q))} for q in _LISTED)) - SYSTEM_GRAPHS
    return not listed - kept_format.graphs_kept(store, kept_format.PARTIES)


def rebuilt(store: Store) -> list[per_document.Triple]:
    """Every finding's node, from the documents (for `graph.aggregates.rebuild`)."""
    said = _said(store)
    return [t for graph_iri in sorted(said) for t in triples(graph_iri, said[graph_iri])]
