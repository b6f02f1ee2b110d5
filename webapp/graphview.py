"""/graph: the graph views — explorer, shared responsibility, finding trace, any CONSTRUCT.

Pages are one template and one script (static/graph.js) drawing with vis-network 9.1.2 as
bundled in the installed pyvis package, served from /graph/vis/ (pyvis's own templates load
Bootstrap or vis-network from CDNs, so they are not used). Data comes from JSON endpoints under
/graph/api/; labels are plain strings and tooltips DOM text, never HTML. No response ever carries
more nodes than the GRAPH_VIEW_MAX_NODES setting: a view that would is refused, or cut to the
cap and said so, before anything is sent.
"""

from __future__ import annotations

import re
from importlib import resources

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph import analytics
from graph.answers import Caps
from ontology import iris
from queries import catalog
from webapp import db, i18n, links, protocol, sparql
from webapp import neighbourhood as hood
from webapp.errors import Refused

bp = Blueprint("graphview", __name__, url_prefix="/graph")
VIS_VERSION = "vis-9.1.2"
MAX_DETAIL_IRIS = 12
IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
LABEL_PREDICATES = (SKOS.prefLabel, DCTERMS.title, RDFS.label, URIRef(iris.RK + "text"))
TYPE_KINDS = {
    iris.RK + "Report": "report",
    iris.RK + "ProblemCategory": "category",
    iris.RK + "ProblemGroup": "group",
    iris.RK + "Finding": "finding",
    iris.RK + "Measure": "measure",
    str(iris.ORG) + "Organization": "department",
    str(iris.ORG) + "OrganizationalUnit": "department",
    iris.RK + "NamedDocument": "document",
    iris.RK + "Quantity": "quantity",
}


# Words of the graph pages, (zh, en); handed to the page and its script as one JSON attribute.
MESSAGES: dict[str, tuple[str, str]] = {
    "explorer": ("图谱探索", "Graph explorer"),
    "shared": ("共同负责网络", "Shared responsibility"),
    "trace": ("问题追踪图", "Finding trace"),
    "construct": ("查询结果图", "Query as a graph"),
    "find": ("查找起点", "Find a start node"),
    "find_placeholder": ("输入部门、问题、措施或文件", "A department, finding, measure or document"),
    "all": ("显示全部", "Show everything"),
    "reset": ("清空", "Clear"),
    "png": ("导出 PNG", "Export PNG"),
    "graphml": ("导出 GraphML", "Export GraphML"),
    "types": ("节点类型", "Node types"),
    "categories": ("问题类别", "Categories"),
    "roles": ("角色", "Roles"),
    "details": ("详情", "Details"),
    "drawn": ("已绘制节点", "Nodes drawn"),
    "visible": ("显示", "visible"),
    "cap": ("上限", "cap"),
    "neighbours": ("邻居", "Neighbours"),
    "evidence": ("证据句", "Evidence"),
    "open_page": ("打开实体页", "Open its page"),
    "shared_findings": ("共同负责的问题", "Findings they share"),
    "open_dossier": ("打开共同负责档案", "Open the pair dossier"),
    "department": ("部门", "Department"),
    "all_departments": ("（全部部门）", "(all departments)"),
    "cap_reached": ("已达节点上限，部分邻居未显示", "Node cap reached; some neighbours are not shown"),
    "hint": ("点击节点展开其邻居，点击连线查看关系", "Click a node to expand it, an edge to see the relation"),
    "weighted_degree": ("加权度", "Weighted degree"),
    "community": ("社区", "Community"),
    "no_hits": ("没有结果", "No results"),
    "query": ("查询", "Query"),
    "show_in_graph": ("在图中显示", "Show in graph"),
    "trace_graph": ("追踪图", "Trace graph"),
    "show_as_graph": ("以图显示", "Show as graph"),
}


@bp.app_template_global("graph_word")
def message(key: str) -> str:
    zh, en = MESSAGES[key]
    return en if i18n.language() == "en" else zh


def cap() -> int:
    return current_app.config["GRAPH_VIEW_MAX_NODES"]


def over_cap(count: int, what: str) -> Refused:
    return Refused(
        413,
        "node-cap",
        f"{what}有 {count} 个节点，超过上限 {cap()}（设置 GRAPH_VIEW_MAX_NODES）。"
        f" {what} has {count} nodes, over the cap of {cap()} (setting GRAPH_VIEW_MAX_NODES).",
    )


@bp.app_template_global()
def drawable(text: str) -> bool:
    """Whether a query's answer is a graph (CONSTRUCT or DESCRIBE), so it can be shown as one."""
    body = protocol._LEXEMES.sub(" ", text)
    words = [w.upper() for w in body.replace("{", " ").split()]
    forms = [w for w in words if w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")]
    return bool(forms) and forms[0] in ("CONSTRUCT", "DESCRIBE")


# Pages ---------------------------------------------------------------------------------------


def _page(view: str, **data: str):
    kinds = {k: {"name": v["en"] if i18n.language() == "en" else v["zh"], **v} for k, v in hood.KINDS.items()}
    words = {key: message(key) for key in MESSAGES}
    roles = {name: i18n.term_label(iris.RK + name) for name in ("lead", "partner", "target", "mentioned")}
    return render_template("graph.html", view=view, kinds=kinds, cap=cap(), data=data, words=words, roles=roles)


@bp.get("/")
def explorer():
    return _page("explorer", start=request.args.get("start", ""))


@bp.get("/shared")
def shared():
    return _page("shared", department=request.args.get("department", ""))


@bp.get("/trace")
def trace():
    finding = request.args.get("finding", "")
    if not finding:
        abort(400, description="name a finding: /graph/trace?finding=IRI")
    return _page("trace", finding=finding)


@bp.get("/construct")
def construct():
    return _page("construct", query=request.args.get("query", ""), saved=request.args.get("saved", ""))


@bp.get("/vis/<path:name>")
def vis_asset(name: str):
    """vis-network's script and stylesheet, from the installed pyvis package (no CDN)."""
    folder = resources.files("pyvis") / "lib" / VIS_VERSION
    return send_from_directory(str(folder), name, max_age=3600)


# Explorer data -------------------------------------------------------------------------------


def _known(index: hood.Index, node: str) -> str:
    if node not in index.kind:
        abort(404, description=f"nothing drawable in the graph is called <{node}>")
    return node


@bp.get("/api/node")
def node():
    index = hood.current()
    return jsonify({"nodes": [hood.node_json(index, _known(index, request.args.get("iri", "")))], "edges": []})


@bp.get("/api/expand")
def expand():
    """A node's neighbours and the edges to them, within what the page may still draw.

    `have` is how many nodes the page already draws; neighbours beyond the cap are left out and
    the answer says how many, so the page can tell the user instead of freezing."""
    index = hood.current()
    centre = _known(index, request.args.get("iri", ""))
    try:
        have = max(0, int(request.args.get("have", "0")))
    except ValueError:
        abort(400, description="have must be a whole number")
    neighbours = sorted(index.neighbours(centre).items(), key=lambda item: (index.kind[item[0]], item[0]))
    room = max(0, cap() - have)
    shipped = neighbours[:room]
    return jsonify(
        {
            "nodes": [hood.node_json(index, other) for other, _ in shipped],
            "edges": [hood.edge_json(e) for _, edges in shipped for e in edges],
            "total": len(neighbours),
            "left_out": len(neighbours) - len(shipped),
            "cap": cap(),
        }
    )


@bp.get("/api/all")
def everything():
    index = hood.current()
    if len(index) > cap():
        raise over_cap(len(index), "整个图 The whole graph ")
    seen: dict[str, dict] = {}
    for edges in index.edges.values():
        for edge in edges:
            seen.setdefault(edge.id, hood.edge_json(edge))
    return jsonify({"nodes": [hood.node_json(index, n) for n in sorted(index.kind)], "edges": list(seen.values())})


@bp.get("/api/details")
def details():
    """Evidence sentences for a clicked node and the edges drawn around it (at most a dozen IRIs)."""
    wanted = request.args.getlist("iri")[:MAX_DETAIL_IRIS]
    return jsonify({iri: hood.evidence(iri) for iri in wanted if IRI.fullmatch(iri)})


@bp.get("/api/trace")
def trace_data():
    """A finding → its measures → departments (by role) and documents (by action)."""
    index = hood.current()
    finding = _known(index, request.args.get("finding", ""))
    if index.kind[finding] != "finding":
        abort(400, description=f"<{finding}> is not a finding")
    nodes, edges = {finding}, {}
    for measure, joins in index.neighbours(finding).items():
        if index.kind[measure] != "measure":
            continue
        nodes.add(measure)
        edges.update({e.id: e for e in joins})
        for other, more in index.neighbours(measure).items():
            if index.kind[other] in ("department", "document"):
                nodes.add(other)
                edges.update({e.id: e for e in more})
    if len(nodes) > cap():
        raise over_cap(len(nodes), "该问题的追踪图 The trace ")
    return jsonify(
        {
            "nodes": [hood.node_json(index, n) for n in sorted(nodes)],
            "edges": [hood.edge_json(e) for e in edges.values()],
        }
    )


# Shared responsibility -----------------------------------------------------------------------


def analysis() -> analytics.Analysis:
    """The responsibility analysis of the store as it is now (recomputed after it was reopened)."""
    return db.cached("analysis", analytics.analyse)


@bp.get("/api/shared")
def shared_data():
    """Departments that share findings (sized by weighted degree, coloured by community) and the
    findings each pair shares; with `department`, only it and its partners."""
    found = analysis()
    sharing = found.sharing
    chosen = request.args.get("department", "")
    if chosen:
        try:
            centre = found.find_department(chosen)
        except analytics.AnalyticsError as error:
            abort(404, description=str(error))
        sharing = sharing.subgraph([centre, *sharing[centre]]) if centre in sharing else sharing.subgraph([centre])
    if sharing.number_of_nodes() > cap():
        raise over_cap(sharing.number_of_nodes(), "共同负责网络 The shared-responsibility network ")
    strength = dict(sharing.degree(weight="findings"))
    community = found.community_of
    bipartite = found.bipartite.nodes
    nodes = [
        {
            "id": n,
            "kind": "department",
            "label": found.label(n),
            "weighted_degree": strength[n],
            "community": community.get(n, 0),
            "url": links.entity_url(n),
        }
        for n in sorted(sharing)
    ]
    edges = [
        {
            "id": f"{a} {b}",
            "from": a,
            "to": b,
            "findings": data["findings"],
            "measures": data["measures"],
            "dossier": url_for("shared.pair", a=found.label(a), b=found.label(b)),
            "shared": [
                {
                    "iri": f,
                    "number": bipartite[f].get("number", ""),
                    "title": bipartite[f]["label"],
                    "report": bipartite[f].get("report", ""),
                    "url": links.entity_url(f),
                }
                for f in data["shared"]
            ],
        }
        for a, b, data in sorted(sharing.edges(data=True))
    ]
    departments = sorted(({"id": n, "label": found.label(n)} for n in found.sharing), key=lambda d: d["label"])
    return jsonify({"nodes": nodes, "edges": edges, "departments": departments})


# CONSTRUCT -----------------------------------------------------------------------------------


@bp.get("/api/construct")
def construct_data():
    """The graph a CONSTRUCT/DESCRIBE (typed in the editor, or a saved query) answers."""
    limit = current_app.config["MAX_GRAPH_NODES"]
    saved = request.args.get("saved", "")
    if saved:
        if saved not in catalog.saved_queries():
            abort(404, description=f"no saved query {saved!r}")
        query = catalog.get(saved)
        values = {p.name: request.args[p.name] for p in query.params if request.args.get(p.name)}
        answer = db.run(lambda store: store.construct(query.text, query.bindings(values)))
    else:
        answer = _visitors_graph(limit)
    if getattr(answer, "truncated", False) or len(answer) > limit:
        raise Refused(413, "too-many-triples", f"the answer has more than {limit} triples (setting MAX_GRAPH_NODES)")
    return jsonify(_triples_as_view(answer))


def _visitors_graph(limit: int) -> Graph:
    """The graph of a query typed in the editor: free query text, so run as the /sparql endpoint runs
    it (its workers, per-client limits, the byte cap), never on the pages' workers."""
    parsed = protocol.parse(request)
    if parsed is None:
        abort(400, description="give a CONSTRUCT query: /graph/api/construct?query=…")
    if protocol.form(parsed) not in ("CONSTRUCT", "DESCRIBE"):
        abort(400, description="only CONSTRUCT and DESCRIBE answers are graphs; this query gives a table")
    caps = Caps(triples=limit, bytes=current_app.config["MAX_RESULT_BYTES"])
    answer, ticket = sparql.admitted_answer(parsed, "ntriples", caps)
    try:
        graph = Graph().parse(data=b"".join(answer.chunks()), format="nt")
    finally:
        answer.close()
        ticket.release()
    graph.truncated = answer.written.truncated  # type: ignore[attr-defined]
    return graph


def _triples_as_view(answer: Graph) -> dict:
    """Resources become nodes typed by rdf:type and labelled by their label in the answer (else
    the explorer's label, else the IRI's last part); literals become the node's properties."""
    index = hood.current()
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    properties: dict[str, list[list[str]]] = {}
    edges = []
    nodes: set[str] = set()
    for s, p, o in sorted(answer):
        subject = str(s)
        nodes.add(subject)
        if p == RDF.type:
            kinds.setdefault(subject, TYPE_KINDS.get(str(o), ""))
        elif isinstance(o, Literal):
            if p in LABEL_PREDICATES and subject not in labels:
                labels[subject] = str(o)
            properties.setdefault(subject, []).append([i18n.term_label(str(p)), str(o)])
        elif isinstance(o, URIRef | BNode):
            nodes.add(str(o))
            edges.append(
                {"id": f"{s} {p} {o}", "from": subject, "to": str(o), "role": "part", "label": i18n.term_label(str(p))}
            )
    if len(nodes) > cap():
        raise over_cap(len(nodes), "该查询结果 The answer ")
    out = []
    for n in sorted(nodes):
        kind = kinds.get(n) or index.kind.get(n, "")
        label = labels.get(n) or index.label.get(n) or n.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        out.append(
            {
                "id": n,
                "kind": kind or "other",
                "label": label,
                "properties": properties.get(n, []),
                "url": links.entity_url(n),
            }
        )
    return {"nodes": out, "edges": edges}
