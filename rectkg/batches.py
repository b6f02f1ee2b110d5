"""Writing readings to the store a few at a time, for the single writer of a many-file ingest.

The embedded store adds new documents together faster than one by one (its bulk loader, and the
aggregate's share of them all worked out once: `OxigraphStore._add`), all or none. So readings
wait here until `SIZE` are ready; a batch that fails is written again one reading at a time, so
that the error names its own file and the other files still load. Each reading is reported, in
the order given, once its fate is known: `done(reading, None)` written, `done(reading, error)` not.
A store that stopped answering (StoreUnavailable) is raised instead: no later file could be written.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.interface import Store, StoreError, StoreUnavailable
from rectkg.reading import Reading

SIZE = 8  # a killed ingest undoes at most this many of its last files (graph.embedded.OxigraphStore._recover)

Done = Callable[[Reading, str | None], None]


class Batches:
    """Readings in, writes out: `add` each reading that loaded, `flush` before anything that must
    be reported in order (a file that did not load) and at the end."""

    def __init__(self, store: Store, done: Done, size: int = SIZE):
        self.store, self.done, self.size = store, done, size
        self.pending: list[Reading] = []

    def add(self, reading: Reading) -> None:
        assert reading.loaded is not None, "only readings that loaded are written"
        if any(r.loaded.graph_iri == reading.loaded.graph_iri for r in self.pending):
            self.flush()  # the same report again: it replaces the first, so the first is written first
        self.pending.append(reading)
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        if len(batch) == 1:
            self._one(batch[0])
            return
        try:
            self.store.replace_graphs_ntriples([(r.loaded.graph_iri, r.ntriples) for r in batch])
        except StoreUnavailable:
            raise
        except (StoreError, OSError):
            for reading in batch:  # again one by one, so that each error names its file (rewriting is harmless)
                self._one(reading)
            return
        for reading in batch:
            self.done(reading, None)

    def _one(self, reading: Reading) -> None:
        try:
            self.store.replace_graph_ntriples(reading.loaded.graph_iri, reading.ntriples)
        except StoreUnavailable:
            raise
        except (StoreError, OSError) as error:
            self.done(reading, str(error))
            return
        self.done(reading, None)
