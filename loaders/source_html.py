"""An article web page → the article's text, one paragraph a line.

Reports are published as pages of a government site, wrapped in navigation, breadcrumbs, share
and font-size buttons, related-link lists, footers, scripts and styles. Only the article is the
report: its text is found as the block that holds most of the page's prose (text outside links),
widened to the element that shows the page's <title> so the title and the 发布时间 line above the
body come along; inside it, furniture is dropped by tag, by class or id, and by link density.
"""

from __future__ import annotations

import re

from lxml import etree, html

from loaders.errors import FormatError

_CJK = re.compile(r"[\u4e00-\u9fff]")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")

# Never content, wherever they are.
_NEVER = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "button",
          "select", "textarea", "input", "map", "audio", "video", "nav", "aside")  # fmt: skip
# Page furniture unless it holds the article's title (an <article>'s own <header> does).
_FURNITURE_TAGS = ("header", "footer", "menu")
_FURNITURE_NAMES = re.compile(
    r"nav|menu|breadcrumb|crumb|share|footer|copyright|sidebar|related|comment|pager|pagination|toolbar|"
    r"qrcode|fontsize|font-size|print|login|search|banner|friendlink|links",
    re.I,
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BLOCK = frozenset(
    ("address", "article", "blockquote", "body", "br", "center", "dd", "div", "dl", "dt", "figcaption", "figure",
     "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section",
     "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul")
)  # fmt: skip
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜—–]|(?<!\d)-(?!\d))\s*")  # "标题_站名", "标题 - 站名", not "2025-2026"
_PUBLISHED_TEXT = re.compile(r"发布(?:时间|日期)")
_PUBDATE_META = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date")
_ISO_DATE = re.compile(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})")
_CJK_WRAP = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t\r]*\n\s*(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
MAX_DEPTH = 255  # libxml2's nesting limit without XML_PARSE_HUGE, which the loader does not lift


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes: <meta charset>, http-equiv, or an XML declaration."""
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii") if m else None


def html_text(markup: str, source: str) -> str:
    """The article's text: title, date line and paragraphs, one block a line."""
    doc = _parse(markup, source)
    meta = _meta(doc)
    for el in list(doc.iter(*_NEVER, etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    for el in [e for e in doc.iter() if isinstance(e.tag, str) and _HIDDEN.search(e.get("style", ""))]:
        _drop(el)
    body = doc.find("body")
    if body is None or not _CJK.search(body.text_content()):
        raise FormatError(source, "the page has no article text (only scripts, styles or navigation); save the article")
    content = _content_node(body)
    title = _title_element(body, meta.get("title"), content)
    root = _common_ancestor(content, title) if title is not None else content
    keep = {id(e) for e in (content, title) if e is not None}
    _strip_furniture(root, keep)
    text = _serialise(root)
    if title is None and meta.get("title"):
        text = meta["title"] + "\n" + text
    if not _PUBLISHED_TEXT.search(text) and (date := meta.get("date")):
        first, _, rest = text.partition("\n")
        text = f"{first}\n发布时间:{date}\n{rest}"
    if not _CJK.search(text):
        raise FormatError(source, "the page has no article text (only scripts, styles or navigation); save the article")
    return text


def _parse(markup: str, source: str) -> html.HtmlElement:
    """The page's tree. libxml2 stops reading elements nested deeper than MAX_DEPTH and keeps what it
    has (a tree without the article), so a page it stopped in is refused here, naming that limit,
    rather than reported later as a page with no article text."""
    parser = html.HTMLParser()
    try:
        doc = html.document_fromstring(_XML_DECL.sub("", markup, count=1), parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise FormatError(source, f"not a readable HTML page ({error}); save the page again") from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise FormatError(
            source,
            f"the page nests elements more than {MAX_DEPTH} levels deep, the HTML parser's limit (libxml2); "
            "save the article's text as .txt or the page from a browser's reader view",
        )
    return doc


def _meta(doc: html.HtmlElement) -> dict[str, str]:
    """The article title and publication date the CMS wrote into <head>, used only where the body lacks them."""
    found: dict[str, str] = {}
    for el in doc.iter("meta"):
        name = (el.get("name") or el.get("property") or "").lower()
        content = (el.get("content") or "").strip()
        if name == "articletitle" and content:
            found["title"] = content
        elif name in _PUBDATE_META and (m := _ISO_DATE.search(content)):
            found.setdefault("date", "{}-{:0>2}-{:0>2}".format(*m.groups()))
    title = doc.find(".//title")
    if "title" not in found and title is not None and title.text_content().strip():
        found["title"] = max(_TITLE_SPLIT.split(title.text_content().strip()), key=len)  # the site's name is shorter
    return found


def _drop(el: html.HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()


def _prose(el: html.HtmlElement) -> int:
    """Chinese characters in the element that are not link text: prose, not menus."""
    total = len(_CJK.findall(el.text_content()))
    linked = sum(len(_CJK.findall(a.text_content())) for a in el.iter("a"))
    return total - linked


def _content_node(body: html.HtmlElement) -> html.HtmlElement:
    """The deepest element that still holds most (80 %) of the page's prose."""
    node, total = body, _prose(body)
    while True:
        best = max((c for c in node if isinstance(c.tag, str)), key=_prose, default=None)
        if best is None or _prose(best) < 0.8 * total:
            return node
        node = best


def _title_element(
    body: html.HtmlElement, page_title: str | None, content: html.HtmlElement
) -> html.HtmlElement | None:
    """The element that shows the article's title: the one whose text is closest to the page's <title>.

    Headings are not required: older pages set the title in a bold table cell. An element that
    merely contains the title (a wrapper with the date line too) or a fragment of it (the site's
    name in a logo) also qualifies, but the closest in length wins.
    """
    wanted = _squash(page_title or "")
    if len(wanted) < 6:
        return None
    candidates = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el is content or _in_furniture(el):
            continue
        text = _squash(el.text_content())
        if (text in wanted and len(text) >= 0.6 * len(wanted)) or (wanted in text and len(text) <= 2 * len(wanted)):
            candidates.append(el)
    return min(candidates, key=lambda e: abs(len(_squash(e.text_content())) - len(wanted)), default=None)


def _in_furniture(el: html.HtmlElement) -> bool:
    """A link, or inside a link, breadcrumb or menu: "首页 > 巡察整改 > 标题" shows the title but is not it."""
    if el.tag == "a" or el.find(".//a") is not None:
        return True
    return any(a.tag == "a" or _FURNITURE_NAMES.search(f"{a.get('class', '')} {a.get('id', '')}")
               for a in el.iterancestors())  # fmt: skip


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _common_ancestor(a: html.HtmlElement, b: html.HtmlElement) -> html.HtmlElement:
    ancestors = {id(e) for e in a.iterancestors()} | {id(a)}
    node = b
    while id(node) not in ancestors:
        node = node.getparent()
    return node


def _strip_furniture(root: html.HtmlElement, keep: set[int]) -> None:
    """Drop furniture inside the article, never an element that holds the content or the title."""
    protected = set(keep)
    for el in root.iter():
        if id(el) in keep:
            protected.update(id(a) for a in el.iterancestors())
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or id(el) in protected or el.getparent() is None:
            continue
        names = f"{el.get('class', '')} {el.get('id', '')}"
        text = _CJK.findall(el.text_content())
        linked = sum(len(_CJK.findall(a.text_content())) for a in el.iter("a"))
        if (
            el.tag in _FURNITURE_TAGS
            or _FURNITURE_NAMES.search(names)
            or (el.tag in ("ul", "ol", "dl", "table", "div") and text and linked >= 0.6 * len(text))
        ):
            _drop(el)


def _serialise(root: html.HtmlElement) -> str:
    """Text with a line break at every block boundary, whitespace collapsed as a browser would."""
    out: list[str] = []

    def walk(el: html.HtmlElement) -> None:
        block = el.tag in _BLOCK
        if block:
            out.append("\n")
        if el.tag == "pre":
            out.append(el.text_content())
        else:
            out.append(_inline(el.text))
            for child in el:
                if isinstance(child.tag, str):
                    walk(child)
                out.append(_inline(child.tail))
        if block:
            out.append("\n")

    walk(root)
    lines = (line.strip() for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


def _inline(text: str | None) -> str:
    """A source line break inside Chinese text is not a space; elsewhere whitespace collapses to one."""
    if not text:
        return ""
    return _SPACE.sub(" ", _CJK_WRAP.sub("", text))
