"""The shared-responsibility pairs answer exactly what the live self-join does.

The organisations sharing each finding are written inside each report's named graph and the
pairs across the corpus kept in an aggregate, so add, replace and remove must keep them equal to
the on-the-fly answer (queries/live/shared-responsibility.rq) over a real on-disk store. The
sample reports get extra involvements here — partners, a generic body, an internal unit, roles
that must not count — so the comparison has pairs to compare however much the role extraction
finds by itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import OxigraphStore, Result, Store
from loaders.model import Involvement, Organisation, Report
from loaders.pipeline import Loaded, load_file
from loaders.projections import sharing_organisations
from loaders.to_rdf import to_graph
from ontology import iris
from queries.catalog import get, parse
from tests.conftest import FENGJIANG, QINGPU

LIVE = Path(__file__).resolve().parents[1] / "queries" / "live" / "shared-responsibility.rq"

# (relative name, generic, internal): bodies the test names as partners in the reports.
EXTRA = (
    ("财政局", False, False),
    ("人社局", False, False),
    ("卫健委", False, False),
    ("有关部门", True, False),
    ("办公室", False, True),
)
ROLES = ("partner", "partner", "lead", "target", "mentioned")


def with_partners(path: Path, shift: int = 0) -> Loaded:
    """The real report, plus involvements chosen by position, its graph rebuilt."""
    loaded = load_file(path)
    report: Report = loaded.report
    low = (report.place or "").removeprefix(report.parent_place or "")
    for i, m in enumerate(report.measures):
        for k in range(2):
            name, generic, internal = EXTRA[(i + k + shift) % len(EXTRA)]
            canonical = low + name
            org = report.orgs.setdefault(
                canonical,
                Organisation(canonical, "government-department", report.place, generic=generic, internal=internal),
            )
            org.aliases.add(low[-1] + name)
            role = ROLES[(i // 3 + k) % len(ROLES)]
            m.involvements.append(Involvement(canonical, role, low[-1] + name, "test", m.span))
    loaded.graph = to_graph(report, loaded.key)
    return loaded


def answer(result: Result) -> list[tuple[str, str, int, tuple[str, ...]]]:
    """Rows as comparable tuples; finding_numbers keep their order (document order) and repeats."""
    return sorted(
        (
            r["dept_a"].value,
            r["dept_b"].value,
            int(r["findings"].value),
            tuple(r["finding_numbers"].value.split()),
        )
        for r in result.rows
    )


@pytest.fixture
def queries():
    return parse("shared-responsibility-live", LIVE.read_text(encoding="utf-8")), get("shared-responsibility")


PARAMS = ({}, {"department": "青浦区财政局"}, {"department": "区人社局"}, {"department": "枫江县民政局"})


Answers = list[list[tuple[str, str, int, tuple[str, ...]]]]


def answers(query, store: Store) -> Answers:
    """The query's rows on the store for each of PARAMS."""
    return [answer(query.run(store, params)) for params in PARAMS]


def assert_answers(expected: Answers, queries, materialised_on: Store) -> int:
    """The materialised query on `materialised_on` gives `expected` (the live rows for each of
    PARAMS); how many rows that is."""
    for params, rows in zip(PARAMS, expected, strict=True):
        assert answer(queries[1].run(materialised_on, params)) == rows, params
    return sum(map(len, expected))


def assert_equal(store: OxigraphStore, queries, materialised_on: Store | None = None) -> int:
    """The materialised query (on `materialised_on`, default the same store) equals the live one."""
    return assert_answers(answers(queries[0], store), queries, materialised_on or store)


def test_sharing_follows_the_role_rules():
    report = with_partners(QINGPU).report
    sharing = [sharing_organisations(report, finding) for finding in report.findings]
    assert any(len(keys) > 1 for keys in sharing)
    for keys in sharing:
        assert keys == sorted(keys, key=iris.organisation)
        for key in keys:
            org = report.orgs[key]
            assert not (org.generic or org.internal)
    names = {key for keys in sharing for key in keys}
    assert "青浦区财政局" in names and "青浦区有关部门" not in names and "青浦区办公室" not in names


def test_materialised_equals_live_after_add_replace_remove(store, queries):
    qingpu, fengjiang = with_partners(QINGPU), with_partners(FENGJIANG)
    for loaded in (qingpu, fengjiang):
        store.replace_graph(loaded.graph_iri, loaded.graph)
    assert assert_equal(store, queries) > 0

    before = answer(queries[1].run(store))
    replaced = with_partners(QINGPU, shift=2)
    store.replace_graph(replaced.graph_iri, replaced.graph)
    assert answer(queries[1].run(store)) != before
    assert assert_equal(store, queries) > 0

    assert store.remove_graph(fengjiang.graph_iri)
    assert assert_equal(store, queries) > 0
    assert store.remove_graph(replaced.graph_iri)
    assert assert_equal(store, queries) == 0


def test_department_filters_by_label_or_alias(store, queries):
    loaded = with_partners(QINGPU)
    store.replace_graph(loaded.graph_iri, loaded.graph)
    rows = answer(queries[1].run(store, {"department": "区财政局"}))
    assert rows and all("青浦区财政局" in (a, b) for a, b, _, _ in rows)
    assert answer(queries[1].run(store, {"department": "无此部门"})) == []
