"""Source file → Report → RDF graph: the loader's single entry point."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from loaders.decode import decode
from loaders.documents import read_all_documents
from loaders.entities import read_entities
from loaders.errors import DecodeError
from loaders.metadata import read_metadata
from loaders.model import Report
from loaders.normalise import normalise
from loaders.policies import read_policies
from loaders.quantities import read_quantities
from loaders.structure import parse_structure
from loaders.to_rdf import to_graph
from ontology import iris

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Loaded:
    """A report read from one source, ready to be written as one named graph."""

    source: str
    encoding: str
    report: Report
    key: str
    graph: Graph

    @property
    def graph_iri(self) -> str:
        return iris.graph(self.key)

    @property
    def report_iri(self) -> str:
        return iris.report(self.key)


def read_text(text: str, source: str) -> Report:
    report = Report(normalise(text))
    parse_structure(report, source)
    first = report.findings[0].span.start
    read_metadata(report, _preamble_end(report, first))
    read_entities(report)
    read_all_documents(report)
    read_policies(report)
    read_quantities(report)
    return report


def _preamble_end(report: Report, first_finding: int) -> int:
    """The preamble is everything before the part that holds the first finding."""
    heading = max((p.span.start for p in report.parts if p.span.start < first_finding), default=first_finding)
    return heading


def load_bytes(data: bytes, source: str, encoding: str | None = None) -> Loaded:
    if len(data) > MAX_BYTES:
        raise DecodeError(source, f"the file is larger than {MAX_BYTES // 2**20} MB; split it")
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise DecodeError(source, f"not valid {encoding}", offset=error.start) from None
    else:
        text, encoding = decode(data, source)
    report = read_text(text, source)
    key = iris.report_key(report.title, report.dates.get("published", (None,))[0], report.text)
    log.info("read %s: %d findings, %d measures", source, len(report.findings), len(report.measures))
    return Loaded(source, encoding, report, key, to_graph(report, key))


def load_file(path: str | Path) -> Loaded:
    path = Path(path)
    return load_bytes(path.read_bytes(), str(path))
