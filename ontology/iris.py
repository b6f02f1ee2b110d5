"""The one module that mints IRIs.

Entity IRIs are public: users bookmark them and scripts join on them, so every IRI is a pure
function of what the report says (never of the file name, the encoding or the time of ingest).
Re-ingesting a document, or a GB18030 copy of it, therefore yields the very same IRIs.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/rectkg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
# Write-in-progress graphs of a remote store: outside GRAPH, so no query and no graph listing sees them.
STAGING = BASE + "staging/"
# The corpus-wide department-pair aggregate (graph/aggregates.py), a graph every write keeps up to date:
# outside GRAPH, so it is no document (not listed, counted or exported); queries name it with GRAPH.
AGGREGATES = BASE + "aggregate/shared-responsibility"

RK = Namespace(BASE + "ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
# The roles that make two departments share a finding when both hold one of them on it (the rule
# of queries/shared-responsibility.rq): the analysis, the network, dossiers and department pages.
SHARING_ROLES = frozenset({str(RK.lead), str(RK.partner)})
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
# The aggregate graph's own vocabulary, used in no document: a visitor's triple pattern with any
# other constant predicate sees the same triples whether the aggregate is in its default graph or
# not (graph/scope.py; tests/test_aggregate_invisible.py holds both halves of that true).
AGGREGATE_CLASSES = frozenset(
    str(RK[n])
    for n in (
        "DepartmentPair", "SearchShare", "ReportSummary", "DepartmentRoles", "DocumentRoles",
        "DocumentCitations", "GraphCitations", "ReportCounts", "CitedTitleTotal", "FindingParties", "AlikeShare",
    )
)
AGGREGATE_PREDICATES = frozenset(
    str(RK[n])
    for n in (
        "pairMember", "pairFirstLabel", "pairSecondLabel", "pairFindings", "pairFindingNumbers",
        "pairContributions", "searchGraph", "searchDigest", "searchEntries", "summaryGraph",
        "summaryRows", "rolesGraph", "rolesAgent", "rolesHeld", "citationsGraph", "citationsDocument",
        "citationRows", "citingReport", "citingFinding", "citingReportTitle", "citedTitle", "citedDocumentType",
        "countsGraph", "countsReport", "findingsCounted", "measuresCounted", "categoriesCounted",
        "measuresCitingDocument", "measuresStatingNumber", "storeVersion", "writeInProgress",
        "totalCitedTitle", "totalCitedType", "reportsCiting", "findingsCiting", "citingReportTitles",
        "totalContributions", "titleTally", "keptFormat", "countsTitle", "countsPlace", "countsPublished",
        "findingsClaimed", "measuresClaimed", "partiesGraph", "partiesFinding", "partiesAgent", "partiesCitation",
        "alikeGraph", "alikeDigest", "alikeEntries",
    )
)

PREFIXES: dict[str, str] = {
    "rk": str(RK),
    "org": str(ORG),
    "oa": str(OA),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def sparql_prefixes() -> str:
    """The PREFIX block every saved query and the editor start from."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def _segment(text: str) -> str:
    """Percent-encode names so the IRI is a plain URI every SPARQL server and HTTP client accepts."""
    return quote(text.strip(), safe="()（）·-_.~")


def short_hash(text: str, length: int = 10) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def report_key(title: str, published: str | None, text: str) -> str:
    """A report is known by its title and publication date; without a title, by its text."""
    if title:
        return f"{published or 'undated'}-{short_hash(title)}"
    return f"text-{short_hash(text)}"


def report(key: str) -> str:
    return f"{ID}report/{key}"


def graph(key: str) -> str:
    return f"{GRAPH}{key}"


def data_graph(file_name: str) -> str:
    """The graph of an RDF file loaded without `--graph`: named after the file's name without its
    suffix (bodies.ttl → graph/data/bodies), never its folder or contents, so loading the file again,
    from anywhere or edited, replaces the same graph. No report's graph key holds a slash."""
    return f"{GRAPH}data/{_segment(file_name)}"


def staging_graph(token: str) -> str:
    return f"{STAGING}{token}"


def department_pair(first_org: str, second_org: str) -> str:
    """One node per pair of organisations across the corpus, whichever documents the pair comes from."""
    return f"{ID}department-pair/{short_hash(first_org + ' ' + second_org, 16)}"


def part(report_iri: str, order: int) -> str:
    return f"{report_iri}/part/{order}"


def category(report_iri: str, order: int) -> str:
    return f"{report_iri}/category/{order}"


def group(report_iri: str, order: int) -> str:
    return f"{report_iri}/group/{order}"


def finding(report_iri: str, order: int) -> str:
    return f"{report_iri}/finding/{order}"


def measure(finding_iri: str, ordinal: int) -> str:
    return f"{finding_iri}/measure/{ordinal}"


def child(parent_iri: str, kind: str, ordinal: int) -> str:
    """Nodes that only exist inside another one (involvements, citations, quantities, evidence)."""
    return f"{parent_iri}/{kind}/{ordinal}"


def search_share(graph_iri: str) -> str:
    """Search's share of one document graph, kept in the aggregate graph (graph/searchable.py)."""
    return f"{ID}search-share/{short_hash(graph_iri, 16)}"


def alike_share(graph_iri: str) -> str:
    """What one document graph gives `recurring-problems`, kept in the aggregate graph (graph/alike_shares.py)."""
    return f"{ID}alike-share/{short_hash(graph_iri, 16)}"


def report_summary(graph_iri: str) -> str:
    """The dashboard's row of one document graph, kept in the aggregate graph (graph/summaries.py)."""
    return f"{ID}report-summary/{short_hash(graph_iri, 16)}"


def report_counts(graph_iri: str, report_iri: str) -> str:
    """One report's counts in one document graph, kept in the aggregate graph (graph/report_counts.py)."""
    return f"{ID}report-counts/{short_hash(graph_iri + ' ' + report_iri, 16)}"


def finding_parties(graph_iri: str, finding_iri: str) -> str:
    """One finding's parties in one document graph, kept in the aggregate graph (graph/finding_parties.py)."""
    return f"{ID}finding-parties/{short_hash(graph_iri + ' ' + finding_iri, 16)}"


def document_roles(graph_iri: str) -> str:
    """The marker that one document graph's departments' roles are kept (graph/roles.py)."""
    return f"{ID}document-roles/{short_hash(graph_iri, 16)}"


def department_roles(graph_iri: str, org_iri: str) -> str:
    """One department's roles in one document graph, kept in the aggregate graph (graph/roles.py)."""
    return f"{ID}department-roles/{short_hash(graph_iri + ' ' + org_iri, 16)}"


def graph_citations(graph_iri: str) -> str:
    """The marker that one document graph's citations of named documents are kept (graph/citations.py)."""
    return f"{ID}graph-citations/{short_hash(graph_iri, 16)}"


def document_citations(graph_iri: str, document_iri: str) -> str:
    """One named document's citations in one document graph, kept in the aggregate graph (graph/citations.py)."""
    return f"{ID}document-citations/{short_hash(graph_iri + ' ' + document_iri, 16)}"


def cited_title_total(title: str, document_type: str | None) -> str:
    """One named document's title (and type) across the corpus, kept in the aggregate graph (graph/cited_titles.py)."""
    typed = chr(1) if document_type is None else document_type  # no type and an empty one apart
    return f"{ID}cited-title/{short_hash(title + chr(0) + typed, 16)}"


def document_order(node: str) -> list[tuple[int, str]]:
    """A report's findings, measures and citations in the order they stand, from their IRIs alone
    (report/finding/N/measure/M/citation/K, as above): the numbers compared as numbers."""
    return [(int(part) if part.isdigit() else -1, part) for part in node.split("/")]


def organisation(canonical: str) -> str:
    return f"{ID}org/{_segment(canonical)}"


def place(name: str) -> str:
    return f"{ID}place/{_segment(name)}"


def document(title: str) -> str:
    return f"{ID}document/{_segment(title)}"


def policy(report_iri: str, name: str) -> str:
    return f"{report_iri}/policy/{short_hash(name)}"
