"""Build the same report as a web page, a Word file and a PDF, from its plain text.

No binary fixtures are committed: the tests make each format here, the way publishers do — a
CMS article page wrapped in site furniture, a Word file with runs split and a tracked change,
a PDF set with wrapped paragraphs, a centred two-line title and running heads and feet.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

TITLE = re.compile(r"^(\S*关于\S*(?:通报|情况|报告))(?:\s+(\d{4}-\d{2}-\d{2}))?\s*$")
PUBLISHED = re.compile(r"发布时间[:：]\s*(\d{4}-\d{2}-\d{2})")
CJK_TTF = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei (Makefile)


@dataclass
class Article:
    """A report as a publisher holds it: title, publication date, body paragraphs."""

    title: str
    date: str
    body: list[str]
    site: str


def article_of(path: Path) -> Article:
    """Split a saved report text into title, date and body; the lines above the title are web furniture."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if TITLE.match(line))
    title, date = TITLE.match(lines[at]).groups()
    if date is None:
        date = next(m.group(1) for line in lines[:at] if (m := PUBLISHED.search(line)))
    site = title.split("关于")[0].removeprefix("中共").removesuffix("党组")
    return Article(title, date, lines[at + 1 :], site)


# ---------------------------------------------------------------------------------------- HTML

_FURNITURE_TOP = """<div class="header"><div class="logo"><h1>{site}门户网站</h1></div>
<ul class="nav-list"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="wrap"><div class="crumb">当前位置：<a href="/">首页</a> &gt;
<a href="/zwgk/">政务公开</a> &gt; 巡察整改 &gt; <span>{title}</span></div>
<div class="side"><h3>相关信息</h3><ul><li><a href="/1.html">关于开展养老服务质量提升行动的通知</a></li>
<li><a href="/2.html">关于进一步加强社会救助工作的实施意见</a></li></ul></div>"""

_FURNITURE_BOTTOM = """<div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a>
<a class="bds_tsina">微博</a></div>
<div class="prevnext"><p>上一篇：<a href="/3.html">关于公布2025年度养老机构等级评定结果的公告</a></p>
<p>下一篇：<a href="/4.html">关于征集民政事业发展意见建议的公告</a></p></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div></div>
<div class="footer"><p>主办单位：{site}办公室　承办单位：{site}信息中心</p>
<p>联系电话：010-88886666　地址：人民路1号</p><p>网站标识码：3101180001　ICP备12345678号</p></div>
<script src="/js/stat.js"></script><script>var _hmt=_hmt||[];document.write("<p>访问量统计代码</p>");</script>"""


def html_page(article: Article, charset: str, *, meta: str = "charset", paragraphs: str = "p") -> bytes:
    """A CMS article page in `charset`, declared in a <meta> of the kind `meta` (charset or http-equiv).

    paragraphs="p" sets each paragraph as an indented <p>; "br" puts the whole body in one block
    separated by <br>, with the source wrapped inside sentences, as older editors do.
    """
    declare = (
        f'<meta charset="{charset}">'
        if meta == "charset"
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    if paragraphs == "p":
        body = "\n".join(f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in article.body)
    else:
        body = "<div>" + "<br>\n".join("&nbsp;&nbsp;" + _wrap_source(p) for p in article.body) + "</div>"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>{declare}
<title>{html.escape(article.title)}_{article.site}门户网站</title>
<meta name="ArticleTitle" content="{html.escape(article.title)}">
<meta name="PubDate" content="{article.date} 10:24">
<style>body {{ font: 14px/1.8 "Microsoft YaHei"; }} .nav-list li {{ display: inline; }}</style>
<script>window.onload = function () {{ document.title = "加载中……"; }};</script>
</head><body>
{_FURNITURE_TOP.format(site=article.site, title=html.escape(article.title))}
<div class="article">
<h2 class="art-title">{html.escape(article.title)}</h2>
<div class="art-info"><span>发布时间：{article.date} 10:24</span>　<span>信息来源：{article.site}</span>
<span>浏览次数：<script>document.write(1024)</script></span>
<span class="fontsize">【字体：<a>大</a> <a>中</a> <a>小</a>】</span></div>
<div class="art-content" id="zoom">
<!-- 正文开始 -->
{body}
<!-- 正文结束 -->
</div>
<div style="display:none">隐藏的统计文字</div>
{_FURNITURE_BOTTOM.format(site=article.site)}
</body></html>
"""
    return page.encode(charset)


def _wrap_source(text: str, width: int = 70) -> str:
    """Escape, and break the HTML source between Chinese characters inside sentences: a browser
    shows no gap there, and neither may the loader."""
    out, run = [], 0
    for prev, char in zip(" " + text, text, strict=False):
        if run >= width and "\u4e00" <= prev <= "\u9fff" and "\u4e00" <= char <= "\u9fff":
            out.append("\n")
            run = 0
        out.append(html.escape(char, quote=False))
        run += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------- DOCX


def docx_file(article: Article, *, listed: bool = False) -> bytes:
    """A Word file: centred title, date line, indented paragraphs split into runs, a tracked change,
    and a page header and footer that are not part of the report.

    listed=True numbers the headings with Word's list feature instead of typed numbers, wherever
    the list's own count gives the printed number (一、 and (一) as one two-level list, (1) as another).
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"{article.site}政务公开"
    section.footer.paragraphs[0].text = "第 1 页"
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(article.title)
    run.bold, run.font.size = True, Pt(18)
    doc.add_paragraph(f"发布时间：{article.date}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    lists = _Lists(doc) if listed else None
    for i, line in enumerate(article.body):
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24)
        text = lists.number(paragraph, line) if lists else line
        cut = len(text) // 3
        paragraph.add_run(text[:cut])
        inserted = paragraph.add_run(text[cut : 2 * cut])
        paragraph.add_run(text[2 * cut :])
        if i == 3:
            _track(paragraph, inserted)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_CN = "一二三四五六七八九十"
# (pattern of a typed heading, list numId, level, the number as the list would print it)
_LISTED = [
    (re.compile(rf"^([{_CN}]+)、"), "101", 0),
    (re.compile(rf"^[(（]([{_CN}]+)[)）]"), "101", 1),
    (re.compile(r"^[(（](\d+)[)）]"), "102", 0),
]
_LIST_XML = (
    """<w:abstractNum {ns} w:abstractNumId="{id}"><w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>"""
)
_LEVEL_XML = """<w:lvl {ns} w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>
<w:suff w:val="nothing"/></w:lvl>"""


class _Lists:
    """Word lists for the headings; a heading is listed only where the list's count matches its printed number."""

    def __init__(self, doc):
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        ns = nsdecls("w")
        numbering = doc.part.numbering_part.element
        first_num = numbering.find("{*}num")
        definitions = {
            "101": [("chineseCounting", "%1、"), ("chineseCounting", "（%2）")],
            "102": [("decimal", "(%1)")],
        }
        for num_id, levels in definitions.items():
            xml = "".join(_LEVEL_XML.format(ns=ns, ilvl=i, fmt=f, text=t) for i, (f, t) in enumerate(levels))
            first_num.addprevious(parse_xml(_LIST_XML.format(ns=ns, id=num_id, levels=xml)))
            numbering.append(parse_xml(f'<w:num {ns} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>'))
        self.counters: dict[str, list[int]] = {"101": [0, 0], "102": [0]}

    def number(self, paragraph, line: str) -> str:
        """Give the paragraph list numbering and return its text without the typed number, where they agree."""
        for pattern, num_id, level in _LISTED:
            m = pattern.match(line)
            if not m:
                continue
            counters = self.counters[num_id]
            expected = counters[level] + 1
            printed = m.group(1)
            if printed != (str(expected) if num_id == "102" else _cn(expected)):
                return line
            counters[level] = expected
            counters[level + 1 :] = [0] * len(counters[level + 1 :])
            paragraph._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = int(num_id)
            paragraph._p.pPr.numPr.get_or_add_ilvl().val = level
            return line[m.end() :]
        return line


def _cn(n: int) -> str:
    return _CN[n - 1] if n <= 10 else ("" if n < 20 else _CN[n // 10 - 1]) + "十" + (_CN[n % 10 - 1] if n % 10 else "")


def _track(paragraph, run) -> None:
    """Make `run` a tracked insertion and add a tracked deletion after it, as Word's review mode does."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    attrs = 'w:id="{}" w:author="审核" w:date="2026-01-01T00:00:00Z"'
    ins = parse_xml(f"<w:ins {nsdecls('w')} {attrs.format(1)}/>")
    run._r.addprevious(ins)
    ins.append(run._r)
    deleted = parse_xml(
        f"<w:del {nsdecls('w')} {attrs.format(2)}><w:r><w:delText>已删除的旧表述</w:delText></w:r></w:del>"
    )
    ins.addnext(deleted)


# ----------------------------------------------------------------------------------------- PDF


def pdf_file(article: Article, font: str = "ttf", *, head: str = "site", indent: str = "first-line") -> bytes:
    """A PDF as a word processor sets it: A4, a centred 18 pt title that wraps, indented 12 pt
    paragraphs wrapped at the margin, a running head and a page number on every page.

    font="ttf" embeds a TrueType subset (what Word and WPS produce); font="cid" uses reportlab's
    built-in STSong-Light, a non-embedded CID font read through Adobe's UniGB-UCS2-H CMap.
    head="site" heads each page with the site's name and numbers it "- 3 -"; head="title" repeats
    the report's own title above it, first page included, and numbers it "第 3 页".
    indent="none" sets block paragraphs, no first-line indent but space between paragraphs.
    """
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    name = _register_font(font)
    title = ParagraphStyle("title", fontName=name, fontSize=18, leading=28, alignment=TA_CENTER, wordWrap="CJK")
    date = ParagraphStyle("date", fontName=name, fontSize=10, leading=18, alignment=TA_CENTER, spaceAfter=12)
    first_line, space = (24, 0) if indent == "first-line" else (0, 10)
    body = ParagraphStyle(
        "body", fontName=name, fontSize=12, leading=20, firstLineIndent=first_line, spaceBefore=space, wordWrap="CJK"
    )

    def furniture(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(name, 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 36, article.title if head == "title" else f"{article.site}政务公开")
        canvas.drawCentredString(A4[0] / 2, 30, f"第 {doc.page} 页" if head == "title" else f"- {doc.page} -")
        canvas.restoreState()

    story = [Paragraph(html.escape(article.title), title), Paragraph(f"发布时间：{article.date}", date)]
    story += [Paragraph(html.escape(p), body) for p in article.body]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()


def _register_font(kind: str) -> str:
    from reportlab.pdfbase import pdfmetrics

    if kind == "cid":
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    from reportlab.pdfbase.ttfonts import TTFont

    if not CJK_TTF.exists():
        raise RuntimeError(f"{CJK_TTF} is missing: `make test` installs it (Debian fonts-wqy-microhei)")
    pdfmetrics.registerFont(TTFont("WenQuanYi", str(CJK_TTF), subfontIndex=0))
    return "WenQuanYi"


def html_table_page(article: Article) -> bytes:
    """An older CMS page: layout tables, the title in a table cell, paragraphs in <font> and <span>
    chunks indented with ideographic spaces, and a table of links beside the article."""

    def chunks(text: str) -> str:
        third = max(1, len(text) // 3)
        a, b, c = text[:third], text[third : 2 * third], text[2 * third :]
        return (
            f'&#12288;&#12288;<font face="仿宋_GB2312">{html.escape(a)}</font>'
            f'<span style="font-family:仿宋">{html.escape(b)}</span>{html.escape(c)}'
        )

    paragraphs = "\n".join(f"<p>{chunks(p)}</p>" for p in article.body)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{html.escape(article.title)} - {article.site}</title></head>
<body><table width="1000" align="center"><tr><td colspan="2"><img src="/banner.jpg" alt="{article.site}"></td></tr>
<tr><td width="200" valign="top"><table class="leftlist">
<tr><td><a href="/a">机构概况</a></td></tr><tr><td><a href="/b">政策文件</a></td></tr>
<tr><td><a href="/c">巡察整改</a></td></tr><tr><td><a href="/d">联系我们</a></td></tr></table></td>
<td valign="top"><table width="100%">
<tr><td class="bt" align="center"><b>{html.escape(article.title)}</b></td></tr>
<tr><td align="center">发布日期：{article.date}　　来源：{article.site}
　　【<a href="javascript:print()">打印</a>】</td></tr>
<tr><td class="TRS_Editor">{paragraphs}</td></tr>
</table></td></tr>
<tr><td colspan="2" align="center">版权所有：{article.site}　技术支持：某某网络公司</td></tr></table></body></html>
"""
    return page.encode("gb18030")


def html_bare_page(article: Article) -> bytes:
    """A page whose title is only in <title> and whose date is only in a PubDate <meta>."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.body)
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(article.title)}-{article.site}</title><meta name="PubDate" content="{article.date} 09:00:00">
</head><body><div id="top"><a href="/">首页</a> | <a href="/en">English</a></div>
<div id="zoom">{paragraphs}</div><div id="bottom">{article.site}版权所有</div></body></html>
"""
    return page.encode("utf-8")
