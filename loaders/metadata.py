"""Report-level facts from the title, preamble, headline paragraph and contact block.

Reports phrase these in several ways; each fact is one small pattern list, tried in order, so a
new phrasing is a new line in a list rather than a new branch of code.
"""

from __future__ import annotations

import re

from loaders.claims import read_claims
from loaders.model import Report, Span

# A date with an optional year: "2025年3月10日" or, inside a period, "5月16日" (year from context).
YMD = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
ISO = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
# A column tag printed before the title (【巡察整改】中共…) is the site's, not the title's. A page's
# header flattened onto one line (a search engine's copy) may go on after a space with its date
# (bracketed, or with the clock time), a labelled field (发布时间:…, 来源:…) or the preamble (根据…,
# 区委第四巡察组于…).
TITLE = re.compile(
    r"^(?:【[^】]{1,12}】)?(?P<title>\S*关于\S*(?:通报|情况|报告|公告|公示))"
    r"(?:\s+\(?(?:" + ISO + "|" + DATE + r")\)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)?"
    r"(?:\s+(?:[\u4e00-\u9fff]{2,6}\s*:|根据|按照|依据|\S{0,12}?(?:巡察|巡视)组).*)?\s*$"
)
# A date alone on its line under a title is its date: bracketed or not (2025年12月8日), or with the
# clock time and the page's source after it (2026-01-20 10:30 来源:…).
DATE_LINE = re.compile(
    r"^\s*\(?(?:" + ISO + "|" + DATE + r")\)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+(?:来源|作者|浏览|阅读)\S*)*\s*$"
)
PUBLISHED = re.compile(r"(成文)?(?:发布|发表|公布)?(?:时间|日期)\s*:\s*(?:" + ISO + "|" + DATE + ")")
# Web-page metadata (信息索引号:, 文件名称:, 发布机构:): a label, never the title, though 文件名称 repeats it.
LABEL = re.compile(r"^[\u4e00-\u9fff]{2,6}\s*:")
# A title broken over two lines is read whole when its first line is no longer than this.
TITLE_FIRST_LINE = 60
PERIOD = re.compile(DATE + r"(?:起)?\s*(?:至|到|—|–|-|~)\s*" + YMD)
# The same period told as the group's arrival and departure: 于2025年5月7日进驻…,6月30日结束.
STAY = re.compile(DATE + r"[^。;]{0,30}?进驻[^。]{0,40}?" + YMD + r"(?:结束|撤离|离开)")
# The signing date a page's metadata block states (成文日期: 2025-11-20), where no signature line does.
SIGNING = re.compile(r"成文(?:日期|时间)\s*:\s*(?:" + ISO + "|" + DATE + ")")
# Between a feedback date and 反馈 stands no other date: 至5月23日,…开展了巡察,2025年7月4日反馈 is
# fed back on 7月4日, not on the period's end.
NO_DATE = r"(?:(?!\d{1,2}月\d{1,2}日)[^。])"
FEEDBACK = [
    re.compile(r"于" + YMD + NO_DATE + r"{0,20}?反馈"),
    re.compile(r"反馈[^。]{0,12}?于" + YMD),
    re.compile(YMD + NO_DATE + r"{0,12}?(?:召开|举行)[^。]{0,10}?反馈"),
    re.compile(YMD + r"[,,]?" + NO_DATE + r"{0,30}?反馈(?:了)?(?:巡察|巡视)?(?:意见|情况)"),
]
STATUS = re.compile(r"截(?:至|止)(?:到)?" + YMD)
SIGNED = re.compile(r"^" + DATE + r"$")
LEVEL_CHARS = "省市区县旗"
INSPECTOR = re.compile(
    r"(?:中共)?(?P<place>[\u4e00-\u9fff]{0,12}?)(?P<level>[省市区县旗]|自治区|州|盟)委"
    r"(?P<rest>(?:第[一二三四五六七八九十\d]+)?(?:专项|机动|提级)?(?:巡察|巡视)组)"
)
CENTRAL_INSPECTOR = re.compile(r"中央(?:第[一二三四五六七八九十\d]+)?(?:专项)?巡视组")
# Words that may stand before 区委/县委 in a sentence without being part of a place name.
SENTENCE_LEAD = re.compile(r"^(?:根据|按照|经过|经|由|在|据|及|和|与|对|受|向|后|日|为)+")
INSPECTED = re.compile(r"对(?P<body>[^,。;对]{2,30}?(?:党组|党委|党工委|党总支|党支部))(?:开展|进行)")
INSPECTION_TYPE = re.compile(r"(常规巡察|专项巡察|机动巡察|提级巡察|巡察“回头看”|常规巡视|专项巡视|机动巡视)")
ISSUER_PLACE = re.compile(
    r"^(?:中共)?(?P<prov>[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?P<city>(?:(?![县区旗市省])[\u4e00-\u9fff]){1,7}?市)?"
    r"(?P<low>[\u4e00-\u9fff]{1,7}?[区县旗])?(?P<body>[\u4e00-\u9fff]+?)(?:党组|党委|党工委)?$"
)

CONTACT = [
    ("telephone", re.compile(r"(?:联系|举报|咨询|监督)?电\s*话(?:号码)?\s*:?\s*([\d\-() ]{7,}\d)")),
    ("email", re.compile(r"(?:电子邮箱|邮箱|电子邮件|E-?mail)\s*:\s*([\w.+-]+@[\w.-]+\w)", re.IGNORECASE)),
    ("address", re.compile(r"(?:通讯|通信|联系|邮寄)?地址\s*:\s*([^\n(,;]+)")),
    ("postcode", re.compile(r"邮(?:政)?编(?:码)?\s*:?\s*(\d{6})(?!\d)")),
]


def iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def read_metadata(report: Report, preamble_end: int) -> None:
    """Fill title, issuer, place, dates, claims and contact; preamble_end is where findings start."""
    _title(report)
    pre = report.text[:preamble_end]
    _dates(report, pre)
    _inspection(report, pre)
    read_claims(report)
    _contact(report)


def _title(report: Report) -> None:
    if found := _find_title(report.text):
        m, start, line_end = found
        report.title = m.group("title")
        start += m.start("title")
        report.title_span = Span(start, start + len(report.title) + report.text.count("\n", start, line_end))
        if date := [g for g in m.groups()[1:] if g]:
            report.dates["published"] = (iso(*date), Span(start, line_end))
        elif not report.text[:line_end].endswith(":"):  # else the line below is that label's value
            _date_below_title(report, line_end + 1)
    if "published" not in report.dates and (m := _published(report.text)):
        y, mo, d = (g for g in m.groups()[1:] if g)
        report.dates["published"] = (iso(y, mo, d), Span(m.start(), m.end()))
    issuer = report.title.split("关于", 1)[0] if "关于" in report.title else ""
    if m := ISSUER_PLACE.match(issuer):
        low, city, prov = m.group("low"), m.group("city"), m.group("prov")
        report.place = "".join(p for p in (prov, city, low) if p) or None
        report.place_level = (
            "county"
            if low and low.endswith(("县", "旗"))
            else ("district" if low else ("city" if city else ("province" if prov else None)))
        )
        report.parent_place = "".join(p for p in (prov, city) if p) if low and (prov or city) else None
        report.bureau = m.group("body")
    report.issuer_name = issuer


def _find_title(text: str) -> tuple[re.Match[str], int, int] | None:
    """The title's match, with where it starts and where its last line ends: on one line, or over
    two lines read as one (…党组关于第十四届 / 县委…的通报, or 中共…党组 / 关于…的通报). Metadata
    lines are skipped."""
    lines = text.split("\n")
    pos = previous = 0
    for i, line in enumerate(lines):
        if not LABEL.match(line):
            head = lines[i - 1] if i and _title_head(lines[i - 1]) and not line.startswith("中共") else ""
            if TITLE.match(line) and head and (m := TITLE.match(head + line)):
                return m, previous, pos + len(line)
            if m := TITLE.match(line):
                return m, pos, pos + len(line)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            joined = "关于" in line and len(line) <= TITLE_FIRST_LINE and not (LABEL.match(nxt) or TITLE.match(nxt))
            if joined and (m := TITLE.match(line + nxt)):
                return m, pos, pos + len(line) + 1 + len(nxt)
        previous, pos = pos, pos + len(line) + 1
    return None


def _title_head(line: str) -> bool:
    """A line that may be the issuer's half of a title broken before or inside 关于: short, without
    punctuation, naming a Party body (中共…, …党组, …党委, …委员会)."""
    short = 2 < len(line) <= 40 and not LABEL.match(line) and not any(c in line for c in "。,;:、 ")
    return short and (line.startswith("中共") or line.endswith(("党组", "党委", "党工委", "委员会")))


def _published(text: str) -> re.Match[str] | None:
    """The page's publication date (日期:, 发布时间:); the 成文日期 (signing) only when there is none."""
    matches = list(PUBLISHED.finditer(text))
    return next((m for m in matches if not m.group(1)), matches[0] if matches else None)


def _date_below_title(report: Report, start: int) -> None:
    """A date alone on the line under the title (2025-09-15) is the publication date."""
    line = report.text[start:].split("\n", 1)[0]
    if m := DATE_LINE.match(line):
        report.dates["published"] = (iso(*(g for g in m.groups() if g)), Span(start, start + len(line)))


def _place_components(report: Report) -> list[str]:
    """上海市青浦区 → [上海市, 上海市青浦区]: the places a relative 市委/区委 can mean."""
    if not report.place:
        return []
    return [p for p in (report.parent_place, report.place) if p]


def _dates(report: Report, pre: str) -> None:
    """Inspection period, feedback and status dates; a date printed without a year takes it from context."""
    year = None
    if m := PERIOD.search(pre) or STAY.search(pre):
        y1, m1, d1, y2, m2, d2 = m.groups()
        report.dates["inspectionStart"] = (iso(y1, m1, d1), Span(m.start(), m.end()))
        report.dates["inspectionEnd"] = (iso(y2 or y1, m2, d2), Span(m.start(), m.end()))
        year = y2 or y1
    period = report.dates.get("inspectionStart", (None, Span(0, 0)))[1]
    for m in (m for pattern in FEEDBACK for m in pattern.finditer(pre)):
        y, mo, d = m.group(1), m.group(2), m.group(3)
        # The period's end date may stand before 反馈 in the same sentence: it is not the feedback.
        if (y or year) and not period.start <= m.start(1 if y else 2) < period.end:
            report.dates["feedbackDate"] = (iso(y or year, mo, d), Span(m.start(), m.end()))
            break
    if m := STATUS.search(pre):
        y, mo, d = m.groups()
        if y or year:
            report.dates["statusDate"] = (iso(y or year, mo, d), Span(m.start(), m.end()))
    if m := SIGNING.search(report.text):
        report.dates["signedDate"] = (iso(*(g for g in m.groups() if g)), Span(m.start(), m.end()))
    pos, previous = 0, ""
    for line in report.text.split("\n"):
        # A date under a label (成文日期: / 发布日期: in a table's cells) is that label's value.
        if (m := SIGNED.match(line)) and not previous.endswith(":"):
            report.dates["signedDate"] = (iso(*m.groups()), Span(pos, pos + len(line)))
        pos, previous = pos + len(line) + 1, line


def _inspection(report: Report, pre: str) -> None:
    """Inspector (canonical: 中共 + the place its 县委/区委/市委 means + the group), type, inspected body.

    The preamble names the inspector after the title; the title (…党组关于省委第五巡视组…) is read
    only when the preamble does not, since its issuer would run into the inspector's place."""
    after = report.title_span.end if report.title_span and report.title_span.end < len(pre) else 0
    if m := CENTRAL_INSPECTOR.search(pre, after) or CENTRAL_INSPECTOR.search(pre):
        report.inspector = m.group(0)
    elif m := INSPECTOR.search(pre, after) or INSPECTOR.search(pre):
        report.inspector = _canonical_inspector(report, m)
    if m := INSPECTION_TYPE.search(pre):
        report.inspection_type = m.group(1)
    if m := INSPECTED.search(pre):
        report.inspected_name = _canonical_body(report, m.group("body"))


def _canonical_inspector(report: Report, m: re.Match[str]) -> str:
    level, printed_place = m.group("level"), SENTENCE_LEAD.sub("", m.group("place"))
    suffix = f"{level}委{m.group('rest')}"
    # A place printed with the group wins when it is a real name (not the tail of a sentence).
    for place in reversed(_place_components(report)):
        if place.endswith(level) and (not printed_place or place.endswith(printed_place + level)):
            return f"中共{place.removesuffix(level)}{suffix}"
    if printed_place and level in "区县旗" and report.parent_place:  # another district of the same city
        return f"中共{report.parent_place}{printed_place}{suffix}"
    return f"中共{printed_place}{suffix}" if printed_place else m.group(0).removeprefix("中共")


def _canonical_body(report: Report, printed: str) -> str:
    """区民政局党组 in a Qingpu report is the issuer 中共上海市青浦区民政局党组."""
    bare = printed.removeprefix("中共")
    issuer = report.issuer_name
    if issuer and (issuer.endswith(bare) or bare in ("局党组", "党组") or _abbreviates(bare, issuer)):
        return issuer
    if bare[:1] in LEVEL_CHARS:
        for place in reversed(_place_components(report)):
            if place.endswith(bare[0]):
                return f"中共{place}{bare[1:]}"
    return printed


def _abbreviates(short: str, full: str) -> bool:
    """区文旅体局党组 abbreviates …婺城区文化和旅游体育局党组: same ending, its characters in order."""
    core = short.lstrip(LEVEL_CHARS)
    if not core or core[-2:] != full[-2:]:
        return False
    chars = iter(full)
    return all(c in chars for c in core)


def _contact(report: Report) -> None:
    for kind, pattern in CONTACT:
        if m := pattern.search(report.text):
            value = m.group(1).strip()
            report.contact[kind] = (value, Span(m.start(1), m.start(1) + len(value)))
