"""A read Report becomes one RDF graph: the content of one named graph in the store.

Every extracted node carries rk:evidence → an rk:Evidence (an oa:TextPositionSelector) with the
character offsets into rk:text of the report, the exact quote and its sentence, so that any edge
an investigator sees can be traced to the words that justify it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as rdflib_namespaces

from loaders.grams import title_grams
from loaders.model import Finding, Measure, Report, Span
from loaders.outline_graph import outline_entries
from loaders.projections import sharing_organisations
from ontology import iris


class _Terms:
    """A namespace whose terms are made once each and then read as plain attributes.

    rdflib builds a new URIRef on every `RK.x`, and equal but distinct terms cost a Python-level
    __eq__ on every dict lookup that deduplicates or converts them: together half of to_triples.
    """

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = self._namespace[name]
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return getattr(self, name)


RK, ORG, OA = _Terms(iris.RK), _Terms(iris.ORG), _Terms(iris.OA)
DCTERMS, RDF, RDFS = _Terms(rdflib_namespaces.DCTERMS), _Terms(rdflib_namespaces.RDF), _Terms(rdflib_namespaces.RDFS)
SKOS, XSD = _Terms(rdflib_namespaces.SKOS), _Terms(rdflib_namespaces.XSD)
# Names recur within a report and across the reports one worker reads; each node is minted once.
NAMED_NODES = 4096


@lru_cache(NAMED_NODES)
def _organisation(canonical: str) -> URIRef:
    return URIRef(iris.organisation(canonical))


@lru_cache(NAMED_NODES)
def _document(title: str) -> URIRef:
    return URIRef(iris.document(title))


@lru_cache(NAMED_NODES)
def _place_iri(name: str) -> URIRef:
    return URIRef(iris.place(name))


# Plain and @zh literals recur too: names, markers, cues, and the sentence of every quote in it.
# Most repeats are within one report, which these hold (a few MB at most: sentences are short).
LITERALS = 4096
# Offsets: every report's are 0 … its length, so all the reports a worker reads share one set
# (about 6 MB for this many, most reports being shorter).
INTEGERS = 16384


@lru_cache(LITERALS, typed=True)  # typed: True and 1 are different literals
def _literal(value: object) -> Literal:
    return Literal(value)


@lru_cache(LITERALS)
def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


@lru_cache(INTEGERS)
def _integer(n: int) -> Literal:
    """Offsets, orders and ordinals."""
    return Literal(n, datatype=XSD.integer)


SENTENCE_END = "。!?;\n"
_SENTENCE_END = re.compile("[。!?;\n]")
# How far an evidence sentence may reach beyond its quote. Real sentences are far shorter; text run
# together without stops (a pasted table, lost line breaks) would otherwise make every quote in it
# carry all of it, and finding its ends would cost time quadratic in its length.
SENTENCE_REACH = 500
# Report dates are rk: properties named by their key, except those a W3C term already names.
DATE_PROPERTIES = {"published": DCTERMS.issued}


def sentence_span(text: str, span: Span) -> Span:
    floor = max(0, span.start - SENTENCE_REACH)
    start = max(floor, *(text.rfind(stop, floor, span.start) + 1 for stop in SENTENCE_END))
    ceiling = min(len(text), span.end + SENTENCE_REACH)
    stop = _SENTENCE_END.search(text, max(span.end - 1, 0), ceiling)
    if stop is None:
        end = ceiling
    elif text[stop.start()] == "\n" and stop.start() >= span.end:
        end = stop.start()  # a line break ends the sentence but is not part of it
    else:
        end = stop.end()
    if end < len(text) and text[end] in "。!?;":
        end += 1
    return Span(start, max(end, span.end))


# Kinds of structural node (loaders.outline_graph) → how their IRIs are minted.
STRUCTURE_IRIS = {"part": iris.part, "category": iris.category, "group": iris.group, "finding": iris.finding}

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]


class _Builder:
    def __init__(self, report: Report, key: str):
        self.r = report
        # Insertion-ordered and deduplicated as a Graph would be, without rdflib's store (an index
        # update per triple was most of the loader's time); a Graph is built only when asked for.
        self.triples: dict[Triple, None] = {}
        self.report = URIRef(iris.report(key))

    def add(self, s, p, o) -> None:
        kind = type(o)
        if kind is str:  # most values: skip the isinstance checks below, which go through rdflib's ABCs
            if not o:
                return
            o = _literal(o)
        elif kind is not URIRef and kind is not Literal:  # a term is never None nor "": skip rdflib's __eq__
            if o is None or o == "":
                return
            if not isinstance(o, URIRef | BNode | Literal):
                o = _literal(o)
        self.triples[(s, p, o)] = None

    def evidence(self, node: URIRef, span: Span, n: int = 1) -> URIRef:
        ev = URIRef(iris.child(str(node), "evidence", n))
        printed = self.r.printed  # a page in Traditional script is quoted as printed, not as read
        sent = sentence_span(printed, span)
        self.add_terms(
            (ev, RDF.type, RK.Evidence),
            (ev, RK.source, self.report),
            (ev, OA.start, _integer(span.start)),
            (ev, OA.end, _integer(span.end)),
            (ev, OA.exact, _literal(printed[span.start : span.end])),
            (ev, RK.sentence, _literal(printed[sent.start : sent.end])),
            (ev, RK.sentenceStart, _integer(sent.start)),
            (node, RK.evidence, ev),
        )
        return ev

    def add_terms(self, *triples: Triple) -> None:
        """Triples whose objects are terms already, so never None nor empty: `add` without its checks,
        for the evidence every node carries (a third of all triples)."""
        self.triples.update(dict.fromkeys(triples))

    def build(self) -> list[Triple]:
        self._report()
        self._organisations()
        self._documents()
        self._structure()
        self._outline()
        for finding in self.r.findings:
            self._finding(finding)
        self._shared_responsibility()
        return list(self.triples)

    def _shared_responsibility(self) -> None:
        """rk:sharedBy on each finding two or more organisations share, which the corpus-wide
        aggregate (graph/aggregates.py) pairs up, and rk:name on every organisation: its names as
        plain strings, which a query parameter (an xsd:string) finds through the index where the
        @zh labels would need a scan."""
        for org in self.r.orgs.values():
            for name in sorted(org.aliases | {org.canonical}):
                self.add(_organisation(org.canonical), RK.name, name)
        for finding in self.r.findings:
            keys = sharing_organisations(self.r, finding)
            if len(keys) > 1:
                node = URIRef(iris.finding(str(self.report), finding.order))
                self.add_terms(*((node, RK.sharedBy, _organisation(key)) for key in keys))

    def _report(self) -> None:
        r, node = self.r, self.report
        self.add(node, RDF.type, RK.Report)
        self.add(node, DCTERMS.title, r.title)
        self.add(node, RK.text, r.printed)
        if r.title_span:
            self.evidence(node, r.title_span)
        for warning in r.warnings:  # a report read in part says so in the graph too
            self.add(node, RK.readingWarning, warning)
        if r.issuer:
            self.add(node, RK.issuer, _organisation(r.issuer))
            self.add(node, RK.inspectedBody, _organisation(r.issuer))
        if r.inspector:
            inspector = _organisation(r.inspector)
            self.add(node, RK.inspector, inspector)
            if r.inspector not in r.orgs:  # named only in the preamble: still an organisation node
                self.add(inspector, RDF.type, ORG.Organization)
                self.add(inspector, SKOS.prefLabel, _zh(r.inspector))
                self.add(inspector, RK.orgType, "inspection-team")
        self.add(node, RK.inspectionType, r.inspection_type)
        if r.place:
            place = self._place(r.place)
            self.add(node, RK.jurisdiction, place)
            self.add(place, RK.level, r.place_level)
            if r.parent_place:
                self.add(place, RK.within, self._place(r.parent_place))
        for n, (kind, (value, span)) in enumerate(sorted(r.dates.items()), start=1):
            self.add(node, DATE_PROPERTIES.get(kind, RK[kind]), Literal(value, datatype=XSD.date))
            self._event(node, iris.child(str(node), "date", n), value, kind, span)
        for kind, (value, _span) in sorted(r.contact.items()):
            self.add(node, RK[kind], value)
        for n, claim in enumerate(r.claims, start=1):
            c = URIRef(iris.child(str(node), "claim", n))
            self.add(node, RK.claim, c)
            self.add(c, RDF.type, RK.Claim)
            self.add(c, RK.claimKind, claim.kind)
            self.add(c, RK.claimedValue, Literal(claim.value, datatype=XSD.decimal))
            self.add(c, RDFS.label, _zh(claim.text))
            self.evidence(c, claim.span)
        self._citations(node, RK.report, r.citations)

    def _citations(self, citing: URIRef, link, citations) -> None:
        for n, cit in enumerate(citations, start=1):
            c = URIRef(iris.child(str(citing), "citation", n))
            doc = _document(cit.title)
            self.add(citing, DCTERMS.references, doc)
            self.add(c, RDF.type, RK.Citation)
            self.add(c, link, citing)
            self.add(c, RK.document, doc)
            self.add(c, RK.action, RK[cit.action])
            self.evidence(c, cit.span)

    def _place(self, name: str) -> URIRef:
        """Every place something is said to belong to is a typed, labelled node."""
        place = _place_iri(name)
        self.add(place, RDF.type, RK.Place)
        self.add(place, RDFS.label, _zh(name))
        return place

    def _event(self, owner: URIRef, iri: str, date: str, label: str, span: Span, precision="day", part="") -> None:
        event = URIRef(iri)
        self.add(event, RDF.type, RK.Event)
        self.add(event, RK.report, self.report)
        self.add(event, RK.about, owner)
        self.add(event, RK.date, Literal(date, datatype=XSD.date))
        if precision != "day":
            self.add(event, RK.datePrecision, precision)
        self.add(event, RK.periodPart, part)
        self.add(event, RDFS.label, label)
        self.evidence(event, span)

    def _organisations(self) -> None:
        for org in self.r.orgs.values():
            node = _organisation(org.canonical)
            self.add(node, RDF.type, ORG.Organization)
            self.add(node, SKOS.prefLabel, _zh(org.canonical))
            for alias in sorted(org.aliases - {org.canonical}):
                self.add(node, SKOS.altLabel, _zh(alias))
            self.add(node, RK.orgType, org.kind)
            if org.place:
                self.add(node, RK.jurisdiction, self._place(org.place))
            if org.collective:
                self.add(node, RK.collective, _literal(True))
            if org.generic:
                self.add(node, RK.generic, _literal(True))
            if org.internal:
                self.add(node, RDF.type, ORG.OrganizationalUnit)
                self.add(node, RK.internalUnit, _literal(True))
            if org.parent:
                self.add(node, ORG.subOrganizationOf, _organisation(org.parent))

    def _documents(self) -> None:
        for doc in self.r.documents.values():
            node = _document(doc.title)
            self.add(node, RDF.type, RK.NamedDocument)
            self.add(node, DCTERMS.title, _zh(doc.title))
            self.add(node, RK.documentType, doc.doc_type)
            self.add(node, RK.documentStatus, doc.status)
            self.add(node, DCTERMS.identifier, doc.number)
            for issuer in doc.issuers:
                self.add(node, DCTERMS.creator, _organisation(issuer))

    def _structure(self) -> None:
        levels = (
            (self.r.parts, iris.part, RK.Part),
            (self.r.categories, iris.category, RK.ProblemCategory),
            (self.r.groups, iris.group, RK.ProblemGroup),
        )
        for headings, mint, cls in levels:
            for h in headings:
                node = URIRef(mint(str(self.report), h.order))
                self.add(node, RDF.type, cls)
                self.add(node, RK.report, self.report)
                self.add(node, RK.number, h.number)
                self.add(node, RK.order, _integer(h.order))
                self.add(node, DCTERMS.title, _zh(h.title))
                self.evidence(node, h.span)
        for group, category in self.r.group_category.items():
            if category is not None:
                self.add(
                    URIRef(iris.group(str(self.report), group)),
                    RK.category,
                    URIRef(iris.category(str(self.report), category)),
                )

    def _outline(self) -> None:
        """The heading tree as read, for the report page: its place in the tree on each part,
        category, group and finding; a small rk:OutlineHeading for any other numbered heading."""
        report = str(self.report)
        entries, near = outline_entries(self.r)
        for entry in entries:
            nodes = [URIRef(STRUCTURE_IRIS[kind](report, order)) for kind, order in entry.nodes]
            if not nodes:
                node = URIRef(iris.child(report, "heading", entry.position))
                nodes = [node]
                self.add_terms((node, RDF.type, RK.OutlineHeading), (node, RK.report, self.report))
                self.add(node, DCTERMS.title, _zh(entry.title))
                self.add(node, RK.notFindingReason, RK[entry.reason])
            for node in nodes:
                self.add_terms(
                    (node, RK.outlinePosition, _integer(entry.position)),
                    (node, RK.outlineLevel, _integer(entry.level)),
                    (node, RK.outlineMarker, _literal(entry.marker)),
                )
        for line in near:
            self.add(self.report, RK.nearHeading, line)

    def _finding(self, f: Finding) -> None:
        node = URIRef(iris.finding(str(self.report), f.order))
        self.add(node, RDF.type, RK.Finding)
        self.add(node, RK.report, self.report)
        self.add(node, RK.number, f.number)
        self.add(node, RK.ref, f.ref)
        for gram in sorted(title_grams(f.title)):
            self.add(node, RK.titleGram, gram)
        self.add(node, RK.order, _integer(f.order))
        self.add(node, DCTERMS.title, _zh(f.title))
        self.add(node, RK.status, f.status)
        if f.category is not None:
            self.add(node, RK.category, URIRef(iris.category(str(self.report), f.category)))
        if f.group is not None:
            self.add(node, RK.group, URIRef(iris.group(str(self.report), f.group)))
        self.evidence(node, f.span)
        if f.lead:
            self.add(node, RK.leadText, _zh(self.r.quote(f.lead)))
        for m in f.measures:
            self._measure(node, m)

    def _measure(self, finding: URIRef, m: Measure) -> None:
        node = URIRef(iris.measure(str(finding), m.ordinal))
        self.add(node, RDF.type, RK.Measure)
        self.add(node, RK.finding, finding)
        self.add(node, RK.ordinal, _integer(m.ordinal))
        self.add(node, RK.marker, Literal(m.marker))  # "" too: an unnumbered measure says so (rk:marker)
        self.add(node, RK.text, _zh(m.text))
        self.evidence(node, m.span)
        for n, inv in enumerate(m.involvements, start=1):
            i = URIRef(iris.child(str(node), "involvement", n))
            self.add(i, RDF.type, RK.Involvement)
            self.add(i, RK.measure, node)
            self.add(i, RK.agent, _organisation(inv.org))
            self.add(i, RK.role, RK[inv.role])
            self.add(i, RK.cue, inv.cue)
            self.add(i, RK.surfaceForm, inv.surface)
            self.evidence(i, inv.span)
        self._citations(node, RK.measure, m.citations)
        for n, use in enumerate(m.policies, start=1):
            policy = URIRef(iris.policy(str(self.report), use.name))
            self.add(policy, RDF.type, RK.Policy)
            self.add(policy, RDFS.label, _zh(use.name))
            self.add(policy, RK.report, self.report)
            if use.document:
                self.add(policy, RK.formalisedBy, _document(use.document))
            a = URIRef(iris.child(str(node), "policy", n))
            self.add(a, RDF.type, RK.PolicyAction)
            self.add(a, RK.measure, node)
            self.add(a, RK.policy, policy)
            self.add(a, RK.action, RK[use.action])
            self.evidence(a, use.span)
        for n, q in enumerate(m.quantities, start=1):
            qn = URIRef(iris.child(str(node), "quantity", n))
            self.add(qn, RDF.type, RK.Quantity)
            self.add(qn, RK.measure, node)
            self.add(qn, RK.value, Literal(q.value, datatype=XSD.decimal))
            self.add(qn, RK.unit, q.unit)
            self.add(qn, RK.counted, q.counted)
            self.add(qn, RK.approximate, _literal(q.approximate))
            self.evidence(qn, q.span)
        for n, ev in enumerate(m.events, start=1):
            self._event(node, iris.child(str(node), "event", n), ev.date, ev.label, ev.span, ev.precision, ev.part)


def to_triples(report: Report, key: str) -> list[Triple]:
    """The report's triples, each once, in a stable order: what the store writes."""
    return _Builder(report, key).build()


def as_graph(triples: list[Triple]) -> Graph:
    """The triples as an rdflib Graph with the project's prefixes, for callers that work on graphs."""
    g = Graph()
    for prefix, ns in iris.PREFIXES.items():
        g.bind(prefix, ns)
    for triple in triples:
        g.add(triple)
    return g


def to_graph(report: Report, key: str) -> Graph:
    return as_graph(to_triples(report, key))
