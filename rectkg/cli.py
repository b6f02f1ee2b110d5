"""The `rectkg` command: ingest, query, export, validate and serve, over the library functions.

Exit codes: 0 success, 1 a failure (a file that did not load, a store error), 2 a usage error
(unknown query, bad parameter, bad option). Errors are one line: what is wrong, what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rdflib import Graph
from rich.console import Console
from rich.markup import escape as markup_escape
from rich.progress import Progress
from rich.table import Table

from graph import results
from graph.export import GRAPH_FORMATS
from graph.handoff import HandoffStore
from graph.store import OxigraphStore, QueryError, Store, StoreError, StoreUnavailable, open_store
from loaders.errors import LoaderError
from queries import catalog
from queries.catalog import ParamError
from rectkg import rdf_files

# The loaders compile some 300 regular expressions and analytics imports networkx: only the commands
# that need them import them, so that `rectkg query` starts in half the time.
if TYPE_CHECKING:
    from graph import analytics
    from loaders.pipeline import Loaded
    from rectkg.reading import Reading

# Lines a script may read are never wrapped, and tables sent to a pipe or file are not cut to 80.
_WIDTH = None if sys.stdout.isatty() else 240
console = Console(soft_wrap=True, width=_WIDTH, emoji=False)  # else rich draws "urn:x:y" in an IRI as an emoji
err = Console(stderr=True, soft_wrap=True, emoji=False)
log = logging.getLogger(__name__)


class Context:
    def __init__(self, store_spec: str | None):
        self.store_spec = store_spec
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.store_spec)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {shown(message)}", highlight=False)
    sys.exit(code)


class Commands(click.Group):
    """Every command's store failure becomes one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QueryError as error:
            fail(str(error).splitlines()[0], 2)
        except StoreError as error:
            fail(str(error))


@click.group(cls=Commands)
@click.option(
    "--store", "store_spec", metavar="PATH|URL", help="Store location (default $RECTKG_STORE or ./data/store)."
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the loader does.")
@click.pass_context
def main(ctx: click.Context, store_spec: str | None, verbose: bool) -> None:
    """rectkg: inspection-rectification reports as a knowledge graph."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = Context(store_spec)
    ctx.call_on_close(ctx.obj.close)


def source_files(paths: tuple[str, ...]) -> list[Path]:
    """Files named, and report files found under folders named; each once, in a stable order."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and _is_source(f)))
        elif p.exists():
            files.append(p)
        else:
            fail(f"{p}: no such file or folder", 2)
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def _is_source(path: Path) -> bool:
    """A report or RDF file in a folder: a supported suffix, not hidden, not an Office lock file (~$x.docx)."""
    from loaders.sources import RECOGNISED

    known = path.suffix.lower() in RECOGNISED or rdf_files.is_rdf(path)
    return known and not path.name.startswith((".", "~$"))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--strict",
    is_flag=True,
    help="A file read with warnings (no findings read, totals that disagree) fails and is not written.",
)
@click.option(
    "--graph",
    metavar="IRI",
    help="The named graph of the one RDF triples file given [default: graph/data/ and the file's name].",
)
@click.pass_obj
def ingest(obj: Context, paths: tuple[str, ...], strict: bool, graph: str | None) -> None:
    """Read report files (.txt, .html, .docx, .pdf) or folders of them into the store, one named graph each.

    RDF files (.ttl, .nt, .nq, .trig, .jsonld, .rdf) are loaded as they are: a triples file into
    --graph IRI, else into https://w3id.org/rectkg/graph/data/NAME (NAME: the file's name without
    its suffix); quads keep their own graphs. Loading a file again replaces the graphs it fills.

    Every file is tried: a file that fails is named and the others still load. Exact copies
    (same bytes) are read once. Files are read in parallel, one process per core, and written
    in the order given: reports new to the store a few at a time, all or none, a report already
    there in a transaction of its own.
    """
    files = source_files(paths)
    data_files = sum(map(rdf_files.is_rdf, files))
    if graph is not None and data_files != 1:
        fail(f"--graph names the graph of one RDF file, and {data_files} were given", 2)
    store = _store(obj)
    failed: list[str] = []
    written: list[Path] = []
    try:
        _ingest_files(store, files, failed, written, strict=strict, graph=graph)
    except StoreUnavailable as error:
        fail(
            f"{error}: {len(written)} of {len(files)} files were written, each whole, and nothing after; "
            "start `rectkg serve` again (or leave it stopped) and re-run the same `rectkg ingest`, "
            "which rewrites those files' graphs unchanged"
        )
    if store.compaction_due():
        with err.status("compacting the store after adding many reports…"):
            store.compact()
    if failed:
        fail(f"{len(failed)} of {len(files)} files did not load: {', '.join(failed)}")


def _ingest_files(
    store: Store, files: list[Path], failed: list[str], written: list[Path], *, strict: bool, graph: str | None
) -> None:
    """Read and write each file in order, printing its fate; the names of those that failed and
    were written are added to `failed` and `written`; under `strict` a reading with warnings fails.
    RDF files are parsed here, between the reports' batches: Oxigraph's parser needs no reader process."""
    from rectkg.batches import Batches
    from rectkg.reading import read_files

    copy_of = _exact_copies([f for f in files if not rdf_files.is_rdf(f)])
    seen_reports: dict[str, Path] = {}
    seen_data: dict[str, Path] = {}
    with Progress(console=err, transient=True, disable=len(files) < 2) as progress:

        def say(target: Console, text: str) -> None:
            """On a terminal the bar owns the screen: lines go above it, or they would be drawn over it."""
            if not progress.disable and target.is_terminal and progress.console.is_terminal:
                target = progress.console
            target.print(text, highlight=False, soft_wrap=True)

        task = progress.add_task("ingest", total=len(files))

        def done(reading: Reading, error: str | None) -> None:
            if error is not None:
                failed.append(str(reading.path))
                say(err, f"[red]failed:[/red] {shown(_one_line(error, reading.path))}")
            else:
                loaded = reading.loaded
                written.append(reading.path)
                say(console, _summary(loaded))
                for warning in _warnings(loaded, seen_reports.get(loaded.graph_iri)):
                    say(console, f"  [yellow]warning:[/yellow] {shown(warning)}")
                seen_reports[loaded.graph_iri] = reading.path
            progress.advance(task)

        def load_rdf(path: Path) -> None:
            try:
                say(console, shown(_load_rdf(store, path, graph, seen_data)))
                written.append(path)
            except StoreUnavailable:
                raise
            except (rdf_files.RdfFileError, StoreError) as error:
                failed.append(str(path))
                say(err, f"[red]failed:[/red] {shown(_one_line(str(error), path))}")
            progress.advance(task)

        batches = Batches(store, done)
        # Closed here on any way out, so its reader processes are shut down by this thread, not by
        # whichever thread the garbage collector happens to run in.
        reports = [f for f in files if f not in copy_of and not rdf_files.is_rdf(f)]
        with contextlib.closing(read_files(reports, extra=batches.size)) as readings:
            for path in files:
                if rdf_files.is_rdf(path):
                    batches.flush()  # written, and reported, in the order given
                    load_rdf(path)
                    continue
                reading = None if path in copy_of else next(readings)
                if strict and reading is not None and reading.error is None:
                    _refuse_warnings(reading, seen_reports.get(reading.loaded.graph_iri))
                if reading is not None and reading.error is None:
                    batches.add(reading)
                    continue
                batches.flush()  # what was read before this file is reported before it
                if reading is None:
                    say(console, f"skipped {shown(path)}: an exact copy of {shown(copy_of[path])}")
                    progress.advance(task)
                elif reading.unexpected:
                    failed.append(str(path))
                    say(err, f"[red]failed:[/red] {shown(path)}: unexpected {reading.error} (a bug; please report it)")
                    progress.advance(task)
                else:
                    done(reading, reading.error)
            batches.flush()


def _load_rdf(store: Store, path: Path, graph: str | None, seen: dict[str, Path]) -> str:
    """Write one RDF file's graphs, all or none; the line that says so. A graph an earlier file of
    the same run filled is refused, not silently replaced: two files named alike in two folders."""
    loaded = rdf_files.read_rdf(path, graph)
    for name in loaded.graphs:
        if not name.startswith(store.document_graphs_under):
            raise rdf_files.RdfFileError(
                f"{path}: <{name}> would be invisible to queries on a SPARQL server store, which sees the graphs "
                f"under {store.document_graphs_under} only; name the graph there (--graph)"
            )
        if name in seen:
            raise rdf_files.RdfFileError(
                f"{path}: its graph <{name}> is the one {seen[name]} filled in this run; "
                "rename one of them, or load it on its own with --graph IRI"
            )
    store.replace_graphs_together(list(loaded.graphs.items()))
    seen.update(dict.fromkeys(loaded.graphs, path))
    names = ", ".join(f"<{name}>" for name in loaded.graphs)
    return f"{path}: {loaded.triples} triples → {names}"


def _exact_copies(files: list[Path]) -> dict[Path, Path]:
    """Each file whose bytes an earlier file already has, and that earlier file."""
    first: dict[str, Path] = {}
    copies: dict[Path, Path] = {}
    for path in files:
        try:
            digest = _digest(path)
        except OSError:
            continue  # unreadable: the reader says so in its place
        if digest in first:
            copies[path] = first[digest]
        else:
            first[digest] = path
    return copies


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _one_line(error: str, path: Path) -> str:
    """The error's first line, naming its file once (whose name may itself hold a line break)."""
    name = str(path)
    rest = error.split(name, 1)[1] if name in error else ": " + error
    first = rest.splitlines()[0] if rest.strip() else ""
    return name + (first if first.strip(": ") else ": unknown error")


# Characters that would break an output line or instruct a terminal: C0 and C1 controls, line separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: object) -> str:
    """`value` (a file name, a document's text) as one line of console output: control characters
    escaped as Python writes them (a newline in a file name as \\n), rich's markup taken as text."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return markup_escape(text)


def _summary(loaded: Loaded) -> str:
    r = loaded.report
    departments = sum(1 for o in r.orgs.values() if not o.generic)
    return shown(
        f"{loaded.source}: {r.title or '(untitled)'} — {len(r.findings)} findings, "
        f"{len(r.measures)} measures, {departments} departments, {len(r.documents)} documents "
        f"({loaded.encoding}) → <{loaded.graph_iri}>"
    )


def _warnings(loaded: Loaded, same_report: Path | None) -> list[str]:
    """What a reader should check: headline claims that disagree with what was read, a report read twice."""
    r = loaded.report
    counted = {"findings": len(r.findings), "measures": len(r.measures)}
    warnings = r.warnings + [
        f"the report claims {claim.value} {claim.kind} ({claim.text}), but {counted[claim.kind]} were read"
        for claim in r.claims
        if claim.kind in counted and _number(claim.value) != counted[claim.kind]
    ]
    if not r.title:
        warnings.append("no title found: the graph is named after the text, not the title and date")
    if same_report is not None:
        warnings.append(f"the same report (title and date) as {same_report}; this file's reading replaced it")
    return warnings


def _refuse_warnings(reading: Reading, same_report: Path | None) -> None:
    """Under --strict a reading with warnings becomes a failure before anything is written."""
    if warnings := _warnings(reading.loaded, same_report):
        reading.error = f"{reading.path}: --strict: {'; '.join(warnings)}"
        reading.loaded = None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _store(obj: Context) -> Store:
    try:
        return obj.store()
    except StoreError as error:
        fail(str(error))
        raise


@main.command()
@click.argument("text", required=False)
@click.option("--saved", "saved", metavar="NAME", help="Run a saved query (see `rectkg queries`).")
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False), help="Run the query in a .rq file.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="Saved-query parameter.")
@click.option("--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True)
@click.pass_obj
def query(
    obj: Context, text: str | None, saved: str | None, file: str | None, params: tuple[str, ...], fmt: str
) -> None:
    """Run a saved query, a .rq file or a SPARQL string."""
    if sum(x is not None for x in (text, saved, file)) != 1:
        fail("give exactly one of: a query string, --saved NAME, -f FILE.rq", 2)
    values = {}
    for item in params:
        if "=" not in item:
            fail(f"parameter {item!r} is not NAME=VALUE", 2)
        name, value = item.split("=", 1)
        values[name] = value
    store = _store(obj)
    try:
        if saved:
            result = catalog.get(saved).run(store, values)
        else:
            sparql = Path(file).read_text(encoding="utf-8") if file else text
            result = store.query(catalog.iris.sparql_prefixes() + sparql)  # what /sparql would answer
            if not isinstance(result, results.Result):
                raise QueryError("expected a SELECT or ASK query (rectkg export writes the graph)")
    except (ParamError, QueryError) as error:
        fail(str(error).splitlines()[0], 2)
    except StoreError as error:
        fail(str(error))
    _print_result(result, fmt)


def _print_result(result: results.Result, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(results.to_csv(result))
    elif fmt == "tsv":
        sys.stdout.write(results.to_tsv(result))
    elif fmt == "json":
        sys.stdout.write(results.to_json(result) + "\n")
    elif result.boolean is not None:
        console.print("yes" if result.boolean else "no")
    else:
        table = Table(*result.variables, show_lines=False)
        for row in results.cells(result):
            table.add_row(*row)
        console.print(table)
        console.print(f"{len(result.rows)} rows", style="dim")


@main.command(name="queries")
def list_queries() -> None:
    """List the saved queries with their summaries and parameters."""
    for q in catalog.saved_queries().values():
        params = ", ".join(f"{p.name} ({p.type})" for p in q.params) or "no parameters"
        console.print(f"[bold]{q.name}[/bold] — {q.summary}  [dim]{params}[/dim]", highlight=False)


EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", *GRAPH_FORMATS)
EXPORT_ALIASES = {"json-ld": "jsonld"}  # the format's own spelling


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice([*EXPORT_FORMATS, *EXPORT_ALIASES]), default="turtle", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.pass_obj
def export(obj: Context, fmt: str, output: str | None) -> None:
    """Export the whole store (nquads and trig keep one named graph per document; JSON-LD is compact,
    with the vocabulary's context, as /ns/context.jsonld serves it).

    graphml and gexf export the responsibility network instead (departments, findings, shared
    findings as weighted edges), for Gephi and Cytoscape.
    """
    store = _store(obj)
    fmt = EXPORT_ALIASES.get(fmt, fmt)
    if fmt in GRAPH_FORMATS:
        from graph import analytics

        data = analytics.export(store, fmt)
    else:
        data = store.export(fmt)
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.option("--top", default=20, show_default=True, type=click.IntRange(min=1), help="Rows in each ranking.")
@click.option(
    "--path",
    "path",
    nargs=2,
    metavar="DEPT_A DEPT_B",
    help="Shortest chain of shared findings between two departments.",
)
@click.pass_obj
def analyze(obj: Context, top: int, path: tuple[str, str] | None) -> None:
    """Who shares responsibility with whom: pairs, centrality, communities, chains."""
    from graph import analytics

    try:
        result = analytics.analyse(_store(obj))
        chain = result.chain(*(result.find_department(name) for name in path)) if path else None
    except analytics.AnalyticsError as error:
        fail(str(error), 2)
    except (QueryError, StoreError) as error:
        fail(str(error).splitlines()[0])
    pairs = result.pairs()
    console.print(
        f"{result.projection.number_of_nodes()} departments lead or partner on "
        f"{result.bipartite.number_of_nodes() - result.projection.number_of_nodes()} findings; "
        f"{len(pairs)} pairs share at least one finding",
        highlight=False,
    )
    if pairs:
        _print_pairs(pairs[:top], len(pairs))
        _print_centrality(result.centrality()[:top])
        _print_communities(result)
    if chain is not None:
        _print_chain(result, path, chain)


def _print_pairs(pairs: list[analytics.Pair], total: int) -> None:
    table = Table("department A", "department B", "findings", "measures", title=f"Shared findings (top {len(pairs)})")
    for p in pairs:
        table.add_row(p.label_a, p.label_b, str(p.findings), str(p.measures))
    console.print(table)
    if total > len(pairs):
        console.print(f"{total - len(pairs)} more pairs (--top, or `rectkg query --saved shared-responsibility`)")


def _print_centrality(rows: list[analytics.Centrality]) -> None:
    table = Table("department", "partners", "weighted degree", "betweenness", "community", title="Centrality")
    for c in rows:
        table.add_row(c.label, str(c.partners), str(c.weighted_degree), f"{c.betweenness:.3f}", str(c.community))
    console.print(table)


def _print_communities(result: analytics.Analysis) -> None:
    table = Table("community", "size", title="Communities (Louvain, seeded)")
    table.add_column("departments", overflow="fold")
    for n, members in enumerate(result.communities, start=1):
        table.add_row(str(n), str(len(members)), "、".join(sorted(result.label(m) for m in members)))
    console.print(table)


def _print_chain(result: analytics.Analysis, names: tuple[str, str], chain: list[str]) -> None:
    if not chain:
        console.print(f"{names[0]} and {names[1]} are not linked by shared findings", highlight=False)
        return
    table = Table("department", "shares finding", "report", title=f"Chain: {names[0]} → {names[1]}")
    nodes = result.bipartite.nodes
    for i in range(0, len(chain), 2):
        finding = nodes[chain[i + 1]] if i + 1 < len(chain) else None
        via = f"{finding.get('number', '')} {finding['label']}" if finding else ""
        table.add_row(result.label(chain[i]), via, finding.get("report", "") if finding else "")
    console.print(table)


@main.command()
@click.option("--name", metavar="LABEL", help="Only this body (its label or any alias).")
@click.pass_obj
def orgs(obj: Context, name: str | None) -> None:
    """Canonical bodies with every name they were merged from and a sentence for each."""
    try:
        result = catalog.get("organisations").run(_store(obj), {"name": name} if name else {})
    except (ParamError, QueryError) as error:
        fail(str(error).splitlines()[0], 2)
    table = Table("body", "type", "place", "name as printed", "times", "evidence", show_lines=False)
    for row in results.cells(result):
        _iri, label, kind, place, alias, mentions, evidence = row
        table.add_row(label, kind, place, alias, mentions, evidence[:60])
    console.print(table)


@main.command()
@click.pass_obj
def stats(obj: Context) -> None:
    """Counts of documents, triples and entities in the store."""
    store = _store(obj)
    result = catalog.get("stats").run(store)
    console.print(f"documents: {len(store.graphs())}   triples: {store.triple_count()}")
    for row in result.rows:
        console.print(f"{row['kind'].value}: {row['count'].value}", highlight=False)


@main.command()
@click.argument("targets", nargs=-1, required=True)
@click.pass_obj
def remove(obj: Context, targets: tuple[str, ...]) -> None:
    """Drop documents by source file or graph IRI."""
    store = _store(obj)
    for target in targets:
        graph_iri = target if target.startswith(("http://", "https://")) else _graph_of(target)
        if store.remove_graph(graph_iri):
            console.print(f"removed <{graph_iri}>")
        else:
            fail(f"{target}: not in the store (`rectkg stats` shows what is)")


@main.command()
@click.pass_obj
def rebuild(obj: Context) -> None:
    """Rewrite the kept summaries after an upgrade.

    Every write keeps, beside the documents, what the pages would otherwise work out from all of
    them: department pairs, search shares, dashboard summaries and departments' roles. A store an
    older rectkg filled lacks some, and its pages read them live, slowly, until this command (or
    ingesting every report again) writes them. One transaction: the documents are not changed,
    and a failure leaves the store as it was. The embedded store only, not while `rectkg serve`
    holds it."""
    from graph import aggregates

    store = _store(obj)
    if isinstance(store, HandoffStore):
        fail(
            f"the store is held by `rectkg serve` ({store.url}), which cannot rebuild it: "
            "stop the server, run `rectkg rebuild` again, then start the server"
        )
    if not isinstance(store, OxigraphStore):
        fail(
            f"{getattr(store, 'spec', 'the store')} is a SPARQL server, and `rectkg rebuild` rewrites an embedded "
            "store (a folder) only: on a server, `rectkg ingest` the reports again, which rewrites their summaries",
            2,
        )
    before = aggregates.kept(store)
    documents = len(store.graphs())
    started = time.perf_counter()
    with err.status(f"rebuilding the kept summaries of {documents} documents…"):
        store.update(aggregates.rebuild(store))
    rebuilt = time.perf_counter() - started
    after = aggregates.kept(store)
    # The rewrite deletes and inserts the whole aggregate graph: at 100 reports the store grew from
    # 207 MB to 513 MB until RocksDB merged its files (6-8 s; 361 MB once the next opening drops the
    # write-ahead log), as reads want after a large write (`ingest` compacts too).
    with err.status("compacting the store…"):
        store.compact()
    counts = ", ".join(
        f"{name} {after[name]}" if after[name] == before[name] else f"{name} {before[name]} → {after[name]}"
        for name in after
    )
    console.print(
        f"rebuilt the kept summaries of {documents} documents in {rebuilt:.1f} s "
        f"(and compacted the store in {time.perf_counter() - started - rebuilt:.1f} s): {counts}",
        highlight=False,
    )


def _graph_of(path: str) -> str:
    """The graph a report file, or an RDF triples file loaded without --graph, was written to."""
    from loaders.pipeline import load_file

    if rdf_files.is_rdf(Path(path)):
        return rdf_files.graph_for(Path(path))
    try:
        return load_file(path).graph_iri
    except (LoaderError, OSError) as error:
        fail(f"cannot tell which document {path} is: {error}", 2)
        raise


@main.command()
@click.pass_obj
def validate(obj: Context) -> None:
    """Check the reports in the store against the ontology's SHACL shapes.

    RDF loaded as it is (`ingest` of .ttl, .nt, …) is the user's, and is not checked: the shapes say
    what rectkg reads from a report, and a directory of bodies typed org:Organization need not carry
    the rk: properties the reader gives every body it reads."""
    from ontology.validate import validate_graph

    data, unchecked = _report_data(_store(obj))
    conforms, text = validate_graph(data)
    if unchecked:
        console.print(f"not checked: {unchecked} graphs of loaded RDF (no rk:Report in them)", highlight=False)
    if conforms:
        console.print("valid: the store conforms to the rectkg shapes")
    else:
        err.print(text, highlight=False)
        fail("the store does not conform to the rectkg shapes (details above)")


_REPORT_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?report a rk:Report } }"
_GRAPHS_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?g { %s } GRAPH ?g { ?s ?p ?o } }"


def _report_data(store: Store) -> tuple[bytes | Graph, int]:
    """The report graphs' triples (the whole store's export when it holds nothing else, as before
    RDF could be loaded), and how many other graphs were left out."""
    reports = {row["g"].value for row in store.select(catalog.iris.sparql_prefixes() + _REPORT_GRAPHS).rows}
    others = [g for g in store.graphs() if g not in reports]
    if not others:
        return store.export("ntriples"), 0
    values = " ".join(f"<{g}>" for g in sorted(reports))
    return store.construct(_GRAPHS_CONTENT % values), len(others)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    help="Request threads [default: what the endpoint and the page lanes may hold, and 4 more].",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, threads: int | None) -> None:
    """Serve the web app (SPARQL endpoint, saved queries, entity pages, search) with waitress."""
    from waitress import create_server

    from webapp import admission, create_app, db
    from webapp.settings import SettingsError

    logging.getLogger("webapp").setLevel(logging.INFO)
    try:
        app = create_app({"STORE": obj.store_spec} if obj.store_spec else None)
    except SettingsError as error:
        fail(str(error), 2)
    server = create_server(app, host=host, port=port, **admission.server_options(app.config, threads))
    url = f"http://{host}:{server.effective_port}"
    local = url if host not in ("0.0.0.0", "::", "") else f"http://127.0.0.1:{server.effective_port}"
    # SIGTERM ends the server like Ctrl-C, so the workers stop and the advert is withdrawn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with db.serving(app, local):
        console.print(f"rectkg web app: {url}/  (Ctrl-C stops it)", highlight=False)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def outline(path: str) -> None:
    """Print a report's headings as read: level, role (part, category, group, finding, or not a
    finding and why), measures per finding, and lines that nearly matched a heading. Nothing is written."""
    from loaders.outline import read_outline, render
    from loaders.pipeline import load_file

    try:
        loaded = load_file(path)
    except LoaderError as error:
        fail(str(error).splitlines()[0])
        return
    console.print(_summary(loaded).rsplit(" → ", 1)[0], highlight=False, markup=False)
    for line in render(read_outline(loaded.report)):
        console.print(line, highlight=False, markup=False)
    for warning in loaded.report.warnings:
        console.print(f"warning: {warning}", highlight=False, markup=False)
