"""Interface language (Chinese by default, English on ?lang=en) and labels for RDF terms.

Words of the interface live in MESSAGES; labels of classes, properties and roles come from the
ontology's own rdfs:label/skos:prefLabel in each language, so the pages say what the ontology says.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from urllib.parse import quote, urlencode

from flask import current_app, request
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

from webapp import links

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("整改知识图谱", "Rectification knowledge graph"),
    "compare": ("通报并列对比", "Reports side by side"),
    "compare_nav": ("对比", "Compare"),
    "compare_pick": ("选择两份或更多通报（最多六份）", "Choose two or more reports (six at most)"),
    "compare_run": ("对比", "Compare"),
    "compare_these": ("并列对比这些通报 →", "Compare these reports side by side →"),
    "compare_overview": ("概况：所称与计数", "Overview: claims beside counts"),
    "compare_measure": ("项目", "Item"),
    "compare_categories": ("各类别的问题数", "Findings per category"),
    "compare_categories_hint": ("按类别在通报中首次出现的顺序排列。", "Categories in the order they first appear."),
    "compare_category": ("问题类别", "Category"),
    "compare_no_category": ("（未分类）", "(no category)"),
    "compare_departments": ("涉及的部门及角色", "Departments involved, and how"),
    "compare_departments_hint": (
        "每格为该部门在这份通报中以各角色涉及的问题数；涉及通报最多的部门在前。泛称机构和发布单位的内设机构不计。",
        "Each cell: the findings the department is involved in, by role; departments in most reports first. "
        "Generic bodies and the issuer's internal units are left out.",
    ),
    "compare_department": ("部门", "Department"),
    "compare_documents": ("共同引用的文件", "Documents cited by several reports"),
    "compare_documents_hint": (
        "两份及以上通报引用的文件；每格为引用它的整改措施数。",
        "Cited by two or more; each cell counts the measures citing it.",
    ),
    "compare_document": ("文件", "Document"),
    "compare_recurring": ("反复出现的问题", "Problems that recur"),
    "compare_finding": ("问题", "Finding"),
    "compare_alike": ("另一份通报中相似的问题", "The alike finding in another report"),
    "compare_score": ("相似度", "Similarity"),
    "compare_none": ("无。", "None."),
    "compare_unknown": ("没有这份通报：", "No such report: "),
    "compare_too_many": ("一次最多对比 {} 份通报", "At most {} reports side by side"),
    "dashboard": ("概览", "Dashboard"),
    "queries": ("保存的查询", "Saved queries"),
    "editor": ("SPARQL 编辑器", "SPARQL editor"),
    "search": ("搜索", "Search"),
    "search_placeholder": ("搜索问题、措施、部门、文件", "Search findings, measures, departments, documents"),
    "reports": ("已载入的通报", "Loaded reports"),
    "issuer": ("发布单位", "Issuer"),
    "inspector": ("巡察组", "Inspector"),
    "inspection": ("巡察时间", "Inspection"),
    "published": ("发布日期", "Published"),
    "status_date": ("截至日期", "Status as of"),
    "findings": ("问题", "Findings"),
    "measures": ("整改措施", "Measures"),
    "claims": ("通报所称与实际计数", "Claims beside counts"),
    "claimed": ("通报所称", "Claimed"),
    "counted": ("图谱计数", "Counted"),
    "mismatch": ("不一致", "mismatch"),
    "shared_top": ("共同负责最多的部门", "Most shared departments"),
    "all_pairs": ("全部部门对", "All pairs"),
    "run": ("运行", "Run"),
    "download": ("下载", "Download"),
    "open_in_editor": ("在编辑器中打开", "Open in editor"),
    "parameters": ("参数", "Parameters"),
    "no_parameters": ("无参数", "No parameters"),
    "any": ("（全部）", "(any)"),
    "results": ("结果", "Results"),
    "truncated": ("结果已截断，上限", "Results cut short at the limit of"),
    "no_results": ("没有结果", "No results"),
    "category": ("问题类别", "Category"),
    "group": ("问题组", "Group"),
    "report": ("通报", "Report"),
    "departments": ("部门及角色", "Departments and roles"),
    "documents": ("文件", "Documents"),
    "quantities": ("数量", "Quantities"),
    "evidence": ("原文与证据", "Source text and evidence"),
    "evidence_elsewhere": ("原文其他位置的证据", "Evidence elsewhere in the report"),
    "aliases": ("别名", "Aliases"),
    "partners": ("共同负责的部门", "Partners"),
    "findings_by_role": ("按角色列出的问题", "Findings by role"),
    "show_more": ("显示更多", "Show more"),
    "in_dossier": ("见共同负责档案", "In the pair dossier"),
    "shown_of": ("显示前 {shown} 个，共 {total} 个", "The first {shown} of {total}"),
    "cited_by": ("引用该文件的措施", "Measures citing it"),
    "action": ("动作", "Action"),
    "tree": ("类别、问题组与问题", "Categories, groups and findings"),
    "properties": ("属性", "Properties"),
    "referenced_by": ("被引用", "Referenced by"),
    "shared_findings": ("共同负责的问题", "Findings they share"),
    "formats": ("其他格式", "Other formats"),
    "document_number": ("文号", "Reference number"),
    "describe_in_editor": ("在 SPARQL 编辑器中查询本页", "Query this page in the SPARQL editor"),
    "query": ("查询", "Query"),
    "kind": ("类型", "Kind"),
    "hits": ("条结果", "hits"),
    "number": ("编号", "Number"),
    "title": ("标题", "Title"),
    "role": ("角色", "Role"),
    "count": ("次数", "Count"),
    "filter_departments": ("输入部门名称筛选", "Type to filter departments"),
    "type_departments": ("输入部门名称或别名", "Type a department's name or alias"),
    "metadata": ("基本信息", "Metadata"),
    "dossier": ("共同负责档案", "Pair dossier"),
    "department_a": ("部门甲", "Department A"),
    "department_b": ("部门乙", "Department B"),
    "print": ("打印", "Print"),
    "show_all_to_print": ("全部显示（打印前）", "Show them all (to print)"),
    "legend": ("高亮说明", "Highlights"),
    "cue": ("线索词", "cue word"),
    "evidence_sentence": ("措施原文", "Measure as printed"),
    "cited_documents": ("这些措施引用的文件", "Documents these measures cite"),
    "open_dossier": ("共同负责档案", "Pair dossier"),
    "department_dossier": ("部门卷宗", "Department dossier"),
    "report_dossier": ("通报卷宗", "Report dossier"),
    "print_dossier": ("打印卷宗", "Print dossier"),
    "department": ("部门", "Department"),
    "finding_count": ("问题数", "Findings"),
    "involved_departments": ("涉及部门", "Departments involved"),
    "name_department": ("请指定部门：/dossier/department?name=…", "Name a department: /dossier/department?name=…"),
    "no_department": ("没有名为「{name}」的部门", "No department is called 「{name}」"),
    "no_report": ("没有这份通报：链接有误，或该通报尚未载入", "No such report: the link names no loaded report"),
    "roles": ("角色", "Roles"),
    "partner_department": ("共同负责的部门", "Partner department"),
    "own_role": ("本部门角色", "Its role"),
    "their_role": ("对方角色", "Partner's role"),
    "status": ("整改状态", "Status"),
    "status_completed": ("已完成", "completed"),
    "status_in-progress": ("正在推进", "in progress"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "counted_what": ("计数对象", "What is counted"),
    "choose": ("（请选择）", "(choose one)"),
    "list_findings": ("列出该通报的问题", "List this report's findings"),
    "choose_first_findings": ("请先选择通报，再从该通报的问题中选择。", "Choose the report, then one of its findings."),
    "none_within_findings": ("所选通报中没有可选的问题。", "The chosen report has no findings to choose from."),
    "csv_titled": ("CSV（中文表头）", "CSV (titled columns)"),
    "sparql_text": ("查询语句（SPARQL）", "The query (SPARQL)"),
    "query_name": ("查询名称", "Query name"),
    "outline": ("读取的标题层级", "Headings as read"),
    "outline_hint": (
        "加载器读到的每个编号标题及其层级和角色：部分、问题类别、问题组、问题（含整改措施数），以及未读作问题的标题和原因。",
        "Every numbered heading the loader read, with its level and role: part, category, group, finding "
        "(with its measures), and the headings not read as findings, with the reason.",
    ),
    "not_a_finding": ("不是问题：", "not a finding: "),
    "read_as": ("，读作", ", read as "),
    "measure_count": ("{} 条整改措施", "{} measures"),
    "measure_count_one": ("1 条整改措施", "1 measure"),
    "reading_warnings": ("读取提示", "Reading warnings"),
    "near_headings": ("像标题但未按标题读取的行", "Lines that nearly matched a heading"),
    "no_outline": (
        "该通报载入时尚未保存标题层级；重新载入后可见。以下按类别和问题组列出问题。",
        "This report was stored before its headings were kept; load it again to see them. Its findings by "
        "category and group:",
    ),
    "fill_in": ("请先填写必填参数，再点“运行”：", "Fill in the required parameters, then Run: "),
    "ask_first": (
        "库中有 {reports} 份通报，不加限定时这个查询要读遍整个库，可能超过时限。请先选择",
        "The store holds {reports} reports: unnarrowed, this query reads the whole store and may pass "
        "the time limit. First choose ",
    ),
    "or": ("或", " or "),
    "ask_first_then": ("，再点“运行”。", ", then Run."),
    "ask_whole_corpus": ("仍然查询整个库", "Query the whole store anyway"),
    "table_span": ("第 {first}–{last} 条，共 {total} 条", "{first}–{last} of {total}"),
    "table_none": ("共 0 条", "0 of 0"),
    "table_empty": ("（空）", "(empty)"),
    "table_others": ("其他 {} 条", "{} others"),
    "table_facets": ("分面", "Facets"),
    "table_filter": ("筛选", "Filter"),
    "table_filter_column": ("筛选“{}”", "Filter “{}”"),
    "table_clear": ("清除排序、筛选和分面", "Clear sort, filters and facets"),
    "table_prev": ("← 上一页", "← Previous"),
    "table_next": ("下一页 →", "Next →"),
    "table_page": ("第 {} / {} 页", "Page {} of {}"),
    "table_sort": ("按此列排序", "Sort by this column"),
    "findings_list": ("问题列表（排序、筛选、分面）", "Findings as a table (sort, filter, facets)"),
    "search_report": ("所在通报", "Report"),
    "search_match": ("匹配内容", "Match"),
    "search_more": ("匹配过多，只列出排名最前的 {} 条", "Too many matches: the best {} are listed"),
    # Error pages a browser gets (webapp/errors.py): a title and what to do, by HTTP status.
    "error_title_400": ("请求有误", "Bad request"),
    "error_hint_400": (
        "链接中的参数缺失或格式不对。请从页面上的链接或表单重新进入。",
        "A parameter of the link is missing or malformed. Come back through a link or a form of the app.",
    ),
    "error_title_403": ("不允许这样操作", "Not allowed"),
    "error_hint_403": ("本系统只读，不接受修改数据的请求。", "This service is read-only and changes nothing."),
    "error_title_404": ("找不到该内容", "Not found"),
    "error_hint_404": (
        "图谱中没有这个页面或对象：链接可能有误，或所在的通报尚未载入。",
        "Nothing here goes by that address: the link may be wrong, or its report is not loaded.",
    ),
    "error_title_405": ("不支持这种请求方式", "Method not allowed"),
    "error_hint_405": ("请从页面上的链接或表单进入。", "Come back through a link or a form of the app."),
    "error_title_413": ("内容太多，无法显示", "Too much to show"),
    "error_hint_413": (
        "请缩小范围后再试，例如只选一份通报或一个部门。",
        "Narrow it down and try again, to one report or one department for example.",
    ),
    "error_title_429": ("请求过于频繁", "Too many requests"),
    "error_hint_429": ("请稍候片刻再试。", "Wait a moment and try again."),
    "error_title_500": ("系统出错", "Something went wrong"),
    "error_hint_500": (
        "读取图谱时出错，请联系系统管理员。",
        "The graph could not be read; tell whoever runs this service.",
    ),
    "error_title_503": ("系统繁忙", "Busy"),
    "error_hint_503": (
        "查询超时或系统正忙。请稍后再试，或缩小查询范围。",
        "The query ran out of time or the service is busy. Try again later, or ask for less.",
    ),
    "error_back": ("返回概览", "Back to the dashboard"),
}


# Reading warnings the loader stores in English (rk:readingWarning, loaders.outline and
# loaders.truncation), as patterns → Chinese with the same parts filled in.
READING_WARNINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"no findings could be read; title, dates, claims and documents were kept\. "
                   r"Headings seen: (?P<x>.*)"),
        "未能读出任何问题；已保留标题、日期、通报所称数字和文件。读到的标题：{x}",
    ),
    (
        re.compile(r"the text is cut short: its last finding, (?P<x>.*), stops before its end and was not loaded"),
        "原文不完整：最后一个问题 {x} 在结尾之前截断，未作为问题读入。",
    ),
    (
        re.compile(r"the text is cut short: it stops mid-sentence; what stands before the cut was read"),
        "原文不完整：在句中截断；截断之前的内容已读入。",
    ),
)


def reading_warning(text: str) -> str:
    """A stored reading warning in the page's language; one not known here as stored."""
    if language() == "en":
        return text
    for pattern, chinese in READING_WARNINGS:
        found = pattern.fullmatch(text)
        if found:
            part = found.groupdict().get("x") or ""
            return chinese.format(x="无" if part == "none" else part.replace("; ", "；"))
    return text


def measure_count(n: int) -> str:
    """“3 条整改措施” / “3 measures”."""
    return message("measure_count_one") if n == 1 else message("measure_count").format(n)


def language() -> str:
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return chosen if chosen in LANGUAGES else current_app.config["LANGUAGE"]


# rk:orgType values (loaders/orgs.py), named as the ontology's comment on rk:orgType names them.
ORG_TYPES: dict[str, tuple[str, str]] = {
    "bank": ("银行", "bank"),
    "enterprise": ("企业", "enterprise"),
    "generic": ("泛称机构", "generic body"),
    "government": ("政府", "government"),
    "government-department": ("政府部门", "government department"),
    "grassroots-government": ("基层政府", "grassroots government"),
    "inspection-team": ("巡察组", "inspection team"),
    "internal-unit": ("内设机构", "internal unit"),
    "judicial": ("司法机关", "judicial body"),
    "party-organ": ("党组织", "Party organ"),
    "people-organisation": ("人民团体", "people's organisation"),
    "public-institution": ("事业单位", "public institution"),
    "social-organisation": ("社会组织", "social organisation"),
}


def org_type(value: str) -> str:
    """An organisation type in the page's language; an unknown one as stored."""
    zh, en = ORG_TYPES.get(value, (value, value))
    return en if language() == "en" else zh


def switch_url(chosen: str) -> str:
    """This page in language `chosen`: same path, same query string (a pair, a trace, a saved
    query's parameters, a search), only `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", chosen)]
    path = links.sent_path() or request.script_root + quote(request.path)  # as sent: %2F stays (links.py)
    return f"{path}?{urlencode(args)}"


def message(key: str) -> str:
    zh, en = MESSAGES[key]
    return en if language() == "en" else zh


def error_words(status: int) -> tuple[str, str]:
    """An error page's title and advice for `status` in the page's language; a status without its
    own words takes its class's (4xx as 400, 5xx as 500)."""
    known = status if f"error_title_{status}" in MESSAGES else (500 if status >= 500 else 400)
    return message(f"error_title_{known}"), message(f"error_hint_{known}")


def pick(literals: list[tuple[str, str | None]], lang: str) -> str:
    """The value in the wanted language, else Chinese, else untagged, else any: (value, lang) pairs."""
    for wanted in (lang, "zh", None):
        for value, tag in literals:
            if (tag or None) == wanted or (wanted and tag and tag.startswith(wanted + "-")):
                return value
    return literals[0][0] if literals else ""


@cache
def _ontology_labels() -> dict[str, list[tuple[str, str | None]]]:
    graph = Graph().parse(data=resources.files("ontology").joinpath("rectkg.ttl").read_text("utf-8"), format="turtle")
    labels: dict[str, list[tuple[str, str | None]]] = {}
    for prop in (RDFS.label, SKOS.prefLabel):
        for subject, value in graph.subject_objects(prop):
            if isinstance(value, Literal):
                labels.setdefault(str(subject), []).append((str(value), value.language))
    # rdf:type heads every node's properties; RDF's own vocabulary has no Chinese label.
    labels[str(RDF.type)] = [("类型", "zh"), ("type", "en")]
    return labels


def has_term_label(iri: str) -> bool:
    return iri in _ontology_labels()


def term_label(iri: str) -> str:
    """The ontology's label for a class, property or role, else its local name."""
    found = _ontology_labels().get(iri)
    if found:
        return pick(found, language())
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
