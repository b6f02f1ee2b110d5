"""RDF files loaded as they are: a user's reference data (an official directory of bodies, a
register of documents) beside the reports, in named graphs of its own, to join in queries.

Files are parsed by Oxigraph (no parser of our own): its errors name the line and column, a
JSON-LD file's remote context is refused rather than fetched, and RDF/XML external entities are
refused too, so loading a file never makes rectkg fetch a URL. Blank nodes are renamed to fresh
ids, so two files' `_:b0` never become one node. Nothing here writes: the CLI hands `RdfFile.graphs`
to the store in one all-or-none write per file (`Store.replace_graphs_together`).

Which graph: a triples file (and a quads file's default-graph triples) goes into `--graph IRI`,
else into `iris.data_graph(file stem)`; a quads file's named graphs keep their names. Relative
IRIs resolve against that graph IRI, so they too depend on the name alone, never on the folder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.interface import internal_graph
from ontology import iris

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}
SUFFIXES = frozenset(FORMATS)


class RdfFileError(Exception):
    """The file is not RDF rectkg can load; the message names the file (and line, where known)."""


@dataclass(frozen=True)
class RdfFile:
    """One file, parsed: each graph it fills, as N-Triples, and how many distinct triples in all."""

    path: Path
    graphs: dict[str, bytes]
    triples: int


def is_rdf(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def holds_quads(path: Path) -> bool:
    """A format that can name graphs itself (N-Quads, TriG, JSON-LD)."""
    return FORMATS[path.suffix.lower()].supports_datasets


def graph_for(path: Path, given: str | None = None) -> str:
    """The graph a triples file (or a quads file's default graph) goes into."""
    return given or iris.data_graph(path.stem)


def read_rdf(path: Path, graph: str | None = None) -> RdfFile:
    """Parse `path` wholly before anything is written, so a file with an error changes nothing."""
    default = graph_for(path, graph)
    _check_graph_name(path, default)
    triples: dict[str, set[ox.Triple]] = defaultdict(set)
    try:
        parsed = ox.parse(path=path, format=FORMATS[path.suffix.lower()], base_iri=default, rename_blank_nodes=True)
        for quad in parsed:
            triples[_graph_of(path, quad.graph_name, default)].add(quad.triple)
    except SyntaxError as error:
        raise RdfFileError(f"{path}: not valid {path.suffix[1:]}: {error.msg}") from error
    except (OSError, ValueError) as error:
        raise RdfFileError(f"{path}: {error}") from error
    if not triples:
        raise RdfFileError(f"{path}: holds no triples; nothing to load (`rectkg remove` drops a graph)")
    graphs = {name: ox.serialize(list(found), format=ox.RdfFormat.N_TRIPLES) or b"" for name, found in triples.items()}
    return RdfFile(path, graphs, sum(map(len, triples.values())))


def _graph_of(path: Path, name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, default: str) -> str:
    if isinstance(name, ox.DefaultGraph):
        return default
    if isinstance(name, ox.BlankNode):
        raise RdfFileError(f"{path}: a graph is named by a blank node; give it an IRI, or it cannot be replaced later")
    _check_graph_name(path, name.value)
    return name.value


def _check_graph_name(path: Path, graph: str) -> None:
    """Any IRI but rectkg's own internal graphs (ontology, aggregate, staging), which data must not replace."""
    try:
        ox.NamedNode(graph)
    except ValueError as error:
        raise RdfFileError(f"{path}: {graph!r} is not a graph IRI: {error}") from error
    if internal_graph(graph):
        raise RdfFileError(f"{path}: <{graph}> is one of rectkg's own graphs; name the data's graph otherwise")
