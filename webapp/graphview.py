"""/graph: the graph views — explorer, shared responsibility, finding trace, any CONSTRUCT.

Pages are one template and one script (static/graph.js) drawing with vis-network 9.1.2 as
bundled in the installed pyvis package, served from /graph/vis/ (pyvis's own templates load
Bootstrap or vis-network from CDNs, so they are not used). Data comes from JSON endpoints under
/graph/api/; labels are plain strings and tooltips DOM text, never HTML. No response ever carries
more nodes than the GRAPH_VIEW_MAX_NODES setting: a view that would is refused, or cut to the
cap and said so, before anything is sent.
"""

from __future__ import annotations

import heapq
import re
from importlib import resources

import networkx as nx
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph import analytics
from graph.answers import Caps
from graph.store import Store
from ontology import iris
from queries import catalog
from webapp import around, db, i18n, links, network, protocol, sparql
from webapp import neighbourhood as hood
from webapp import sharedpicture as picture
from webapp.errors import Refused

bp = Blueprint("graphview", __name__, url_prefix="/graph")
VIS_VERSION = "vis-9.1.2"
MAX_DETAIL_IRIS = 12
ROLES = ("lead", "partner", "target", "mentioned")
# Colours of the shared network's communities (clusters), in community order; the page and the
# dashboard's picture draw with the same list.
COMMUNITY_COLOURS = (
    "#2e8b57",
    "#3c78d8",
    "#d64545",
    "#b5651d",
    "#8e44ad",
    "#16a085",
    "#d9a441",
    "#7f8c8d",
    "#c0392b",
    "#2c3e50",
)
# What the shared network's "departments drawn at most" offers (those up to GRAPH_VIEW_MAX_NODES,
# and the GRAPH_SHARED_TOP setting).
SHARED_TOP_CHOICES = (50, 100, 200, 500, 1000)
EXPORTS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}
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
# `{n}`-style fields are filled in by the script; no word names a setting, a shape or an option.
MESSAGES: dict[str, tuple[str, str]] = {
    "graph": ("关系图", "Graph"),
    "explorer": ("图谱探索", "Graph explorer"),
    "shared": ("共同负责网络", "Shared responsibility"),
    "trace": ("问题追踪图", "Finding trace"),
    "construct": ("查询结果图", "Query as a graph"),
    "find": ("查找起点", "Find a start node"),
    "find_placeholder": ("输入部门、问题、措施或文件", "A department, finding, measure or document"),
    "all": ("显示全部", "Show everything"),
    "reset": ("清空", "Clear"),
    "png": ("导出图片 PNG", "Export PNG"),
    "graphml": ("导出 GraphML", "Export GraphML"),
    "gexf": ("导出 GEXF", "Export GEXF"),
    "exports": ("导出当前所见", "Export what is shown"),
    "types": ("节点类型", "Node types"),
    "categories": ("问题类别", "Categories"),
    "roles": ("部门角色", "Department roles"),
    "filters": ("筛选", "Filters"),
    "start": ("起点", "Start"),
    "colon": ("：", ": "),
    "and": ("、", ", "),
    "hidden": ("不显示", "Not shown"),
    "legend": ("图例", "Legend"),
    "details": ("详情", "Details"),
    "drawn": (
        "已绘制 {nodes} 个节点（显示 {visible} 个），上限 {cap} 个",
        "Nodes drawn: {nodes} ({visible} shown), at most {cap}",
    ),
    "neighbours": ("邻居", "Neighbours"),
    "evidence": ("证据句", "Evidence"),
    "open_page": ("打开实体页", "Open its page"),
    "shared_findings": ("共同负责的问题", "Findings they share"),
    "open_dossier": ("打开共同负责档案", "Open the pair dossier"),
    "department": ("部门", "Department"),
    "all_departments": ("（全部部门）", "(all departments)"),
    "report": ("通报", "Report"),
    "all_reports": ("（全部通报）", "(all reports)"),
    "place": ("地区", "Place"),
    "all_places": ("（全部地区）", "(all places)"),
    "role_both": ("所选部门（未选时任一方）的角色", "Role of the chosen department (or of either)"),
    "all_roles": ("（任意角色）", "(any role)"),
    "least": ("至少共同负责的问题数", "At least this many shared findings"),
    "top": ("最多绘制的部门数", "Departments drawn at most"),
    "shared_cut": (
        "共有 {total} 个部门共同负责问题：只绘制了共同负责问题最多的 {shown} 个，另有 {nodes} 个部门、"
        "{edges} 条连线未绘制；可选择部门、提高最少共同问题数或多绘制一些",
        "{total} departments share findings: the {shown} sharing the most are drawn; {nodes} departments and"
        " {edges} edges are not. Choose a department, raise the least number of shared findings or draw more",
    ),
    "stale": (
        "此网络尚未计入最近写入的通报，正在更新，请稍后刷新",
        "This network does not count the reports written last yet: it is being updated, reload in a while",
    ),
    "top_drawn": ("共同负责问题最多的 {n} 个部门", "The {n} departments sharing the most"),
    "cap_reached": (
        "已达节点上限（{cap} 个）：{left} 个邻居未绘制",
        "Node cap ({cap}) reached: {left} neighbours not drawn",
    ),
    "more": (
        "已显示 {shown} 个邻居（共 {total} 个）：再次点击该节点显示后面的 {left} 个中的一部分",
        "{shown} of {total} neighbours shown; click the node again for more of the {left} left",
    ),
    "cap_full": ("已达节点上限（{cap} 个），不能再展开", "Node cap ({cap}) reached; nothing more can be expanded"),
    "cut_all": (
        "全图有 {total} 个节点，超过上限 {cap} 个：只绘制了连接最多的 {cap} 个，"
        "另有 {nodes} 个节点、{edges} 条连线未绘制",
        "The whole graph has {total} nodes, over the cap of {cap}: the {cap} most connected are drawn; {nodes} nodes"
        " and {edges} edges are not",
    ),
    "over_cap": (
        "此图有 {count} 个节点，超过上限 {cap} 个，未绘制；请选择部门、通报或提高最少共同问题数",
        "This graph has {count} nodes, over the cap of {cap}, and is not drawn; choose a department or a report, or"
        " raise the least number of shared findings",
    ),
    "hint": ("点击节点展开其邻居，点击连线查看关系", "Click a node to expand it, an edge to see the relation"),
    "shared_hint": (
        "点击部门只看它和合作部门，点击连线查看共同负责的问题",
        "Click a department to see it and its partners, an edge for the findings they share",
    ),
    "details_hint": ("点击节点或连线查看详情和证据句", "Click a node or an edge for its details and evidence"),
    "weighted_degree": ("共同负责问题总数", "Shared findings in all"),
    "community": ("群组", "Cluster"),
    "size_means": (
        "圆越大，与其他部门共同负责的问题越多",
        "The larger the circle, the more findings shared with others",
    ),
    "colour_means": (
        "同一颜色为经常一起负责的部门群组",
        "One colour: a cluster of departments that often share findings",
    ),
    "width_means": ("连线上的数字：两部门共同负责的问题数", "The number on an edge: findings the two share"),
    "chosen": ("所选部门（粗边框）", "The chosen department (thick border)"),
    "expanded_means": ("粗边框：已展开的节点", "Thick border: a node already expanded"),
    "structure": ("结构（通报—类别—问题组—问题—措施）", "Structure (report, category, group, finding, measure)"),
    "cites": ("引用文件", "Cites a document"),
    "no_hits": ("没有结果", "No results"),
    "not_found": ("图中找不到这个节点或部门", "Nothing in the graph goes by that name"),
    "nothing_shared": ("按当前筛选没有部门共同负责问题", "No departments share findings under these filters"),
    "query": ("查询", "Query"),
    "show_in_graph": ("在图中显示", "Show in graph"),
    "trace_graph": ("追踪图", "Trace graph"),
    "show_as_graph": ("以图显示", "Show as graph"),
    "picture_alt": ("共同负责网络：共同负责问题最多的部门", "Shared responsibility: the departments that share most"),
    "picture_more": ("打开共同负责网络 →", "Open the shared-responsibility network →"),
}


@bp.app_template_global("graph_word")
def message(key: str) -> str:
    zh, en = MESSAGES[key]
    return en if i18n.language() == "en" else zh


def cap() -> int:
    return current_app.config["GRAPH_VIEW_MAX_NODES"]


def over_cap(count: int, what: str) -> Refused:
    """The refusal names the setting for whoever runs the app; `count` and `cap` let the page say
    it in the visitor's language without it."""
    return Refused(
        413,
        "node-cap",
        f"{what}有 {count} 个节点，超过上限 {cap()}（设置 GRAPH_VIEW_MAX_NODES）。"
        f" {what} has {count} nodes, over the cap of {cap()} (setting GRAPH_VIEW_MAX_NODES).",
        count=count,
        cap=cap(),
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
    roles = {name: i18n.term_label(iris.RK + name) for name in ROLES}
    top = min(current_app.config["GRAPH_SHARED_TOP"], cap())
    return render_template(
        "graph.html",
        view=view,
        kinds=kinds,
        cap=cap(),
        data=data,
        words=words,
        roles=roles,
        palette=COMMUNITY_COLOURS,
        top=top,
        top_choices=sorted({n for n in SHARED_TOP_CHOICES if n <= cap()} | {top}),
    )


@bp.get("/")
def explorer():
    """Opens on `start`, else on the department sharing the most findings: a first visit shows
    something to click, not an empty canvas (`start=` left empty, as "clear" leaves it, is empty)."""
    return _page("explorer", start=request.args["start"] if "start" in request.args else most_shared())


# Each department's findings shared with others, summed over the pair nodes every write keeps
# (graph/aggregates.py): the same weighted degree as the analysis's sharing network, without it.
STRENGTH = f"""
SELECT ?member (SUM(?findings) AS ?strength) WHERE {{ GRAPH <{iris.AGGREGATES}> {{
  ?pair rk:pairMember ?member ; rk:pairFindings ?findings }} }}
GROUP BY ?member ORDER BY DESC(?strength)"""
STRONGEST_LABELS = """SELECT ?member ?label WHERE { VALUES ?member { %s } ?member skos:prefLabel ?label }"""


def most_shared(fresh: bool = False) -> str:
    """The department with the most findings shared with others (by name on a tie); none if
    nothing is shared. Read from the pair nodes, not the analysis (a whole-graph read).

    Only where the explorer opens hangs on it, so a visit right after a write is given the one
    found before it (unless `fresh`) while the warm-up finds the new one: summing the pairs took
    1 s at a thousand reports beside the warm-up's own work."""
    kept = current_app.extensions.get("rectkg.cache.mostshared")
    if kept is not None and not fresh:
        if kept[0] != db.generation():  # written since (by another process too): warm up anew
            current_app.extensions["rectkg.warm"].poke()
        return kept[1]
    return db.cached("mostshared", _most_shared)


def warm_explorer() -> None:
    """Read the explorer's start (its summary and its edges) for the store as it is now, so the
    first visit after a write finds them kept (the warm-up, webapp/warm.py)."""
    start = most_shared(fresh=True)
    if start:
        db.run_whole(
            lambda store: (
                around.describe(store, {start: "department"}),
                around.wide_links(store, start, "department"),
            )
        )


def _most_shared(store: Store) -> str:
    rows = store.select(iris.sparql_prefixes() + STRENGTH).rows
    if not rows:
        return ""
    top = [r["member"].value for r in rows if r["strength"].value == rows[0]["strength"].value]
    values = " ".join(f"<{m}>" for m in top)
    labels: dict[str, list] = {}
    for r in store.select(iris.sparql_prefixes() + STRONGEST_LABELS % values).rows:
        labels.setdefault(r["member"].value, []).append(r["label"])
    return min(top, key=lambda n: (_preferred(labels.get(n, [])), n))


def _preferred(labels: list) -> str:
    """The label the analysis names a department by: Chinese (or untagged) first, else English."""
    ordered = sorted(labels, key=lambda t: (t.lang or "", t.value))
    zh = [t.value for t in ordered if (t.lang or "zh").split("-")[0] == "zh"]
    en = [t.value for t in ordered if (t.lang or "").split("-")[0] == "en"]
    return (zh or en or [t.value for t in ordered] or [""])[0]


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


def _kind(store: Store, node: str) -> str:
    kind = around.kind_of(store, node)
    if kind is None:
        abort(404, description=f"nothing drawable in the graph is called <{node}>")
    return kind


def _whole(name: str, default: int = 0, least: int = 0) -> int:
    """The request's whole number `name` (`default` when absent or empty), at least `least`."""
    try:
        return max(least, int(request.args.get(name) or default))
    except ValueError:
        abort(400, description=f"{name} must be a whole number")


@bp.get("/api/node")
def node():
    """One node as the page draws it, read around it (never the whole graph)."""
    iri = request.args.get("iri", "")
    found = db.run(lambda store: around.describe(store, {iri: _kind(store, iri)}))
    return jsonify({"nodes": [hood.summary_json(found[iri])], "edges": []})


@bp.get("/api/expand")
def expand():
    """A node's neighbours and the edges to them, a page at a time, read around the node.

    `have` is how many nodes the page already draws, `offset` how many of this node's neighbours
    it has (in kind, then IRI order). At most GRAPH_EXPAND_PAGE neighbours come, and never more
    than the cap leaves room for; `total`, `left_out` (not drawn after this answer) and `next`
    (the offset of the next page, null at the end) let the page say so and ask for more."""
    centre, have, offset = request.args.get("iri", ""), _whole("have"), _whole("offset")
    room = max(0, min(cap() - have, current_app.config["GRAPH_EXPAND_PAGE"]))

    Joins = list[tuple[str, list[around.Link]]]

    def read(store: Store) -> tuple[int, Joins, dict[str, around.Node]]:
        joins: dict[str, list[around.Link]] = {}
        for link in around.wide_links(store, centre, _kind(store, centre)):
            joins.setdefault(link.other, []).append(link)
        neighbours = sorted(joins.items(), key=lambda item: (item[1][0].kind, item[0]))
        shipped = neighbours[offset : offset + room]
        return len(neighbours), shipped, around.describe(store, {other: found[0].kind for other, found in shipped})

    total, shipped, found = db.run_whole(read)  # a hub may have more edges than a table has rows
    after = offset + len(shipped)
    return jsonify(
        {
            "nodes": [hood.summary_json(found[other]) for other, _ in shipped],
            "edges": [hood.edge_json(hood.link_edge(centre, link)) for _, joins in shipped for link in joins],
            "total": total,
            "left_out": total - after,
            "next": after if after < total else None,
            "cap": cap(),
        }
    )


@bp.get("/api/all")
def everything():
    """Every node and edge. Over the cap it is refused, unless `cut=1` (the page's "show all"):
    then the `cap` most connected nodes and the edges among them, and how many of each are not
    drawn, so the page can say what was cut."""
    index = hood.current()
    kept: list[str] = sorted(index.kind)
    if len(index) > cap():
        if request.args.get("cut") != "1":
            raise over_cap(len(index), "整个图 The whole graph ")
        kept = sorted(heapq.nsmallest(cap(), index.kind, key=lambda n: (-len(index.edges.get(n, ())), n)))
    drawn = set(kept)
    every: dict[str, hood.Edge] = {e.id: e for edges in index.edges.values() for e in edges}
    shown = [hood.edge_json(e) for e in every.values() if e.a in drawn and e.b in drawn]
    return jsonify(
        {
            "nodes": [hood.node_json(index, n) for n in kept],
            "edges": shown,
            "total": len(index),
            "left_out": {"nodes": len(index) - len(kept), "edges": len(every) - len(shown)},
        }
    )


@bp.get("/api/details")
def details():
    """Evidence sentences for a clicked node and the edges drawn around it (at most a dozen IRIs)."""
    wanted = request.args.getlist("iri")[:MAX_DETAIL_IRIS]
    return jsonify({iri: hood.evidence(iri) for iri in wanted if IRI.fullmatch(iri)})


@bp.get("/api/trace")
def trace_data():
    """A finding → its measures → departments (by role) and documents (by action), read around it."""
    finding = request.args.get("finding", "")

    def read(store: Store) -> tuple[dict[str, str], dict[str, hood.Edge], dict[str, around.Node]]:
        if _kind(store, finding) != "finding":
            abort(400, description=f"<{finding}> is not a finding")
        nodes, edges = {finding: "finding"}, {}
        for step in around.links(store, finding, "finding"):
            if step.kind != "measure":
                continue
            nodes[step.other] = "measure"
            joined = [hood.link_edge(finding, step)]
            for far in around.links(store, step.other, "measure"):
                if far.kind in ("department", "document"):
                    nodes[far.other] = far.kind
                    joined.append(hood.link_edge(step.other, far))
            edges.update({e.id: e for e in joined})
        if len(nodes) > cap():
            raise over_cap(len(nodes), "该问题的追踪图 The trace ")
        return nodes, edges, around.describe(store, nodes)

    nodes, edges, found = db.run_whole(read)
    return jsonify(
        {
            "nodes": [hood.summary_json(found[n]) for n in sorted(nodes)],
            "edges": [hood.edge_json(e) for e in edges.values()],
        }
    )


# Shared responsibility -----------------------------------------------------------------------


def _filters() -> network.Filters:
    """The shared network's filters from the request, or a 400 saying which one is wrong."""
    args = request.args
    least, top = _whole("min", 1, 1), _whole("top", current_app.config["GRAPH_SHARED_TOP"], 1)
    role = args.get("role", "")
    if role and role not in network.SHARING_ROLES:
        abort(400, description=f"role must be one of: {', '.join(network.SHARING_ROLES)}")
    return network.Filters(
        args.get("department", ""), args.get("report", ""), args.get("place", ""), role, least, min(top, cap())
    )


def _centre(found: analytics.Analysis, filters: network.Filters) -> str:
    """The chosen department's IRI, or a 404 naming it; none chosen, empty."""
    try:
        return found.find_department(filters.department) if filters.department else ""
    except analytics.AnalyticsError as error:
        abort(404, description=str(error))


@bp.get("/api/shared")
def shared_data():
    """Departments that share findings (sized by weighted degree, coloured by community) and how
    many findings each pair shares, over the findings of `report` and `place` only (and with
    `role`, only those the chosen department, or else either of the two, leads or partners on),
    pairs sharing at least `min`; with `department`, only it (marked `centre`) and its partners.
    Only the `top` departments sharing the most are drawn (a province's corpus has thousands); how
    many were left out, whether the network predates the latest write (`stale`) and the filters'
    choices come along, so the page can say all three."""
    (shared, stale), filters = network.current(), _filters()
    found = shared.found
    centre = _centre(found, filters)
    sharing = network.filtered(shared, filters, centre)
    if centre:
        sharing = sharing.subgraph([centre, *sharing[centre]]) if centre in sharing else _alone(centre)
    drawn = network.most_sharing(sharing, filters.top, centre)
    community = found.community_of
    return jsonify(
        {
            "nodes": [_shared_node(found, sharing, n, community, centre) for n in sorted(drawn)],
            "edges": sorted(
                (_shared_edge(found, *sorted((a, b)), data) for a, b, data in drawn.edges(data=True)),
                key=lambda e: e["id"],
            ),
            "total": sharing.number_of_nodes(),
            "left_out": {
                "nodes": sharing.number_of_nodes() - drawn.number_of_nodes(),
                "edges": sharing.number_of_edges() - drawn.number_of_edges(),
            },
            "stale": stale,
            **shared.choices,
        }
    )


@bp.get("/api/shared/edge")
def shared_edge():
    """The findings two departments (`a`, `b`: IRIs) share under the network's filters, as the
    clicked edge lists them: the network itself carries only counts (the busiest pairs share
    hundreds of findings at a thousand reports)."""
    (shared, _stale), filters = network.current(), _filters()
    found = shared.found
    centre, pair = _centre(found, filters), (request.args.get("a", ""), request.args.get("b", ""))
    if not found.sharing.has_edge(*pair):
        abort(404, description="these two departments share no finding")
    kept = [f for f in found.sharing.edges[pair]["shared"] if filters.keeps(shared.where, f, pair, centre)]
    described = db.run(lambda store: analytics.describe(store, kept))
    return jsonify(
        [
            {
                "iri": f,
                "number": described[f].get("number", ""),
                "title": described[f]["label"],
                "report": described[f].get("report", ""),
                "url": links.entity_url(f),
            }
            for f in kept
        ]
    )


def _alone(node: str) -> nx.Graph:
    """A chosen department that shares nothing under the filters is still drawn, on its own."""
    graph = nx.Graph()
    graph.add_node(node)
    return graph


def _shared_node(found: analytics.Analysis, sharing: nx.Graph, node: str, community: dict, centre: str) -> dict:
    return {
        "id": node,
        "kind": "department",
        "label": found.label(node),
        "weighted_degree": sharing.degree(node, weight="findings"),
        "community": community.get(node, 0),
        "centre": node == centre,
        "url": links.entity_url(node),
    }


def _shared_edge(found: analytics.Analysis, a: str, b: str, data: dict) -> dict:
    return {
        "id": f"{a} {b}",
        "from": a,
        "to": b,
        "findings": data["findings"],
        "measures": data["measures"],
        "dossier": url_for("shared.pair", a=found.label(a), b=found.label(b)),
    }


# Export and picture -------------------------------------------------------------------------

NODE_FIELDS = ("label", "kind", "url", "community", "weighted_degree")
EDGE_FIELDS = ("label", "role", "findings")


@bp.post("/api/export.<fmt>")
def export(fmt: str):
    """GraphML or GEXF of exactly what the page shows: the page posts the nodes and edges it draws
    after its filters, and networkx writes them (the writers `rectkg analyze` uses), so no
    client-side XML writer can drift from the standard."""
    if fmt not in EXPORTS:
        abort(404, description=f"export as one of: {', '.join(EXPORTS)}")
    shown = request.get_json(silent=True) or {}
    nodes, edges = shown.get("nodes", []), shown.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        abort(400, description='post {"nodes": [...], "edges": [...]} as the page draws them')
    if len(nodes) > cap():
        raise over_cap(len(nodes), "导出的图 The export ")
    graph = nx.MultiGraph()
    for node in nodes:
        graph.add_node(str(node.get("id")), **_scalars(node, NODE_FIELDS))
    for edge in edges:
        if edge.get("from") in graph and edge.get("to") in graph:
            graph.add_edge(edge["from"], edge["to"], key=str(edge.get("id")), **_scalars(edge, EDGE_FIELDS))
    view = re.sub(r"[^a-z]", "", str(shown.get("view", ""))) or "graph"
    return Response(
        analytics.serialise(graph, fmt),
        mimetype=EXPORTS[fmt],
        headers={"Content-Disposition": f"attachment; filename=rectkg-{view}.{fmt}"},
    )


def _scalars(item: dict, fields: tuple[str, ...]) -> dict[str, str | int | float]:
    """The fields GraphML and GEXF can hold (text and numbers), without empty ones."""
    return {k: item[k] for k in fields if isinstance(item.get(k), str | int | float) and item[k] != ""}


@bp.get("/shared.svg")
def shared_picture():
    """The top of the shared-responsibility network as a small SVG drawn here, for the dashboard."""
    svg = picture.draw(network.current()[0].found, COMMUNITY_COLOURS, message("picture_alt"))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


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
        answer = visitors_graph(limit)
    if getattr(answer, "truncated", False) or len(answer) > limit:
        raise Refused(413, "too-many-triples", f"the answer has more than {limit} triples (setting MAX_GRAPH_NODES)")
    return jsonify(_triples_as_view(answer))


def visitors_graph(limit: int) -> Graph:
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
