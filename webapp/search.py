"""/search: ranked full-text search over findings, measures, departments (with aliases) and
documents; /search.json for scripts; /search/departments.json for the forms' autocomplete.

The index is made of each document's search share, which the write of that document keeps in the
store's aggregate graph (graph/searchable.py). `LiveIndex` holds the shares it has indexed and
their digests; after a write it lists the digests (one short row per document) and reads and
re-indexes only the shares that changed, so the first search after an ingest costs that report's
share rather than a read of the whole graph (21–29 s at a thousand reports before). Entries that
several documents restate — a department, a named document every report cites — are one entry,
merged from every share that holds them, a named document listing the reports that cite it.
After a restart the index is loaded from where the app saved it (webapp/searchfile.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request

from graph import searchable
from graph.searchable import KINDS, Entry, Share
from graph.store import Store
from webapp import db, i18n, links, resulttable, searchfile, tables
from webapp.textindex import TITLED_BY_FINDING, Doc, Hit, Index

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__)
# Shares read per query: a thousand reports' shares are ~40 MB of JSON.
READ_CHUNK = 100
CITING_SHOWN = 3
ANSWERS_KEPT = 256
# How long a search waits for another request's refresh before answering from the index as it was:
# one document's share takes a fraction of a second, so a search right after a write sees it.
REFRESH_WAIT_S = 2.0


class LiveIndex:
    """The search index of one store, brought up to date one document share at a time.

    One refresh runs at a time; a search that arrives while one runs waits for it up to
    REFRESH_WAIT_S, then answers from the index as it was (one write behind), unless there is none yet. Searches and the
    short application of a refresh's changes take `_index_lock`; reading shares does not.

    With a `file` (the embedded store's), the first refresh loads the index saved there and `save`
    writes it back; `stamp` is the store's version stamp the index stands for."""

    def __init__(self, file: Path | None = None) -> None:
        self.index = Index()
        self.version: object = None
        self.stamp: str | None = None
        self._file = file
        self._saved: str | None = None  # the stamp of what the file holds
        self._built = False
        self._refreshing = threading.Lock()
        self._index_lock = threading.Lock()
        self._digests: dict[str, str] = {}
        self._entries: dict[str, dict[tuple[str, str], list[Entry]]] = {}  # graph → key → its rows
        self._reports: dict[str, tuple[str, str] | None] = {}
        self._holders: dict[tuple[str, str], set[str]] = {}  # key → graphs whose shares hold it
        self._unsettled = False  # loaded from the file: _entries, _reports and _holders still to read
        self._answers: dict[tuple, list] = {}  # hits per question, for the index as it is

    def search(self, query: str, *, limit: int, kinds: set[str] | None) -> list:
        """Hits of the index as it is now; a question asked again before the next write is answered
        from `_answers` (a common word scores a hundred thousand entries at a thousand reports)."""
        self.refresh()
        asked = (query, limit, frozenset(kinds or ()))
        with self._index_lock:
            hits = self._answers.get(asked)
            if hits is None:
                if len(self._answers) >= ANSWERS_KEPT:
                    self._answers.clear()
                hits = self._answers[asked] = self.index.search(query, limit=limit, kinds=kinds)
            return hits

    def refresh(self) -> None:
        """Bring the index up to the store's current version (see the class's docstring)."""
        db.store()  # notices changes on disk, which bumps the generation
        version = db.generation()
        if self._built and version == self.version:
            return
        if not self._refreshing.acquire(timeout=REFRESH_WAIT_S if self._built else -1):
            return  # another request's refresh is long (a rebuild): answer from the index as it is
        try:
            if not self._built or version != self.version:
                db.run_whole(lambda store: self._update(store, version))
        finally:
            self._refreshing.release()

    def restore(self) -> None:
        """At a server's start, before it says where it listens: take back the index saved for the
        store as it is (reading the file, 0.2-0.6 s at a thousand reports), so the first search
        does not read it while the first pages are asked. A file saved for an older version is
        loaded but left for the first refresh to bring up to date: reading the shares written
        since may take longer than a start should."""
        if self._file is None:
            return
        db.store()
        version = db.generation()
        with self._refreshing:
            if not self._built:
                db.run_whole(lambda store: self._saved_is_current(store.version_stamp(), version))

    def _update(self, store: Store, version: object) -> None:
        started = time.perf_counter()
        # Before the digests: a write in between makes it older, never newer. Only kept with a file.
        stamp = store.version_stamp() if self._file is not None else None
        if self._saved_is_current(stamp, version):
            return
        self._settle()
        digests = searchable.digests(store)
        # Documents written before search shares existed have none: read from the documents, once.
        legacy = {g: "" for g in store.graphs() if g not in digests}
        known = digests | legacy
        shares = _read(store, [g for g, d in digests.items() if self._digests.get(g) != d])
        unread = [g for g in legacy if g not in self._digests]
        if unread:
            log.warning(
                "%d documents have no search share; reading them (`aggregates.rebuild` stores them)", len(unread)
            )
            shares.update(_computed(store, unread))
        gone = [g for g in self._digests if g not in known]
        with self._index_lock:
            self.apply(shares, gone)
        self._digests, self.version, self.stamp, self._built = known, version, stamp, True
        elapsed = (time.perf_counter() - started) * 1000
        log.info("search index: %d shares read, %d removed in %.0f ms", len(shares), len(gone), elapsed)

    def _saved_is_current(self, stamp: str | None, version: object) -> bool:
        """Whether the index, loaded from the file if it has none yet, stands for the store at `stamp`."""
        if not self._built and self._load() and stamp is not None and stamp == self.stamp:
            self.version = version
            return True
        return False

    def _load(self) -> bool:
        """Take the index saved in the file, if there is one this format can read."""
        if self._file is None:
            return False
        with searchfile.collector_paused():
            state = searchfile.load(self._file)
            if state is None:
                return False
            self.index = Index.from_state(state["index"])
        self._digests, self.stamp, self._saved = state["digests"], state["stamp"], state["stamp"]
        self._built = self._unsettled = True
        return True

    def save(self) -> None:
        """Write the index to the file unless it holds this version already. Refreshes wait (a
        search meanwhile answers from the index as it is): the index must not change while saved."""
        with self._refreshing:
            if self._file is None or not self._built or self.stamp is None or self.stamp == self._saved:
                return
            shares = {graph_iri: self._share(graph_iri).to_json() for graph_iri in self._entries}
            state = {"stamp": self.stamp, "digests": self._digests, "index": self.index.state()}
            searchfile.save(self._file, state, shares)
            self._saved = self.stamp

    def apply(self, shares: dict[str, Share], gone: Iterable[str] = ()) -> None:
        """Put these documents' shares in place of what they held, take out the `gone` ones', and
        re-merge every entry either touches."""
        self._answers.clear()
        touched: set[tuple[str, str]] = set()
        for graph_iri in [*shares, *gone]:
            for key in self._entries.pop(graph_iri, {}):
                self._holders[key].discard(graph_iri)
                touched.add(key)
            self._reports.pop(graph_iri, None)
        for graph_iri, share in shares.items():
            touched.update(self._hold(graph_iri, share))
        for key in touched:
            holders = self._holders.get(key)
            if holders:
                self.index.put(self._merged(key, sorted(holders)))
            else:
                self._holders.pop(key, None)
                self.index.remove(key)

    def _hold(self, graph_iri: str, share: Share) -> dict[tuple[str, str], list[Entry]]:
        """Note which entries a document's share holds (not yet in the index); its rows by key."""
        rows: dict[tuple[str, str], list[Entry]] = {}
        for entry in share.entries:
            rows.setdefault((entry[0], entry[1]), []).append(entry)
        self._entries[graph_iri], self._reports[graph_iri] = rows, share.report
        for key in rows:
            self._holders.setdefault(key, set()).add(graph_iri)
        return rows

    def _share(self, graph_iri: str) -> Share:
        """A document's share as `_hold` took it in."""
        rows = self._entries[graph_iri].values()
        return Share(tuple(row for keyed in rows for row in keyed), self._reports[graph_iri])

    def _settle(self) -> None:
        """After a load, read the shares the index was made of into the bookkeeping `apply` needs:
        the first change after a start pays for it (~2 s at a thousand reports), no search does.
        If they were not saved with it, the index is dropped, to be built afresh."""
        if not self._unsettled:
            return
        self._unsettled = False
        saved = searchfile.load_shares(self._file, self._saved) if self._file is not None else None
        if saved is None:
            log.warning("the search index's shares were not saved with it; building it afresh")
            self.index, self._digests, self._built = Index(), {}, False  # searches wait for the build
            return
        for graph_iri, text in saved.items():
            self._hold(graph_iri, Share.from_json(text))

    def _merged(self, key: tuple[str, str], graphs: list[str]) -> Doc:
        """One entry from every share's rows for it: the first title, distinct texts in graph order
        (a department's aliases, a document's identifiers), a named document's citing reports."""
        rows = [row for g in graphs for row in self._entries[g][key]]
        texts = list(dict.fromkeys(row[3] for row in rows if row[3]))
        text = texts[0] if len(texts) == 1 else "\n".join(dict.fromkeys(x for t in texts for x in t.split("\n")))
        title, context = min(row[2] for row in rows), min(row[4] for row in rows)
        if key[0] != "document":
            return Doc(key[1], key[0], title, text, context)
        reports = tuple(sorted({r for g in graphs if (r := self._reports.get(g))}, key=lambda r: (r[1], r[0])))
        return Doc(key[1], key[0], title, text, _citing(reports), reports)


def _citing(reports: tuple[tuple[str, str], ...]) -> str:
    """The context under a named document's hit: the reports that cite it, the first few by title."""
    shown = " · ".join(title for _iri, title in reports[:CITING_SHOWN])
    more = len(reports) - CITING_SHOWN
    return shown + (f" … (+{more})" if more > 0 else "")


def _read(store: Store, graphs: list[str]) -> dict[str, Share]:
    out: dict[str, Share] = {}
    for at in range(0, len(graphs), READ_CHUNK):
        out.update(searchable.stored(store, graphs[at : at + READ_CHUNK]))
    return out


def _computed(store: Store, graphs: list[str]) -> dict[str, Share]:
    out: dict[str, Share] = {g: Share(()) for g in graphs}
    for at in range(0, len(graphs), READ_CHUNK // 10):
        out.update(searchable.shares(store, graphs[at : at + READ_CHUNK // 10]))
    return out


def live() -> LiveIndex:
    """The app's search index (made on first use), saved beside an embedded store."""
    found = current_app.extensions.get("rectkg.search")
    if found is None:
        holder = current_app.extensions["rectkg.store"]
        file = None if holder.remote else searchfile.beside(holder.spec)
        found = current_app.extensions.setdefault("rectkg.search", LiveIndex(file))
    return found


def index() -> Index:
    """The search index for the store as it is now."""
    current = live()
    current.refresh()
    return current.index


def restore() -> None:
    """Load the index saved beside the store at a server's start (`LiveIndex.restore`)."""
    live().restore()


def save() -> None:
    """Save the index beside the store if it changed since last saved: webapp/warm.py calls it in
    the background once writes pause."""
    live().save()


def _hits(kinds: set[str] | None = None, limit: str = "SEARCH_LIMIT"):
    query = request.args.get("q", "")
    wanted = {k for k in request.args.getlist("kind") if k in KINDS} or kinds
    return query, live().search(query, limit=current_app.config[limit], kinds=wanted)


@bp.get("/search")
def page():
    """Every hit (up to SEARCH_PAGE_HITS), counted, faceted by kind and report, and paged as the
    saved queries' results are (webapp/tables.py)."""
    query, hits = _hits(limit="SEARCH_PAGE_HITS")
    table = tables.build(hits, _source())
    more = len(hits) >= current_app.config["SEARCH_PAGE_HITS"]
    return render_template(
        "search.html", q=query, table=table, more=more, kinds=KINDS, value=_hit_value, where=_hit_where
    )


# The columns of the search page's table, with the key of each title.
HIT_COLUMNS = {"kind": "kind", "title": "title", "report": "search_report", "match": "search_match"}


def _source() -> tables.Source[Hit]:
    return tables.Source(
        columns=list(HIT_COLUMNS),
        titles=[i18n.message(key) for key in HIT_COLUMNS.values()],
        value=_hit_value,
        label=_hit_label,
        facets=("kind", "report"),
    )


def _hit_value(hit: Hit, column: str) -> str:
    """A hit's kind, title, report (a finding's or a measure's: its context after the number) or
    the matched passage as text."""
    doc = hit.doc
    if column == "report":
        return doc.context.partition(" · ")[2] if doc.kind in TITLED_BY_FINDING else ""
    if column == "match":
        return hit.snippet.striptags()
    return doc.kind if column == "kind" else doc.title


def _hit_where(hit: Hit) -> str:
    """What the page shows beside a hit's title: a finding's number (its report has a column),
    or a named document's citing reports."""
    doc = hit.doc
    return doc.context.partition(" · ")[0] if doc.kind in TITLED_BY_FINDING else doc.context


def _hit_label(column: str, value: str) -> str:
    return resulttable.vocabulary_label("trace-kinds", value) if column == "kind" else value


@bp.get("/search.json")
def as_json():
    query, hits = _hits()
    return jsonify(
        {
            "query": query,
            "hits": [
                {
                    "iri": h.doc.iri,
                    "kind": h.doc.kind,
                    "title": h.doc.title,
                    "context": h.doc.context,
                    "snippet": h.snippet.striptags(),
                    "url": links.entity_url(h.doc.iri),
                    "score": h.score,
                    "reports": [{"iri": i, "title": t, "url": links.entity_url(i)} for i, t in h.doc.reports],
                }
                for h in hits
            ],
        }
    )


@bp.get("/search/departments.json")
def departments():
    """Autocomplete: departments whose name or alias contains what was typed, best first."""
    _, hits = _hits({"department"})
    return jsonify([{"label": h.doc.title, "aliases": h.doc.text, "iri": h.doc.iri} for h in hits])
