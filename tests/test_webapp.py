"""The web app's pages, downloads, entity dereferencing, search and settings, against a served app."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from web_fixtures import build_store, serve

from graph import results
from graph.handoff import HandoffStore
from graph.store import Term, open_store
from ontology import iris
from queries import catalog
from webapp import dashboard, evidence, settings
from webapp.views import document as document_view

pytest_plugins = ("web_fixtures",)
ROOT = Path(__file__).resolve().parents[1]
RECTKG = Path(sys.executable).parent / "rectkg"
PREFIXES = iris.sparql_prefixes()


def page(base_url: str, path: str, **params) -> requests.Response:
    response = requests.get(base_url + path, params=params, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:300]
    return response


def url_of(iri: str) -> str:
    assert iri.startswith(iris.ID)
    return "/id/" + iri[len(iris.ID) :]


def select(reader, query: str, **bindings: Term) -> list[dict[str, str]]:
    return [{k: v.value for k, v in row.items()} for row in reader.select(PREFIXES + query, bindings).rows]


@pytest.fixture(scope="module")
def finding(reader):
    """The first finding (in document order) that has measures and a category."""
    rows = select(
        reader,
        """SELECT ?f ?title ?categoryTitle ?exact WHERE {
             ?f a rk:Finding ; rk:order ?o ; dcterms:title ?title ; rk:category/dcterms:title ?categoryTitle ;
                rk:evidence/oa:exact ?exact .
             FILTER EXISTS { ?m rk:finding ?f } } ORDER BY ?o ?f LIMIT 1""",
    )
    assert rows, "the samples have findings with measures"
    return rows[0]


def test_one_error_shape(base_url):
    cases = [
        ("/nowhere", 404, "not-found"),
        ("/id/report/no-such-report", 404, "not-found"),
        ("/queries/no-such-query", 404, "not-found"),
        ("/shared?a=x", 400, "bad-request"),
        ("/queries/findings?report=not-an-iri", 400, "bad-query"),
        ("/queries/findings.csv?report=not-an-iri", 400, "bad-query"),
    ]
    for path, status, error in cases:
        response = requests.get(base_url + path)
        assert response.status_code == status, path
        assert response.headers["Content-Type"] == "application/json"
        assert set(response.json()) == {"error", "message"}
        assert response.json()["error"] == error, path
    assert requests.delete(base_url + "/sparql").json()["error"] == "method-not-allowed"


def test_html_has_csp_and_only_own_assets(base_url, finding):
    for path in ("/", "/queries", "/queries/findings", "/editor", "/search?q=整改", url_of(finding["f"])):
        response = page(base_url, path)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', response.text):
            assert not re.match(r"^(https?:)?//", attribute), f"{path} refers to {attribute}"
        assert "<script>" not in response.text, "no inline scripts (the CSP forbids them)"


def test_every_saved_query_is_listed_and_documented(base_url):
    listing = html_unescape(page(base_url, "/queries").text)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, query in catalog.saved_queries().items():
        assert f'href="/queries/{name}"' in listing
        assert query.summary_in("zh") in listing
        assert f"`{name}`" in readme, f"README does not document the saved query {name}"


def _cli_csv(store: Path, name: str, params: dict[str, str]) -> bytes:
    args = [str(RECTKG), "--store", str(store), "query", "--saved", name, "--format", "csv"]
    for key, value in params.items():
        args += ["-p", f"{key}={value}"]
    return subprocess.run(args, check=True, capture_output=True).stdout


def test_saved_query_csv_equals_the_cli(base_url, web_store, reader):
    report = select(reader, "SELECT ?r WHERE { ?r a rk:Report } ORDER BY ?r LIMIT 1")[0]["r"]

    def required(query) -> dict[str, str]:
        """A value for each required parameter: the first choice its drop-down offers."""
        return {p.name: catalog.choices(reader, p.enumerate)[0][0] for p in query.params if p.required}

    cases = [(name, required(query)) for name, query in catalog.saved_queries().items()] + [
        ("findings", {"report": report}),
        ("measures", {"report": report}),
        ("departments", {"role": "lead"}),
    ]
    # The CLI is started for one query of each kind (required parameter, optional one, none), as a
    # process start costs a second; every other answer is checked against the same code in-process.
    by_cli = {"department-profile", "departments", "stats"}
    for name, params in cases:
        response = requests.get(f"{base_url}/queries/{name}.csv", params=params)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        if name in by_cli:
            expected = _cli_csv(web_store, name, params)
            by_cli.discard(name)
        else:
            expected = results.to_csv(catalog.get(name).run(reader, params)).encode("utf-8")
        assert response.content == b"\xef\xbb\xbf" + expected, name  # BOM, for Excel
        if name in ("findings", "measures", "departments"):
            assert response.content.count(b"\n") > 1, f"{name} {params} has rows to compare"
    assert not by_cli, f"saved queries gone: {by_cli}"


def test_saved_query_tsv_and_json_downloads(base_url, reader):
    query = catalog.get("findings")
    expected = query.run(reader)
    tsv = requests.get(base_url + "/queries/findings.tsv")
    assert tsv.text == results.to_tsv(expected)
    answer = requests.get(base_url + "/queries/findings.json").json()
    assert answer["head"]["vars"] == list(query.columns)
    assert len(answer["results"]["bindings"]) == len(expected.rows)


def test_saved_query_form_has_typed_inputs_and_links(base_url, reader):
    html = page(base_url, "/queries/findings").text
    reports = select(reader, "SELECT ?r ?t WHERE { ?r a rk:Report ; dcterms:title ?t }")
    assert '<select name="report"' in html
    for r in reports:
        assert f'<option value="{r["r"]}"' in html and r["t"] in html
    assert html.count('href="/id/report/') >= len(catalog.get("findings").run(reader).rows)
    assert 'id="open-in-editor"' in html and "/queries/findings.csv" in html
    roles = page(base_url, "/queries/departments").text
    assert "牵头" in roles and '<select name="role"' in roles
    chosen = page(base_url, "/queries/findings", report=reports[0]["r"]).text
    assert f'<option value="{reports[0]["r"]}" selected' in chosen
    csv_link = re.search(r'href="([^"]+)" class="download-csv"', chosen).group(1)
    assert parse_qs(urlsplit(html_unescape(csv_link)).query) == {"report": [reports[0]["r"]]}


def test_finding_page_highlights_its_evidence(base_url, reader, finding):
    html = page(base_url, url_of(finding["f"])).text
    marked = re.findall(r'<mark class="ev ev-finding"[^>]*>(.*?)</mark>', html, re.S)
    assert marked == [finding["exact"]], "only this finding's own title is marked as the finding"
    assert finding["categoryTitle"] in html
    for m in select(reader, "SELECT ?f ?t WHERE { ?m rk:finding ?f ; rk:text ?t }", f=Term("iri", finding["f"])):
        assert m["t"] in html
    assert 'class="ev ev-measure"' in html


def test_entities_by_content_negotiation(base_url, finding):
    subject, title = URIRef(finding["f"]), Literal(finding["title"], lang="zh")
    url = base_url + url_of(finding["f"])
    for accept, fmt in [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt")]:
        response = requests.get(url, headers={"Accept": accept})
        assert response.headers["Content-Type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=fmt)
        assert (subject, DCTERMS.title, title) in graph
    graph = Graph().parse(data=requests.get(url, params={"format": "jsonld"}).text, format="json-ld")
    assert (subject, DCTERMS.title, title) in graph
    assert requests.get(url, headers={"Accept": "image/png"}).status_code == 406


def every_part(base_url: str, path: str) -> str:
    """A department page and every "show more" it links to (a role lists its first 50 findings,
    with the total), as one text."""
    parts, seen = [page(base_url, path).text], set()
    while more := [m for m in re.findall(r'<a class="show-more" href="([^"]+)"', parts[-1]) if m not in seen]:
        seen.add(more[0])
        parts.append(requests.get(base_url + html_unescape(more[0]), headers={"Accept": "text/html"}).text)
    return "".join(parts)


def test_a_department_page_lists_a_role_a_part_at_a_time(base_url, reader):
    busiest = select(
        reader,
        "SELECT ?o (COUNT(DISTINCT ?f) AS ?n) WHERE { ?i rk:agent ?o ; rk:role rk:lead ; rk:measure/rk:finding ?f }"
        " GROUP BY ?o ORDER BY DESC(?n) LIMIT 1",
    )[0]
    assert int(busiest["n"]) > 50, "the samples have a department leading on more than a page"
    html = page(base_url, url_of(busiest["o"])).text
    lead = html.split('id="role-lead"', 1)[1].split("</ul>", 1)[0]
    assert f"({busiest['n']})" in lead and lead.count("<li>") == 50
    assert "显示前 50 个" in html and 'class="show-more"' in html


def test_department_pages(base_url, reader):
    orgs = select(
        reader,
        "SELECT ?o (SAMPLE(STR(?p)) AS ?label) (GROUP_CONCAT(DISTINCT STR(?a); separator='|') AS ?aliases) "
        "WHERE { ?o a org:Organization ; skos:prefLabel ?p OPTIONAL { ?o skos:altLabel ?a } } GROUP BY ?o",
    )
    assert orgs
    for org in orgs:
        html = every_part(base_url, url_of(org["o"]))
        assert f'<h1 id="org-label">{org["label"]}</h1>' in html
        for alias in filter(None, org.get("aliases", "").split("|")):
            assert alias in html
        findings = select(
            reader,
            "SELECT DISTINCT ?o ?f WHERE { ?i rk:agent ?o ; rk:measure/rk:finding ?f }",
            o=Term("iri", org["o"]),
        )
        for f in findings:
            assert f'href="{url_of(f["f"])}"' in html
    holders: dict[str, set[str]] = {}
    for org in orgs:
        for name in [org["label"], *filter(None, org.get("aliases", "").split("|"))]:
            holders.setdefault(name, set()).add(url_of(org["o"]))
    preferred = {org["label"]: url_of(org["o"]) for org in orgs}
    for name, urls in holders.items():
        found = requests.get(base_url + "/department", params={"label": name}, allow_redirects=False)
        assert found.status_code == 302
        target = "/id/" + found.headers["Location"].split("/id/", 1)[1]
        assert target == preferred[name] if name in preferred else target in urls
    assert requests.get(base_url + "/department", params={"label": "没有这个部门"}).status_code == 404


def test_document_page_lists_citing_measures(base_url, reader):
    docs = select(
        reader,
        "SELECT ?d (COUNT(DISTINCT ?m) AS ?n) WHERE { ?c rk:document ?d ; rk:measure ?m } "
        "GROUP BY ?d ORDER BY DESC(?n) ?d",
    )
    assert docs, "the samples cite documents from measures"
    html = page(base_url, url_of(docs[0]["d"])).text
    rows = re.search(r'<table class="results" id="cited-by">(.*?)</table>', html, re.S).group(1)
    assert rows.count('href="/id/report/') >= int(docs[0]["n"])


def test_document_pages_list_exactly_the_citing_measures_and_reports(base_url, reader):
    """Each citation once: by its measure (with the finding and report), or by its report alone."""
    docs = select(reader, "SELECT DISTINCT ?d WHERE { ?c rk:document ?d }")
    assert len(docs) > 5
    for doc in docs:
        d = Term("iri", doc["d"])
        measures = {url_of(r["m"]) for r in select(reader, CITING_MEASURES, d=d)}
        html = page(base_url, url_of(doc["d"])).text
        table = re.search(r'<table class="results" id="cited-by">(.*?)</table>', html, re.S).group(1)
        assert set(re.findall(r'href="(/id/report/[^"]+/measure/[^"]+)"', table)) == measures, doc
        for r in select(reader, CITING_REPORTS, d=d):
            assert f'href="{url_of(r["r"])}"' in table, doc


def test_a_document_page_lists_its_citations_a_part_at_a_time(base_url, reader, monkeypatch):
    """The first PAGE citations in document order, then "show more" until every one is listed."""
    monkeypatch.setattr(document_view, "PAGE", 1)  # the app serves from this process
    cited = select(reader, "SELECT ?d (COUNT(?c) AS ?n) WHERE { ?c rk:document ?d } GROUP BY ?d ORDER BY DESC(?n) ?d")
    doc, total = cited[0]["d"], int(cited[0]["n"])
    assert total > 2
    first = page(base_url, url_of(doc)).text
    assert f"显示前 1 个，共 {total} 个" in first
    measures = {url_of(r["m"]) for r in select(reader, CITING_MEASURES, d=Term("iri", doc))}
    listed = re.findall(r'href="(/id/report/[^"]+/measure/[^"]+)"', every_part(base_url, url_of(doc)))
    assert set(listed) == measures
    orders = [iris.document_order(m) for m in dict.fromkeys(listed)]
    assert orders == sorted(orders), "in the order they stand in the reports"


CITING_MEASURES = "SELECT ?d ?m WHERE { ?c rk:document ?d ; rk:measure ?m }"
CITING_REPORTS = "SELECT ?d ?r WHERE { ?c rk:document ?d ; rk:report ?r FILTER NOT EXISTS { ?c rk:measure ?m } }"


def test_report_page_claims_beside_counts_and_tree(base_url, reader):
    for r in select(reader, "SELECT ?r WHERE { ?r a rk:Report }"):
        report = Term("iri", r["r"])
        html = page(base_url, url_of(r["r"])).text
        findings = select(reader, "SELECT ?r ?f WHERE { ?f a rk:Finding ; rk:report ?r }", r=report)
        tree = re.search(r'<ul class="tree outline" id="outline">(.*?)<p class="formats', html, re.S).group(1)
        for f in findings:
            assert f'href="{url_of(f["f"])}"' in tree
        claims = select(
            reader, 'SELECT ?r ?v WHERE { ?r rk:claim [ rk:claimKind "findings" ; rk:claimedValue ?v ] }', r=report
        )
        for claim in claims:
            claimed, counted = float(claim["v"]), len(findings)
            row = re.search(r"<tr class=\"(mismatch)?\" data-kind=\"findings\">\s*<td>.*?</tr>", html, re.S)
            assert row is not None
            assert (row.group(1) == "mismatch") == (claimed != counted)
            assert f"<td>{counted}" in row.group(0)


def test_dashboard_lists_reports_with_counts(base_url, reader):
    html = page(base_url, "/").text
    for r in select(reader, "SELECT ?r ?t WHERE { ?r a rk:Report ; dcterms:title ?t }"):
        assert r["t"] in html and f'href="{url_of(r["r"])}"' in html
        n = len(select(reader, "SELECT ?r ?f WHERE { ?f a rk:Finding ; rk:report ?r }", r=Term("iri", r["r"])))
        counts = re.findall(r'href="/queries/findings\?report=([^"]+)">(\d+)</a>', html)
        assert (r["r"], str(n)) in [(unquote(html_unescape(q)), c) for q, c in counts]
    assert 'href="/queries/shared-responsibility"' in html
    english = page(base_url, "/", lang="en").text
    assert "Loaded reports" in english and "已载入的通报" not in english


def test_the_dashboard_pages_its_reports(base_url, reader, monkeypatch):
    """A thousand report cards took half a second to render: the dashboard shows them a page at a time."""
    monkeypatch.setattr(dashboard, "REPORTS_PER_PAGE", 1)
    titles = {r["t"] for r in select(reader, "SELECT ?t WHERE { ?r a rk:Report ; dcterms:title ?t }")}
    first, second = page(base_url, "/").text, page(base_url, "/", page=2).text
    assert len(titles) == 2 and 'rel="next"' in first and 'rel="prev"' in second
    assert [sum(t in html for t in titles) for html in (first, second)] == [1, 1]


def test_search_ranks_an_exact_title_first(base_url, finding):
    hits = requests.get(base_url + "/search.json", params={"q": finding["title"], "kind": "finding"}).json()["hits"]
    assert hits[0]["iri"] == finding["f"]
    assert all(h["kind"] == "finding" for h in hits)
    html = page(base_url, "/search", q=finding["title"][:4]).text
    assert f"<mark>{finding['title'][:4]}</mark>" in html


def test_indexes_are_not_cut_by_the_visitors_row_limit(web_store, reader):
    """MAX_ROWS limits answers to visitors; the search and graph-view indexes still hold everything."""
    findings = select(reader, "SELECT ?f ?t WHERE { ?f a rk:Finding ; dcterms:title ?t } ORDER BY DESC(STR(?f))")
    with serve({"STORE": str(web_store), "MAX_ROWS": 3}) as url:
        last = findings[0]
        hits = requests.get(url + "/search.json", params={"q": last["t"], "kind": "finding"}).json()["hits"]
        assert hits[0]["iri"] == last["f"]
        node = requests.get(url + "/graph/api/node", params={"iri": last["f"]})
        assert node.status_code == 200, node.text


def test_the_dashboard_shows_every_claim_whatever_the_row_limit(web_store, reader):
    """The dashboard reads every report's claims in one query: the visitor's row limit must not
    cut that query short (as it would the same query sent to /sparql)."""
    claims = select(reader, "SELECT ?r ?c WHERE { ?r rk:claim ?c }")
    assert len(claims) > 3
    with serve({"STORE": str(web_store), "MAX_ROWS": 3}) as url:
        html = page(url, "/").text
    shown = re.findall(r'<tr class="(?:mismatch)?" data-kind=', html)
    assert len(shown) == len(claims)


def test_search_finds_departments_by_alias(base_url, reader):
    orgs = select(reader, "SELECT ?o ?alias WHERE { ?o a org:Organization ; skos:altLabel ?alias }")
    assert orgs
    for org in orgs:
        hits = requests.get(base_url + "/search.json", params={"q": org["alias"]}).json()["hits"]
        assert org["o"] in [h["iri"] for h in hits if h["kind"] == "department"]
        suggested = requests.get(base_url + "/search/departments.json", params={"q": org["alias"][:3]}).json()
        assert org["o"] in [d["iri"] for d in suggested]


def test_search_reaches_the_market_regulator(base_url, reader):
    """The Qingpu report names 区市场监管局: searching 市场监管 must reach its department page."""
    hits = requests.get(base_url + "/search.json", params={"q": "市场监管"}).json()["hits"]
    departments = [h for h in hits if h["kind"] == "department"]
    assert departments, "a department whose names contain 市场监管 is found"
    html = page(base_url, departments[0]["url"]).text
    names = re.search(r'<h1 id="org-label">(.*?)</h1>.*?(?:<span id="aliases">(.*?)</span>|$)', html, re.S)
    assert "市场监管" in "".join(filter(None, names.groups()))


def test_highlight_escapes_text_and_marks_every_span():
    text = "前文\n<b>甲</b>会同乙局整改&落实。\n后文"
    start = text.index("<b>")
    spans = [
        evidence.Span(start, text.index("。") + 1, "measure", "measure"),
        evidence.Span(text.index("乙局"), text.index("乙局") + 2, "involvement", "乙局"),
        evidence.Span(0, 2, "other", "title"),
    ]
    first, last = evidence.region(text, spans[:1])
    assert text[first:last] == "<b>甲</b>会同乙局整改&落实。"
    html = str(evidence.highlight(text, first, last, spans))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
    assert '<mark class="ev ev-involvement" title="measure; 乙局">乙局</mark>' in html
    assert evidence.outside(spans, first, last) == [spans[2]]


def test_settings_from_file_environment_and_overrides(tmp_path):
    config = tmp_path / "web.toml"
    config.write_text('max_rows = 7\nstore = "/tmp/x"\n')
    loaded = settings.load({"SEARCH_LIMIT": 3}, {"RECTKG_WEB_CONFIG": str(config), "RECTKG_QUERY_TIMEOUT": "1.5"})
    assert loaded["MAX_ROWS"] == 7 and loaded["STORE"] == "/tmp/x"
    assert loaded["QUERY_TIMEOUT"] == 1.5 and loaded["SEARCH_LIMIT"] == 3
    config.write_text("max_rowz = 7\n")
    with pytest.raises(settings.SettingsError, match="MAX_ROWZ"):
        settings.load(None, {"RECTKG_WEB_CONFIG": str(config)})
    with pytest.raises(settings.SettingsError, match="MAX_ROWS"):
        settings.load(None, {"RECTKG_MAX_ROWS": "many"})


def test_app_sees_an_ingest_made_while_it_serves(tmp_path, qingpu, fengjiang):
    path = build_store(tmp_path / "store", qingpu)
    with serve({"STORE": str(path)}) as url:
        title = fengjiang.report.findings[0].title
        before = requests.get(url + "/search.json", params={"q": title}).json()["hits"]
        assert fengjiang.report.title not in page(url, "/").text
        writer = open_store(str(path))  # as `rectkg ingest` would: the server holds the store
        assert isinstance(writer, HandoffStore)
        writer.replace_graph(fengjiang.graph_iri, fengjiang.graph)
        assert fengjiang.report.title in page(url, "/").text
        after = requests.get(url + "/search.json", params={"q": title}).json()["hits"]
        assert len(after) > len(before)


def test_rectkg_serve_command(web_store):
    server = subprocess.Popen(
        [str(RECTKG), "--store", str(web_store), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert requests.get(url + "queries").status_code == 200
        assert json.loads(requests.get(url + "sparql", params={"query": "ASK { ?s ?p ?o }"}).text)["boolean"] is True
    finally:
        server.terminate()
        _, log = server.communicate(timeout=10)
    assert "GET /queries 200" in log
