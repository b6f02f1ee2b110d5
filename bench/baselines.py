"""rdflib's own in-memory SPARQL engine over the same quads: the slow baseline.

rdflib cannot cancel a query and its self-joins run for minutes, so each query runs in a forked
child (the parsed dataset is shared copy-on-write) that is killed at the time limit; a killed
query is recorded as `timeout_s`, a lower bound.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef, Variable

from graph.interface import Term
from queries.catalog import SavedQuery, get

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
TODO = "rdflib-todo.pickle"  # beside a handed-over store (`hand_over`)


def _literal(value: str, datatype: str | None, lang: str | None) -> Literal:
    """A literal as rdflib's parser makes it, for the data and the parameters alike: a simple
    literal plain (rdflib tells "x" from "x"^^xsd:string, so one spelt each way never matches)."""
    if lang:
        return Literal(value, lang=lang)
    return Literal(value, datatype=None if datatype in (None, XSD_STRING) else URIRef(datatype))


def _rdflib_term(term: Term):
    return URIRef(term.value) if term.kind == "iri" else _literal(term.value, term.datatype, term.lang)


def _child(ds: Dataset, q: SavedQuery, params: dict[str, str], reps: int, budget_s: float, conn) -> None:
    from bench.measure import timed

    bound = q.bindings(params)
    bindings = {Variable(k): _rdflib_term(v) for k, v in bound.items()}
    text = q.text_for(bound)
    conn.send(timed(lambda: len(list(ds.query(text, initBindings=bindings))), reps, budget_s, warm_up=False))


def dataset(quads: Iterable[ox.Quad]) -> Dataset:
    """The quads as an rdflib Dataset whose default graph is the union, built term by term
    (each distinct term once): 40 % faster than rdflib parsing a dump, the same terms (a simple
    literal is plain, as rdflib's parser makes it)."""
    ds = Dataset(default_union=True)
    terms: dict = {}

    def term(node):
        found = terms.get(node)
        if found is None:
            if isinstance(node, ox.NamedNode):
                found = URIRef(node.value)
            elif isinstance(node, ox.BlankNode):
                found = BNode(node.value)
            else:
                found = _literal(node.value, node.datatype.value, node.language)
            terms[node] = found
        return found

    graphs: dict = {}
    gc.disable()  # nothing built here is cyclic garbage, and collections over the growing heap cost 10 %
    try:
        for quad in quads:
            graph = graphs.get(quad.graph_name)
            if graph is None:
                graph = graphs[quad.graph_name] = ds.graph(URIRef(quad.graph_name.value))
            graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    finally:
        gc.enable()
    return ds


def rdflib_times(
    quads: Iterable[ox.Quad],
    todo: list[tuple[SavedQuery, str, dict[str, str]]],
    budget_s: float,
    timeout_s: float,
    jobs: int = 1,
) -> dict:
    """Same query text, parameters through initBindings, over the union of the named graphs.

    `jobs` children run at once, each on a core of its own (rdflib is single-threaded): how
    `make bench-quick` keeps to its time limit. Two busy cores share memory bandwidth, so a
    parallel figure can only be slower, which never flatters the product."""
    ds = dataset(quads)
    ctx = multiprocessing.get_context("fork")
    out = {}
    for first in range(0, len(todo), jobs):
        running = []
        for q, case, params in todo[first : first + jobs]:
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(ds, q, params, 3, budget_s, child))
            proc.start()
            running.append((f"{q.name}[{case}]", proc, parent, time.monotonic() + timeout_s))
        for key, proc, parent, deadline in running:
            if parent.poll(max(0.0, deadline - time.monotonic())):
                out[key] = parent.recv()
            else:
                out[key] = {"timeout_s": timeout_s}
            proc.kill()
            proc.join()
    return out


def rdflib_times_started(
    store: Path, todo: list[tuple[SavedQuery, str, dict[str, str]]], budget_s: float, timeout_s: float, jobs: int
) -> Callable[[], dict]:
    """`rdflib_times` on the on-disk store at `store`, in a forked process started now, on the other
    core while this one times the product (`make bench-quick`: its time limit; the product's
    figures then share the machine, which never flatters them). The process reads the store's
    quads itself, opened read-only: no dump to write and parse (N = 10: 1 s). Call the result to
    wait for the figures."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_times_to, args=(store, todo, budget_s, timeout_s, jobs, child))
    proc.start()

    def figures() -> dict:
        out = parent.recv()
        proc.join()
        return out

    return figures


def hand_over(folder: Path, todo: list[tuple[SavedQuery, str, dict[str, str]]]) -> None:
    """What `rdflib_times_started` needs besides the store, which lives at `folder / "store"`, for
    another process (queries by name)."""
    (folder / TODO).write_bytes(pickle.dumps([(q.name, case, params) for q, case, params in todo]))


def handed_times_started(folder: Path, budget_s: float, timeout_s: float, jobs: int) -> Callable[[], dict]:
    """`rdflib_times_started` on what `hand_over` left in `folder`."""
    todo = [(get(name), case, params) for name, case, params in pickle.loads((folder / TODO).read_bytes())]
    return rdflib_times_started(folder / "store", todo, budget_s, timeout_s, jobs)


def _times_to(store: Path, todo, budget_s: float, timeout_s: float, jobs: int, conn) -> None:
    quads = ox.Store.read_only(str(store)).quads_for_pattern(None, None, None, None)
    conn.send(rdflib_times(quads, todo, budget_s, timeout_s, jobs))
