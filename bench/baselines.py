"""rdflib's own in-memory SPARQL engine over the same quads: the slow baseline.

rdflib cannot cancel a query and its self-joins run for minutes, so each query runs in a forked
child (the parsed dataset is shared copy-on-write) that is killed at the time limit; a killed
query is recorded as `timeout_s`, a lower bound.
"""

from __future__ import annotations

import multiprocessing

from rdflib import Dataset, Literal, URIRef, Variable

from graph.store import Term
from queries.catalog import SavedQuery


def _rdflib_term(term: Term):
    if term.kind == "iri":
        return URIRef(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype) if term.datatype else None, lang=term.lang)


def _child(ds: Dataset, q: SavedQuery, params: dict[str, str], reps: int, budget_s: float, conn) -> None:
    from bench.measure import timed

    bound = q.bindings(params)
    bindings = {Variable(k): _rdflib_term(v) for k, v in bound.items()}
    text = q.text_for(bound)
    conn.send(timed(lambda: len(list(ds.query(text, initBindings=bindings))), reps, budget_s, warm_up=False))


def rdflib_times(
    nquads: bytes, todo: list[tuple[SavedQuery, str, dict[str, str]]], budget_s: float, timeout_s: float
) -> dict:
    """Same query text, parameters through initBindings, over the union of the named graphs."""
    ds = Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    ctx = multiprocessing.get_context("fork")
    out = {}
    for q, case, params in todo:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(ds, q, params, 3, budget_s, child))
        proc.start()
        if parent.poll(timeout_s):
            out[f"{q.name}[{case}]"] = parent.recv()
        else:
            out[f"{q.name}[{case}]"] = {"timeout_s": timeout_s}
        proc.kill()
        proc.join()
    return out
