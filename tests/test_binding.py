"""VALUES binding for remote servers: where the block goes, and that values stay terms."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.binding import bind_inside, has_dataset_clause, query_form, term_text, with_leading_values, with_values
from graph.store import QueryError, Term

XSD = "http://www.w3.org/2001/XMLSchema#"


def run(query: str, data: str = '<http://x/a> <http://x/p> "lead", "x" .') -> list[dict[str, str]]:
    """Evaluate on a throw-away in-memory pyoxigraph store, so a malformed rewrite fails to parse."""
    store = ox.Store()
    store.load(data.encode(), format=ox.RdfFormat.TURTLE)
    answer = store.query(query)
    if isinstance(answer, ox.QueryTriples):
        return [{"t": str(t)} for t in answer]
    return [{v.value: s[v].value for v in answer.variables if s[v] is not None} for s in answer]


def test_values_go_last_in_the_where_group_so_bind_and_filter_see_them():
    query = (
        "SELECT ?s ?role WHERE { ?s <http://x/p> ?o BIND(STR(?o) AS ?role) "
        "FILTER(!BOUND(?only) || ?o = ?only) } ORDER BY ?role # not here: { }"
    )
    assert run(query) == [{"s": "http://x/a", "role": "lead"}, {"s": "http://x/a", "role": "x"}]
    bound = with_values(query, {"role": Term("literal", "lead", XSD + "string")})
    assert run(bound) == [{"s": "http://x/a", "role": "lead"}]
    assert run(with_values(query, {"only": Term("literal", "x")})) == [{"s": "http://x/a", "role": "x"}]


def test_braces_in_strings_iris_and_comments_do_not_mislead():
    query = (
        'SELECT ?s WHERE { ?s <http://x/p> ?o FILTER(?o != "}{") # }\n'
        "FILTER(?o != '''}''') FILTER(?s != <http://x/b#c>) }"
    )
    assert run(with_values(query, {"o": Term("literal", "none")})) == []
    assert run(with_values(query, {"o": Term("literal", "lead")})) == [{"s": "http://x/a"}]
    with pytest.raises(QueryError):
        with_values("SELECT ?s WHERE { ?s ?p ?o ", {"o": Term("literal", "x")})


def test_construct_binds_in_the_where_group_not_the_template():
    query = "CONSTRUCT { ?s <http://x/q> ?o } WHERE { ?s <http://x/p> ?o }"
    assert len(run(query)) == 2
    assert len(run(with_values(query, {"o": Term("literal", "lead")}))) == 1
    with pytest.raises(QueryError):
        with_values("CONSTRUCT WHERE { ?s ?p ?o }", {"o": Term("literal", "x")})


@pytest.mark.parametrize(
    "value",
    ['" } ; DROP ALL ; #', "back\\slash", "line\nbreak\r", "'''\"\"\"", "中文 》《"],
)
def test_hostile_literals_stay_one_literal(value):
    data = f"<http://x/a> <http://x/p> {term_text(Term('literal', value))} ."
    query = with_values("SELECT ?s WHERE { ?s <http://x/p> ?v }", {"v": Term("literal", value)})
    assert run(query, data) == [{"s": "http://x/a"}]


def test_terms_are_written_by_the_serialiser():
    assert term_text(Term("iri", "http://x/a")) == "<http://x/a>"
    assert term_text(Term("literal", "3", XSD + "integer")) == f'"3"^^<{XSD}integer>'
    assert term_text(Term("literal", "a", XSD + "string")) == '"a"'
    assert term_text(Term("literal", "甲", None, "zh")) == '"甲"@zh'
    with pytest.raises(QueryError):
        term_text(Term("iri", "http://x/a> } DROP ALL { <http://x/b"))
    with pytest.raises(QueryError):
        term_text(Term("bnode", "b0"))


def test_query_form_ignores_comments_and_variables():
    assert query_form("# SELECT\nPREFIX a: <http://x/>\nASK { ?select a:p ?o }") == "ASK"
    assert query_form("construct { ?s ?p ?o } where { ?s ?p ?o }") == "CONSTRUCT"
    with pytest.raises(QueryError):
        query_form("INSERT DATA { <http://x/a> <http://x/p> 1 }")
    assert query_form("BASE <http://x/> PREFIX : <http://y#> DESCRIBE <a>") == "DESCRIBE"


@pytest.mark.parametrize(
    "update",
    [
        "INSERT { ?s ?p 1 } WHERE { SELECT ?s ?p { ?s ?p ?o } }",
        "PREFIX a: <http://x/> DELETE { ?s a:p ?o } WHERE { { SELECT * { ?s a:p ?o } } }",
        "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o . FILTER EXISTS { SELECT * {} } }",
    ],
)
def test_an_update_with_a_query_inside_is_not_a_query(update):
    with pytest.raises(QueryError):
        query_form(update)


def test_dataset_clause():
    assert has_dataset_clause("SELECT * FROM <http://x/g> WHERE { ?s ?p ?o }")
    assert has_dataset_clause("PREFIX a: <http://x/> ASK FROM NAMED a:g { GRAPH ?g { } }")
    assert not has_dataset_clause('SELECT ?from WHERE { ?s <http://x/from> "FROM" . { SELECT * { } } }')


def test_the_embedded_store_gets_the_row_first_and_nothing_where_a_bind_assigns_the_variable():
    query = "SELECT ?s ?v WHERE { ?s <http://x/p> ?v } # { }"
    lead = with_leading_values(query, {"v": Term("literal", "lead")})
    assert lead.index("VALUES") < lead.index("?s <http://x/p>")
    assert run(lead) == [{"s": "http://x/a", "v": "lead"}]
    binds = "SELECT ?role WHERE { ?s <http://x/p> ?o BIND(STR(?o) AS ?role) }"
    assert with_leading_values(binds, {"role": Term("literal", "x")}) == binds
    assert with_leading_values(query, {"v": Term("bnode", "b0")}) == query
    assert with_leading_values(query, {}) == query


@pytest.mark.parametrize("value", ['" } ; DROP ALL ; #', "line\nbreak\r", "'''\"\"\""])
def test_hostile_literals_stay_one_literal_in_the_leading_row(value):
    data = f"<http://x/a> <http://x/p> {term_text(Term('literal', value))} ."
    query = with_leading_values("SELECT ?s ?v WHERE { ?s <http://x/p> ?v }", {"v": Term("literal", value)})
    assert run(query, data) == [{"s": "http://x/a", "v": value}]


def test_a_row_goes_into_each_subquery_the_bound_variable_reaches_unchanged():
    """Down a chain of plain projections only: a subquery that does not pass the variable up
    has a variable of its own by that name, which the row must not touch."""
    query = """SELECT ?v ?n WHERE {
      { SELECT ?v (COUNT(?s) AS ?n) WHERE { { SELECT DISTINCT ?s ?v WHERE { ?s <http://x/p> ?v } } } GROUP BY ?v }
      { SELECT (COUNT(?v) AS ?all) WHERE { ?s <http://x/p> ?v } }
      OPTIONAL { SELECT * WHERE { ?v <http://x/q> ?w } }
    }"""
    bound = {"v": Term("literal", "lead")}
    inside = bind_inside(query, bound)
    assert inside.count("VALUES") == 3  # both levels of the first subquery, and the SELECT *
    unrelated = inside.index("SELECT (COUNT(?v) AS ?all)")
    assert "VALUES" not in inside[unrelated : inside.index("}", unrelated)]
    assert run(with_values(inside, bound)) == run(with_values(query, bound)) == [{"v": "lead", "n": "1"}]
    assert bind_inside(query, {"v": Term("bnode", "b0")}) == query


def test_a_construct_binds_its_subqueries_by_their_own_projection():
    query = "CONSTRUCT { ?s <http://x/p> ?v } WHERE { { SELECT ?s WHERE { ?s <http://x/p> ?v } } }"
    assert bind_inside(query, {"v": Term("literal", "lead")}) == query
