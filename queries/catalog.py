"""Saved queries: one .rq file each, with a grlc-style `#+` YAML header.

Header keys: summary, description, params (name → type, default, description, enumerate,
title, description_zh), columns, cache (`store-version`, the default: answers are kept until the
next write, see `_answers`; `none`: always asked of the store), asks_first (parameters one of
which narrows the answer from the whole corpus: in a large store the form asks for one before it
reads the whole corpus, webapp/saved.py). For people, in both languages:
summary_zh and description_zh beside the English summary and description, `titles` (column →
[Chinese, English]), a parameter's `title` ([Chinese, English]) and `description_zh`, and
`value_labels` (column → names of vocabularies in queries/labels.yaml, or `ontology` for terms the
ontology labels, such as roles and actions). Chinese is wrapped at any character and read back
without line breaks. Names of queries, columns and parameters are the
public interface and never change; titles only sit beside them.
A file `NAME+PARAM.rq` (no header) is a variant of NAME: the text run when exactly those
parameters are bound, for a question one text cannot answer fast both ways (the whole corpus, and
a plan that starts from the bound value). Same columns; tests hold each variant equal to its base.
Parameters are bound as RDF terms through the store's substitutions (a variant also gets them as
VALUES rows in its subqueries, each term written by rdflib's serialiser), never pasted into the
query text, so a hostile value can only ever be compared as a literal.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from itertools import combinations

import yaml

from graph import aggregates, alike, cited_titles, finding_parties, report_counts
from graph.binding import bind_inside
from graph.interface import QueryError, Result, Store, Term
from ontology import iris

Pair = tuple[str, str]  # (Chinese, English)
LANGUAGES = ("zh", "en")
ONTOLOGY = "ontology"  # a value_labels vocabulary: the value is an rk: term the ontology labels
MAX_PARAM_LENGTH = 500
CACHE_POLICIES = ("store-version", "none")  # the first is the default
XSD = "http://www.w3.org/2001/XMLSchema#"


class ParamError(QueryError):
    """A parameter value that does not fit its declared type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # string | iri | integer | decimal | date
    default: str | None = None
    description: str = ""
    required: bool = False
    enumerate: str | None = None  # a SPARQL SELECT ?value ?label giving the choices
    title: Pair | None = None
    description_zh: str = ""

    def title_in(self, lang: str) -> str:
        """The parameter's name for people in `lang`; its own name where it has no title."""
        return _pick(self.title, lang) or self.name

    def description_in(self, lang: str) -> str:
        return self.description_zh if lang == "zh" and self.description_zh else self.description

    def term(self, value: str) -> Term:
        if len(value) > MAX_PARAM_LENGTH:
            raise ParamError(f"parameter {self.name} is longer than {MAX_PARAM_LENGTH} characters")
        if self.type == "iri":
            if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
                raise ParamError(f"parameter {self.name} must be an http(s) IRI")
            return Term("iri", value)
        if self.type == "integer":
            if not re.fullmatch(r"-?\d{1,12}", value):
                raise ParamError(f"parameter {self.name} must be a whole number")
            return Term("literal", value, XSD + "integer")
        if self.type == "decimal":
            if not re.fullmatch(r"-?\d{1,12}(?:\.\d{1,12})?", value):
                raise ParamError(f"parameter {self.name} must be a number like 0.5")
            return Term("literal", value, XSD + "decimal")
        if self.type == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ParamError(f"parameter {self.name} must be a date YYYY-MM-DD")
            return Term("literal", value, XSD + "date")
        return Term("literal", value, XSD + "string")


@dataclass(frozen=True)
class SavedQuery:
    name: str
    summary: str
    description: str
    text: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = field(default=())
    cache: str = CACHE_POLICIES[0]  # "store-version": reuse answers until the store's next write
    variants: tuple[tuple[frozenset[str], str], ...] = ()  # (parameters bound, text run instead)
    live: str = ""  # queries/live/NAME.rq: the same question asked of the documents (`_select`)
    asks_first: tuple[str, ...] = ()  # in a large store the form asks for one of these first
    summary_zh: str = ""
    description_zh: str = ""
    titles: Mapping[str, Pair] = field(default_factory=dict, hash=False, compare=False)
    value_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    def summary_in(self, lang: str) -> str:
        return self.summary_zh if lang == "zh" and self.summary_zh else self.summary

    def description_in(self, lang: str) -> str:
        return self.description_zh if lang == "zh" and self.description_zh else self.description

    def title_of(self, column: str, lang: str) -> str:
        """A column's title in `lang`; its variable name where it has none."""
        return _pick(self.titles.get(column), lang) or column

    def text_for(self, bindings: Mapping[str, Term]) -> str:
        """The text to run with these parameters bound: a variant made for them, with the values
        also bound inside its subqueries (graph.binding.bind_inside), or the base."""
        bound = frozenset(bindings)
        for params, text in self.variants:
            if params == bound:
                return bind_inside(text, bindings)
        return self.text

    def bindings(self, values: Mapping[str, str]) -> dict[str, Term]:
        known = {p.name: p for p in self.params}
        unknown = set(values) - set(known)
        if unknown:
            raise ParamError(f"{self.name} has no parameter {', '.join(sorted(unknown))}")
        out: dict[str, Term] = {}
        for param in self.params:
            value = values.get(param.name) or param.default
            if value:
                out[param.name] = param.term(value)
            elif param.required:
                raise ParamError(f"{self.name} needs the parameter {param.name}")
        return out

    def run(self, store: Store, values: Mapping[str, str] | None = None) -> Result:
        """Run with parameters bound; the answer has exactly the declared columns.

        A parameter must be projected for Oxigraph (and rdflib) to bind it, so queries project
        their parameters and the public columns are cut back to the header's `columns` here."""
        bindings = self.bindings(values or {})
        if self.cache != CACHE_POLICIES[0]:
            return self._select(store, bindings)
        stamp = aggregates.version(store)
        if stamp is None:  # a store no aggregate-aware write has touched has no version to trust
            return self._select(store, bindings)
        answers = _answers.setdefault(store, {})
        if answers.get("stamp") != stamp:
            answers.clear()
            answers["stamp"] = stamp
        key = self._key(bindings)
        cached = answers.get(key)
        if cached is None:
            cached = self._select(store, bindings)
            _keep(answers, key, cached)
        return Result(list(cached.variables), list(cached.rows), cached.boolean, cached.truncated)

    def is_cached(self, store: Store, values: Mapping[str, str] | None = None) -> bool:
        """Whether `run` would answer from the cache now: what a warm-up (webapp/warm.py) leaves."""
        answers = _answers.get(store, {})
        stamp = answers.get("stamp")
        return (
            stamp is not None
            and stamp == aggregates.version(store)
            and self._key(self.bindings(values or {})) in answers
        )

    def _key(self, bindings: dict[str, Term]) -> tuple:
        return (self.name, tuple(sorted(bindings.items())))

    def _select(self, store: Store, bindings: dict[str, Term]) -> Result:
        """A question `_ANSWERED` names is answered from what every write keeps where that can give
        the query's answer. A query that reads what every write keeps in the aggregate graph asks
        the documents instead (its `live` text) on a store some of whose reports were written
        before that was kept (by an older rectkg, until `rectkg rebuild`): slower, never a short answer."""
        answered = _ANSWERED.get(self.name)
        if answered is not None and (result := answered(store, bindings)) is not None:
            return result
        text = self.live if self.live and not _kept_whole(store, self.name) else self.text_for(bindings)
        result = store.select(text, bindings)
        if not self.columns or list(self.columns) == result.variables:
            return result
        keep = list(self.columns)
        rows = [{k: v for k, v in row.items() if k in keep} for row in result.rows]
        return Result(keep, rows, result.boolean, result.truncated)


# Answers of saved queries, per open store: {"stamp": version, (name, bindings): Result}.
# Every write stamps a new version in the same transaction (graph/aggregates.py), so an answer is
# reused only while the data it came from is unchanged; another process's write is seen at the next
# run, when the stamp read differs. Investigators click the same questions again and again (and
# the whole-corpus shared-responsibility table has tens of thousands of rows at a thousand reports,
# however it is computed), so a repeated question costs a version lookup, not a query.
# Bounded by rows so a few huge answers cannot hold the memory of a long-running server.
MAX_CACHED_ROWS = 200_000
_answers: weakref.WeakKeyDictionary[Store, dict] = weakref.WeakKeyDictionary()
_whole: weakref.WeakKeyDictionary[Store, tuple[str | None, dict[str, bool]]] = weakref.WeakKeyDictionary()
# What a saved query's kept text reads besides every report's kept nodes: there since a later
# release, so whole on a store only once written from scratch or rebuilt by that release.
_ALSO_KEPT = {
    "documents-across-reports": cited_titles.whole,
    "compare-reports": report_counts.fielded,
    "department-profile": finding_parties.whole,
}


# Questions answered apart from the engine, from what every write keeps, where that can give the
# query's own answer (else None, and the query runs); tests hold the two equal.
_ANSWERED = {"recurring-problems": alike.answer}


def _kept_whole(store: Store, name: str) -> bool:
    """Whether every report in the store was written (or rebuilt) with everything the aggregate
    graph keeps: its rk:ReportCounts, written in the same request as the rest and first released
    with the newest facts the saved queries read (rk:citedTitle and the other values stated on
    rk:DocumentCitations), so a report that has it has them; and whatever `_ALSO_KEPT` names for
    the query. Asked once per store version."""
    stamp = aggregates.version(store)
    known = _whole.get(store)
    if stamp is None or known is None or known[0] != stamp:
        known = _whole[store] = (stamp, {"": report_counts.complete(store)})
    if name not in known[1]:
        also = _ALSO_KEPT.get(name)
        known[1][name] = known[1][""] and (also is None or also(store))
    return known[1][name]


def _keep(answers: dict, key: tuple, result: Result) -> None:
    """Cache `result`, evicting the oldest answers while the row budget is exceeded."""
    if len(result.rows) > MAX_CACHED_ROWS:
        return
    answers[key] = result
    held = sum(len(r.rows) for k, r in answers.items() if k != "stamp")
    while held > MAX_CACHED_ROWS:
        oldest = next(k for k in answers if k != "stamp")
        held -= len(answers.pop(oldest).rows)


def _pick(pair: Pair | None, lang: str) -> str:
    return pair[LANGUAGES.index(lang) if lang in LANGUAGES else 0] if pair else ""


def _pair(name: str, key: str, value: object) -> Pair:
    """A [Chinese, English] header value, checked: a header is edited by hand."""
    if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
        raise QueryError(f"queries/{name}.rq: {key} must be [Chinese, English], not {value!r}")
    return (value[0], value[1])


def _param(name: str, key: str, spec: dict | None) -> Param:
    spec = dict(spec or {})
    if "title" in spec:
        spec["title"] = _pair(name, f"params.{key}.title", spec["title"])
    return Param(name=key, **spec)


def _value_labels(name: str, meta: dict, columns: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """column → vocabularies, each known: queries/labels.yaml's or the ontology's."""
    found = {}
    for column, names in (meta.get("value_labels") or {}).items():
        names = (names,) if isinstance(names, str) else tuple(names)
        unknown = [n for n in names if n != ONTOLOGY and n not in vocabularies()]
        if column not in columns or unknown:
            raise QueryError(f"queries/{name}.rq: value_labels.{column} names no column or vocabulary {unknown}")
        found[column] = names
    return found


def parse(name: str, source: str) -> SavedQuery:
    header = "\n".join(line[3:] for line in source.splitlines() if line.startswith("#+ "))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as error:
        raise QueryError(
            f"queries/{name}.rq: the #+ header is not valid YAML ({error}); quote values with ': '"
        ) from error
    policy = meta.get("cache", CACHE_POLICIES[0])
    if policy not in CACHE_POLICIES:
        raise QueryError(f"queries/{name}.rq: cache must be store-version or none, not {policy!r}")
    params = tuple(_param(name, k, v) for k, v in (meta.get("params") or {}).items())
    columns = tuple(meta.get("columns") or ())
    asks_first = meta.get("asks_first") or []
    if not isinstance(asks_first, list) or [n for n in asks_first if n not in {p.name for p in params}]:
        raise QueryError(f"queries/{name}.rq: asks_first must list parameters of the query, not {asks_first!r}")
    return SavedQuery(
        name=name,
        summary=meta.get("summary", ""),
        description=(meta.get("description") or "").strip(),
        text=_body(source),
        params=params,
        columns=columns,
        cache=policy,
        summary_zh=meta.get("summary_zh", ""),
        description_zh="".join(line.strip() for line in (meta.get("description_zh") or "").splitlines()),
        titles={c: _pair(name, f"titles.{c}", v) for c, v in (meta.get("titles") or {}).items()},
        value_labels=_value_labels(name, meta, columns),
        asks_first=tuple(asks_first),
    )


@cache
def vocabularies() -> dict[str, dict[str, Pair]]:
    """Labels for the values saved queries answer (claim kinds, statuses, kinds of node …), each
    [Chinese, English], kept once in queries/labels.yaml and named by the queries' value_labels."""
    text = resources.files("queries").joinpath("labels.yaml").read_text(encoding="utf-8")
    return {
        vocabulary: {str(value): _pair("labels.yaml", f"{vocabulary}.{value}", pair) for value, pair in table.items()}
        for vocabulary, table in yaml.safe_load(text).items()
    }


def _body(source: str) -> str:
    body = "\n".join(line for line in source.splitlines() if not line.startswith("#+"))
    return iris.sparql_prefixes() + body.strip() + "\n"


def with_variant(query: SavedQuery, file_name: str, source: str) -> SavedQuery:
    """`query` with the variant in `file_name` (`NAME+A+B.rq`: run when exactly A and B are bound,
    and with any of the parameters its `#+ also_with: [C, …]` line names bound besides)."""
    params = frozenset(file_name[:-3].split("+")[1:])
    also = frozenset(_also_with(source))
    unknown = (params | also) - {p.name for p in query.params}
    if unknown:
        raise QueryError(f"queries/{file_name}: {query.name} has no parameter {', '.join(sorted(unknown))}")
    body = _body(source)
    sets = [params.union(extra) for n in range(len(also) + 1) for extra in combinations(sorted(also), n)]
    return replace(query, variants=(*query.variants, *((bound, body) for bound in sets)))


def _also_with(source: str) -> list[str]:
    """The parameters a variant's `#+ also_with:` line lists (none without one)."""
    for line in source.splitlines():
        if line.startswith("#+ also_with:"):
            return [str(name) for name in yaml.safe_load(line.removeprefix("#+ also_with:")) or ()]
    return []


@cache
def saved_queries() -> dict[str, SavedQuery]:
    folder = resources.files("queries")
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".rq")), key=lambda e: e.name)
    found = {}
    for entry in (e for e in entries if "+" not in e.name):
        name = entry.name[:-3]
        found[name] = parse(name, entry.read_text(encoding="utf-8"))
    for entry in (e for e in entries if "+" in e.name):
        base = entry.name.split("+")[0]
        if base not in found:
            raise QueryError(f"queries/{entry.name}: a variant of {base}, which is no saved query")
        found[base] = with_variant(found[base], entry.name, entry.read_text(encoding="utf-8"))
    for entry in (e for e in folder.joinpath("live").iterdir() if e.name.endswith(".rq")):
        name = entry.name[:-3]
        if name not in found:
            raise QueryError(f"queries/live/{entry.name}: the live form of {name}, which is no saved query")
        found[name] = replace(found[name], live=_body(entry.read_text(encoding="utf-8")))
    return found


def get(name: str) -> SavedQuery:
    queries = saved_queries()
    if name not in queries:
        raise QueryError(f"no saved query {name!r}; `rectkg queries` lists them: {', '.join(queries)}")
    return queries[name]


# Choices for `enumerate:` headers, filled from the graph: each yields ?value and ?label.
ENUMERATIONS: dict[str, str] = {
    "reports": "SELECT DISTINCT ?value ?label WHERE { ?value a rk:Report ; dcterms:title ?label } ORDER BY ?label",
    "roles": "SELECT ?value ?label WHERE { VALUES (?value ?label) { "
    '("lead" "牵头 lead") ("partner" "配合 partner") ("target" "对象 target") ("mentioned" "提及 mentioned") } }',
    # A finding by its reference ((二)2: numbers restart per category) and title, grouped by report
    # (?r, projected so that NARROWED can bind it; its pattern first: one report's findings took
    # 41-53 ms at 1,000 reports with the type first, 4-6 ms this way, and every finding no longer).
    "findings": "SELECT ?value ?label ?group ?r WHERE { ?f rk:report ?r . ?f a rk:Finding ; rk:order ?o ; "
    "rk:ref ?ref ; dcterms:title ?t . ?r dcterms:title ?rt BIND(STR(?f) AS ?value) "
    'BIND(CONCAT(?ref, " ", STR(?t)) AS ?label) BIND(STR(?rt) AS ?group) } ORDER BY ?rt ?r ?o',
    # Departments that play a role in some measure (not bodies named only in a preamble): the
    # agents once each first, then their labels. Starting from every organisation's type and label,
    # each restated in every report naming it, and asking each whether it is an agent, took 47 s at
    # 1,000 reports (7 s this way).
    "departments": "SELECT DISTINCT ?value ?label WHERE { { SELECT DISTINCT ?org WHERE { ?inv rk:agent ?org } } "
    "FILTER EXISTS { ?org a org:Organization } FILTER NOT EXISTS { ?org rk:generic true } "
    "?org skos:prefLabel ?l BIND(STR(?l) AS ?value) BIND(STR(?l) AS ?label) } ORDER BY ?label",
}


@dataclass(frozen=True)
class Narrowing:
    """An enumeration a large store cannot offer whole, offered for one value of another: a finding
    among its report's (every finding of a thousand reports is 10,000 choices, a 2 MB form)."""

    by: str  # the enumeration whose chosen value narrows this one
    variable: str  # bound to that value in this enumeration's query
    owner: str  # SELECT ?value ?owner, ?value bound: the value of `by` it is listed under


NARROWED: dict[str, Narrowing] = {
    "findings": Narrowing(
        "reports", "r", "SELECT ?value ?owner WHERE { ?value a rk:Finding ; rk:report ?owner } LIMIT 1"
    ),
}


def choices(store: Store, enumeration: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a parameter's drop-down."""
    return [pair for _, pairs in grouped_choices(store, enumeration) for pair in pairs]


def grouped_choices(
    store: Store, enumeration: str, within: Term | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The drop-down's (value, label) pairs under their groups in order (a finding under its
    report: the same reference is printed in several reports); one group "" if not grouped.
    `within`: only those under this value of the enumeration's narrowing (NARROWED)."""
    query = ENUMERATIONS.get(enumeration)
    if query is None:
        return []
    bindings = {NARROWED[enumeration].variable: within} if within is not None else None
    groups: dict[str, list[tuple[str, str]]] = {}
    for r in store.select(iris.sparql_prefixes() + query, bindings).rows:
        if "value" in r:
            groups.setdefault(r["group"].value if "group" in r else "", []).append((r["value"].value, r["label"].value))
    return list(groups.items())


def owner(store: Store, enumeration: str, value: Term) -> str | None:
    """The value of the narrowing enumeration that `value` is listed under (a finding's report)."""
    rows = store.select(iris.sparql_prefixes() + NARROWED[enumeration].owner, {"value": value}).rows
    return rows[0]["owner"].value if rows else None
