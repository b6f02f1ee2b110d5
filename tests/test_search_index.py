"""Search's index is kept per document: each write stores that document's share (graph/searchable.py)
and the app re-indexes only the shares that changed (webapp/search.py). Kept that way, it must
equal what a build from scratch gives, after adds, replacements and removals; and a named document
that several reports restate is one hit, which lists those reports.

Real stores (on disk, so new documents take the bulk-load path and replacements the transaction
path) and a real served app; nothing is mocked. The index saved beside the store for the next start
(webapp/searchfile.py) must load as the index it was, and never stand for a store written since.
"""

from __future__ import annotations

import pyoxigraph as ox
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from web_fixtures import build_store, serve, serve_app

from graph import aggregates, searchable
from graph.store import OxigraphStore, open_store
from ontology import iris
from ontology.iris import RK
from webapp import create_app, searchfile, warm
from webapp.search import LiveIndex
from webapp.textindex import Doc, Index


def restated(loaded, key: str) -> tuple[str, Graph]:
    """The same report as another one (its own graph, report IRI and title): every named document
    it cites is then restated by two reports, as across the bench corpus."""
    report = URIRef(str(loaded.report_iri))
    other = URIRef(f"{report}-{key}")
    copy = Graph()
    for s, p, o in loaded.graph:
        s, o = (other if s == report else s), (other if o == report else o)
        if s == other and p == DCTERMS.title:
            o = Literal(f"{o}({key})", lang=o.language)
        copy.add((s, p, o))
    return f"{loaded.graph_iri}-{key}", copy


def retitled(loaded, title: str) -> Graph:
    """The report with its first finding's title changed: a replacement search must see."""
    first = min(loaded.graph.subjects(RDF.type, RK.Finding))
    copy = Graph()
    for s, p, o in loaded.graph:
        copy.add((s, p, Literal(title, lang="zh") if (s, p) == (first, DCTERMS.title) else o))
    return copy


def kept(store: OxigraphStore) -> dict[str, searchable.Share]:
    """The shares the writes left in the store."""
    return searchable.stored(store, searchable.digests(store))


def fresh(shares: dict[str, searchable.Share]) -> LiveIndex:
    built = LiveIndex()
    built.apply(shares)
    return built


def same_index(live: LiveIndex, shares: dict[str, searchable.Share], queries: list[str]) -> None:
    """`live`, updated step by step, holds and answers what an index built from `shares` at once does."""
    other = fresh(shares)
    assert sorted(live.index.docs, key=lambda d: d.key) == sorted(other.index.docs, key=lambda d: d.key)
    for query in queries:
        assert live.index.search(query, limit=50) == other.index.search(query, limit=50)


def test_each_write_keeps_the_documents_share_as_a_rebuild_would(store, qingpu, fengjiang):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)  # new: bulk load
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    assert set(kept(store)) == {qingpu.graph_iri, fengjiang.graph_iri}
    assert kept(store) == searchable.shares(store)
    store.replace_graph(qingpu.graph_iri, retitled(qingpu, "一个新的问题标题"))  # replaced: one transaction
    assert kept(store) == searchable.shares(store)
    assert any(e[2] == "一个新的问题标题" for e in kept(store)[qingpu.graph_iri].entries)
    store.remove_graph(fengjiang.graph_iri)
    assert kept(store) == searchable.shares(store) and set(kept(store)) == {qingpu.graph_iri}
    before = searchable.digests(store)
    store.update(aggregates.rebuild(store))
    assert searchable.digests(store) == before


def test_the_index_updated_per_document_equals_a_full_build(qingpu, fengjiang):
    q_share = searchable.share_in(qingpu.graph_iri, qingpu.graph.serialize(format="nt", encoding="utf-8"))
    f_share = searchable.share_in(fengjiang.graph_iri, fengjiang.graph.serialize(format="nt", encoding="utf-8"))
    edited = retitled(qingpu, "一个新的问题标题").serialize(format="nt", encoding="utf-8")
    q_edited = searchable.share_in(qingpu.graph_iri, edited)
    department = next(e for e in q_share.entries if e[0] == "department" and e[3])
    queries = ["一个新的问题标题", department[3].split("\n")[0], "民政", "整改", department[2][:3]]
    live = LiveIndex()
    live.apply({qingpu.graph_iri: q_share})
    same_index(live, {qingpu.graph_iri: q_share}, queries)
    live.apply({fengjiang.graph_iri: f_share})
    same_index(live, {qingpu.graph_iri: q_share, fengjiang.graph_iri: f_share}, queries)
    live.apply({qingpu.graph_iri: q_edited})
    same_index(live, {qingpu.graph_iri: q_edited, fengjiang.graph_iri: f_share}, queries)
    assert live.index.search("一个新的问题标题", limit=5)[0].doc.kind == "finding"
    live.apply({}, gone=[fengjiang.graph_iri])
    same_index(live, {qingpu.graph_iri: q_edited}, queries)
    live.apply({}, gone=[qingpu.graph_iri])
    assert live.index.docs == [] and live.index.search("民政", limit=5) == []


def test_a_restated_document_is_one_hit_listing_its_reports(tmp_path, qingpu):
    copy_iri, copy = restated(qingpu, "bis")
    path = build_store(tmp_path / "store", qingpu)
    writer = OxigraphStore(path)
    writer.replace_graph(copy_iri, copy)
    writer.close()
    del writer
    title = next(iter(qingpu.report.documents.values())).title
    with serve({"STORE": str(path)}) as url:
        hits = requests.get(url + "/search.json", params={"q": title, "kind": "document"}).json()["hits"]
    assert [h["iri"] for h in hits].count(iris.document(title)) == 1
    cited = next(h for h in hits if h["iri"] == iris.document(title))
    assert sorted(r["iri"] for r in cited["reports"]) == sorted(
        [str(qingpu.report_iri), str(qingpu.report_iri) + "-bis"]
    )


def test_a_store_written_before_search_shares_is_still_searched(tmp_path, qingpu, fengjiang):
    """Its documents are read once, and stay found after a write that brings a share along."""
    path = build_store(tmp_path / "store", qingpu)
    writer = OxigraphStore(path)
    writer.update(f"DELETE WHERE {{ GRAPH <{iris.AGGREGATES}> {{ ?n a <{RK.SearchShare}> ; ?p ?o }} }}")
    assert searchable.digests(writer) == {}
    writer.close()
    del writer
    title = min(
        str(o) for s, o in qingpu.graph.subject_objects(DCTERMS.title) if (s, RDF.type, RK.Finding) in qingpu.graph
    )
    with serve({"STORE": str(path)}) as url:
        hits = requests.get(url + "/search.json", params={"q": title, "kind": "finding"}).json()["hits"]
        assert hits and hits[0]["title"] == title
        open_store(str(path)).replace_graph(fengjiang.graph_iri, fengjiang.graph)  # handed to the app
        again = requests.get(url + "/search.json", params={"q": title, "kind": "finding"}).json()["hits"]
        assert again[0]["iri"] == hits[0]["iri"]
        other = fengjiang.report.findings[0].title
        assert requests.get(url + "/search.json", params={"q": other, "kind": "finding"}).json()["hits"]


def updated(store: OxigraphStore, file) -> LiveIndex:
    """The index a restarted app has after its first refresh, loading `file` if it can."""
    live = LiveIndex(file)
    live._update(store, object())
    return live


def _entries_quads(store: OxigraphStore) -> list[ox.Quad]:
    """The stored search shares' entries (rk:searchEntries in the aggregate graph)."""
    entries = ox.NamedNode(str(RK.searchEntries))
    return list(store._store.quads_for_pattern(None, entries, None, ox.NamedNode(iris.AGGREGATES)))


def test_a_saved_index_loads_as_it_was_without_reading_the_store(store, qingpu, fengjiang, tmp_path):
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    file = tmp_path / "store.search"
    built = updated(store, file)
    built.save()
    assert file.exists() and searchfile.shares_file(file).exists()
    shares = kept(store)
    # The stored entries rewritten behind rectkg's back (the version stamp unchanged), every finding
    # title made a marker: an index that read the store would find the marker; one loaded from the
    # file, as it was, does not.
    title = fengjiang.report.findings[0].title
    originals = _entries_quads(store)
    assert any(title in q.object.value for q in originals)
    for quad in originals:
        store._store.remove(quad)
        marked = ox.Literal(quad.object.value.replace(title, "标记标题"))
        store._store.add(ox.Quad(quad.subject, quad.predicate, marked, quad.graph_name))
    loaded = updated(store, file)
    assert not loaded.index.search("标记标题", limit=5)
    queries = ["民政", "整改", title, next(iter(qingpu.report.documents.values())).title]
    same_index(loaded, shares, queries)
    # What a change needs comes from the file too: a write then leaves it as a build would.
    for quad in _entries_quads(store):
        store._store.remove(quad)
    store._store.extend(originals)
    store.replace_graph(qingpu.graph_iri, retitled(qingpu, "一个新的问题标题"))
    store.remove_graph(fengjiang.graph_iri)
    loaded._update(store, object())
    same_index(loaded, kept(store), [*queries, "一个新的问题标题"])


def test_a_saved_index_behind_the_store_takes_in_the_writes_since(store, qingpu, fengjiang, tmp_path):
    """Written after the save (by another process, while the app was down): the stamp differs, so
    the digests say which shares to read again; the index then equals a build from the store."""
    store.replace_graph(qingpu.graph_iri, qingpu.graph)
    file = tmp_path / "store.search"
    updated(store, file).save()
    store.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    store.replace_graph(qingpu.graph_iri, retitled(qingpu, "一个新的问题标题"))
    queries = ["一个新的问题标题", "民政", fengjiang.report.findings[0].title]
    same_index(updated(store, file), kept(store), queries)
    # Its shares lost (a save cut short between the two files): built afresh, still right.
    updated(store, file).save()
    store.remove_graph(fengjiang.graph_iri)
    searchfile.shares_file(file).unlink()
    same_index(updated(store, file), kept(store), queries)


def test_a_server_takes_the_saved_index_back_before_it_says_where_it_listens(tmp_path, qingpu, fengjiang):
    """A start loads the index saved for the store as it is, so the first search does not wait for
    the file; a file saved for an older version is left for the first search's refresh."""
    path = build_store(tmp_path / "store", qingpu)
    file = searchfile.beside(str(path))
    served = OxigraphStore(path)
    updated(served, file).save()
    served.close()
    del served
    app = create_app({"TESTING": True, "STORE": str(path)})
    app.extensions["rectkg.warm"] = warm.Warmer(app, quiet_s=3600)  # no warm-up: only the start
    with serve_app(app) as url:
        live = app.extensions.get("rectkg.search")
        assert live is not None and live.version is not None and live.stamp is not None
        title = qingpu.report.findings[0].title
        assert requests.get(url + "/search.json", params={"q": title, "kind": "finding"}).json()["hits"]
    writer = OxigraphStore(path)
    writer.replace_graph(fengjiang.graph_iri, fengjiang.graph)
    writer.close()
    del writer
    app = create_app({"TESTING": True, "STORE": str(path)})
    app.extensions["rectkg.warm"] = warm.Warmer(app, quiet_s=3600)
    with serve_app(app) as url:
        assert app.extensions["rectkg.search"].version is None  # loaded, not yet current
        other = fengjiang.report.findings[0].title
        assert requests.get(url + "/search.json", params={"q": other, "kind": "finding"}).json()["hits"]


def test_a_text_holding_the_separator_survives_a_save():
    docs = [Doc("urn:a", "measure", "标题", "甲\x00乙 民政"), Doc("urn:b", "finding", "民政问题", "")]
    loaded = Index.from_state(Index(docs).state())
    assert sorted(loaded.docs, key=lambda d: d.key) == sorted(docs, key=lambda d: d.key)
    assert loaded.search("民政", limit=5) == Index(docs).search("民政", limit=5)


def test_a_loaded_index_takes_new_entries_into_postings_it_has_not_read_yet():
    """After a load, a gram's posting stays in the loaded arrays until first used: an entry put
    into such a posting must be found beside the loaded ones, as in an index built in one go."""
    docs = [Doc("urn:a", "measure", "民政救助", "低保 审核"), Doc("urn:b", "finding", "救助问题", "民政")]
    added = [Doc("urn:c", "measure", "民政审核", "救助"), Doc("urn:a", "measure", "救助", "")]
    loaded = Index.from_state(Index(docs).state())
    for doc in added:
        loaded.put(doc)
    built = Index([*docs, *added])
    for word in ("民政", "救助", "审核"):
        assert [h.doc.key for h in loaded.search(word, limit=5)] == [h.doc.key for h in built.search(word, limit=5)]
    assert {h.doc.iri for h in loaded.search("救助", limit=5)} == {"urn:a", "urn:b", "urn:c"}
