"""Every evidence quote in the store is the stored text at its offsets: all of them, read from the graph."""

from __future__ import annotations

from ontology import iris

TEXTS = "SELECT ?report ?text WHERE { ?report a rk:Report ; rk:text ?text }"
EVIDENCE = """
SELECT ?ev ?source ?start ?end ?exact ?sentence ?sentenceStart WHERE {
  ?ev a rk:Evidence ; rk:source ?source ; oa:start ?start ; oa:end ?end ; oa:exact ?exact ;
      rk:sentence ?sentence ; rk:sentenceStart ?sentenceStart .
}
"""
# Every node the loader extracts from the text carries evidence.
EXTRACTED = ("Finding", "Measure", "Involvement", "Citation", "PolicyAction", "Quantity", "Event", "Claim")


def _select(store, query):
    return store.select(iris.sparql_prefixes() + query).rows


def test_every_evidence_quote_is_the_source_text_between_its_offsets(sample_store):
    texts = {r["report"].value: r["text"].value for r in _select(sample_store, TEXTS)}
    assert len(texts) == 2
    rows = _select(sample_store, EVIDENCE)
    count = _select(sample_store, "SELECT (COUNT(DISTINCT ?ev) AS ?n) WHERE { ?ev a rk:Evidence }")[0]["n"]
    assert len(rows) == int(count.value) > 500
    bad = []
    for r in rows:
        text = texts[r["source"].value]
        start, end, sent_start = int(r["start"].value), int(r["end"].value), int(r["sentenceStart"].value)
        exact, sentence = r["exact"].value, r["sentence"].value
        ok = (
            0 <= start <= end <= len(text)
            and text[start:end] == exact
            and exact in sentence
            and text[sent_start : sent_start + len(sentence)] == sentence
            and sent_start <= start
        )
        if not ok:
            bad.append(r["ev"].value)
    assert not bad, f"{len(bad)} evidence nodes do not match the stored text, e.g. {bad[:3]}"


def test_the_store_engine_agrees_that_every_quote_matches(sample_store):
    """The same check in SPARQL (SUBSTR counts characters from 1), as the store itself sees the text."""
    query = """
    SELECT (COUNT(?ev) AS ?all) (SUM(?bad) AS ?mismatched) WHERE {
      ?ev a rk:Evidence ; rk:source/rk:text ?text ; oa:start ?start ; oa:end ?end ; oa:exact ?exact .
      BIND(IF(SUBSTR(STR(?text), ?start + 1, ?end - ?start) = STR(?exact), 0, 1) AS ?bad)
    }"""
    row = _select(sample_store, query)[0]
    assert int(row["all"].value) > 500
    assert int(row["mismatched"].value) == 0


def test_every_extracted_node_has_exactly_one_evidence_in_its_own_report(sample_store):
    for cls in EXTRACTED:
        query = f"""
        SELECT (COUNT(?node) AS ?n) WHERE {{
          ?node a rk:{cls} .
          FILTER NOT EXISTS {{ ?node rk:evidence ?ev }}
        }}"""
        assert _select(sample_store, query)[0]["n"].value == "0", cls
    shared = """
    SELECT (COUNT(?ev) AS ?n) WHERE {
      ?ev a rk:Evidence . ?a rk:evidence ?ev . ?b rk:evidence ?ev . FILTER(?a != ?b)
    }"""
    assert _select(sample_store, shared)[0]["n"].value == "0"


def test_evidence_of_a_measure_is_its_full_text(sample_store):
    query = """
    SELECT (COUNT(?m) AS ?n) WHERE {
      ?m a rk:Measure ; rk:text ?text ; rk:evidence/oa:exact ?exact .
      FILTER(STR(?text) != STR(?exact))
    }"""
    assert _select(sample_store, query)[0]["n"].value == "0"
