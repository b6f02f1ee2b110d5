"""Saved queries answer as if the default graph were the set union of the documents.

Oxigraph's union default graph returns a triple once per document graph that states it, and every
report restates the labels of the places and bodies it names, so a join through such a label
multiplies rows by the number of reports naming it. One report per place hides that; a generated
corpus where several reports share a district does not. The oracle is the same engine over one
merged default graph (a set: each triple once), the named graphs kept as they are: every saved
query must give the same rows, the same number of times, on both.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from bench.corpus import Generator
from bench.measure import cases, typical_values
from graph.store import OxigraphStore
from graph.terms import to_ox
from loaders.pipeline import load_bytes
from ontology import iris
from queries.catalog import SavedQuery, saved_queries

REPORTS = 12  # two of them share a place (asserted below), which is what the test needs


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The product's store, and an in-memory copy that also holds its documents merged into the
    default graph."""
    docs = Generator(seed=11).corpus(REPORTS)
    assert Counter(doc.place for doc in docs).most_common(1)[0][1] > 1, "no two reports share a place"
    store = OxigraphStore(tmp_path_factory.mktemp("dups") / "store")
    for doc in docs:
        loaded = load_bytes(doc.text.encode("utf-8"), doc.name)
        store.replace_graph(loaded.graph_iri, loaded.graph)
    merged = ox.Store()
    quads = list(store._store.quads_for_pattern(None, None, None, None))
    merged.extend(quads)  # the named graphs as they are, for GRAPH patterns
    aggregate = ox.NamedNode(iris.AGGREGATES)
    merged.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads if q.graph_name != aggregate)
    yield store, merged
    store.close()


def rows(target: ox.Store, q: SavedQuery, params: dict[str, str], union: bool) -> Counter:
    """The answer's rows (declared columns) with how often each comes, on `target`. A cell is taken
    as its sorted characters: a GROUP_CONCAT may list its items in another order under another plan,
    and what is tested here is how often a row comes, not the order within a cell."""
    bindings = q.bindings(params)
    subs = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
    answer = target.query(q.text_for(bindings), use_default_graph_as_union=union, substitutions=subs)
    return Counter(tuple("".join(sorted(str(sol[c] or ""))) for c in q.columns) for sol in answer)


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_rows_are_not_multiplied_by_the_reports_restating_a_label(stores, name):
    store, merged = stores
    checked = 0
    for q, case, params in cases(typical_values(store), live=False):
        if q.name != name:
            continue
        product, oracle = rows(store._store, q, params, True), rows(merged, q, params, False)
        assert product == oracle, f"{name}[{case}]: {sum(product.values())} rows, {sum(oracle.values())} expected"
        checked += 1
    assert checked
