"""Source file → Report → RDF graph: the loader's single entry point."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph

from loaders.decode import decode
from loaders.documents import read_all_documents
from loaders.entities import read_entities
from loaders.errors import DecodeError, FormatError, LimitError
from loaders.metadata import read_metadata
from loaders.model import Report
from loaders.outline import require_report
from loaders.policies import read_policies
from loaders.quantities import read_quantities
from loaders.script import normalised_reading
from loaders.sources import read_source
from loaders.structure import parse_structure
from loaders.to_rdf import Triple, as_graph, to_triples
from loaders.truncation import drop_cut_finding
from ontology import iris

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
# Characters of text (after normalising) one report may have. The longest real reports have tens of
# thousands; reading costs about 10 s and 300 MB per million here, and grows faster beyond.
MAX_CHARS = 1_000_000


@dataclass
class Loaded:
    """A report read from one source, ready to be written as one named graph."""

    source: str
    encoding: str
    report: Report
    key: str
    triples: list[Triple]

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib Graph, built on first use: ingest writes the triples directly."""
        return as_graph(self.triples)

    @property
    def graph_iri(self) -> str:
        return iris.graph(self.key)

    @property
    def report_iri(self) -> str:
        return iris.report(self.key)


def read_text(text: str, source: str) -> Report:
    reading, printed = normalised_reading(text)
    if len(reading) > MAX_CHARS:
        raise LimitError(
            source,
            f"the text has {len(reading):,} characters, more than the loader's limit of {MAX_CHARS:,} for one "
            "report; split the file into its reports",
        )
    report = Report(reading, original=printed)
    parse_structure(report, source)
    first = report.findings[0].span.start if report.findings else len(report.text)
    read_metadata(report, _preamble_end(report, first))
    drop_cut_finding(report)
    require_report(report, source)
    read_entities(report)
    read_all_documents(report)
    read_policies(report)
    read_quantities(report)
    return report


def _preamble_end(report: Report, first_finding: int) -> int:
    """The preamble is everything before the part that holds the first finding; where no finding was
    read (an opening cut before them), the whole text, whose parts then state the totals and dates."""
    if not report.findings:
        return len(report.text)
    heading = max((p.span.start for p in report.parts if p.span.start < first_finding), default=first_finding)
    return heading


def load_bytes(data: bytes, source: str, encoding: str | None = None) -> Loaded:
    """A plain-text report; `encoding` forces a codec instead of detecting one."""
    _check_size(data, source)
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise DecodeError(source, f"not valid {encoding}", offset=error.start) from None
    else:
        text, encoding = decode(data, source)
    return load_text(text, source, encoding)


def load_source(data: bytes, source: str, *, charset: str | None = None) -> Loaded:
    """A report in any supported format (.txt, .html, .docx, .pdf), chosen by the name `source`.

    `charset` is a transport's declaration (an HTTP Content-Type parameter), used for text and pages.
    """
    _check_size(data, source)
    text, how = read_source(data, source, charset=charset)
    return load_text(text, source, how)


def load_text(text: str, source: str, how: str) -> Loaded:
    """Decoded text → Loaded; `how` records the format and encoding the text was read from."""
    report = read_text(text, source)
    key = iris.report_key(report.title, report.dates.get("published", (None,))[0], report.text)
    log.info("read %s (%s): %d findings, %d measures", source, how, len(report.findings), len(report.measures))
    for warning in report.warnings:
        log.info("%s: %s", source, warning)
    return Loaded(source, how, report, key, to_triples(report, key))


def load_file(path: str | Path, *, charset: str | None = None) -> Loaded:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:  # before reading it all into memory
            raise DecodeError(str(path), f"the file is larger than {MAX_BYTES // 2**20} MB; split it")
        data = path.read_bytes()
    except OSError as error:
        raise FormatError(str(path), f"cannot read the file ({error.strerror or error}); check the path") from None
    return load_source(data, str(path), charset=charset)


def _check_size(data: bytes, source: str) -> None:
    if len(data) > MAX_BYTES:
        raise DecodeError(source, f"the file is larger than {MAX_BYTES // 2**20} MB; split it")
