"""A dataset held in a pyoxigraph store written in one of `rectkg export`'s formats: the embedded
store's own, and the copy the remote store gathers from its server, written the same way.
"""

from __future__ import annotations

from collections.abc import Collection

import pyoxigraph as ox
from rdflib import Graph

from graph import answers
from ontology import iris

QUAD_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
GRAPH_FORMATS = ("graphml", "gexf")  # the responsibility network's (graph/analytics.py), for tools like Gephi
_UNION = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def dataset(store: ox.Store, fmt: str, left_out: Collection[ox.NamedNode] = ()) -> bytes:
    """The store's named graphs but those left out (the aggregate, which is no document): N-Quads and
    TriG keep the graphs (TriG with the project's prefixes); N-Triples, Turtle and JSON-LD write their
    union, Turtle and compact JSON-LD as the endpoint writes answers (graph/answers.py)."""
    if fmt in QUAD_FORMATS:
        prefixes = iris.PREFIXES if fmt == "trig" else None
        if not left_out:
            return store.dump(format=QUAD_FORMATS[fmt], prefixes=prefixes)
        quads = (q for q in store if q.graph_name not in left_out)
        return ox.serialize(quads, format=QUAD_FORMATS[fmt], prefixes=prefixes) or b""
    graphs = [g for g in store.named_graphs() if g not in left_out]
    union = store.query(_UNION, use_default_graph_as_union=False, default_graph=graphs)
    nt = ox.serialize(union, format=ox.RdfFormat.N_TRIPLES) or b""
    if fmt == "ntriples":
        return nt
    return answers.graph_text(Graph().parse(data=nt, format="nt"), fmt).encode("utf-8")
