"""Report-level facts from the title, preamble, headline paragraph and contact block.

Reports phrase these in several ways; each fact is one small pattern list, tried in order, so a
new phrasing is a new line in a list rather than a new branch of code.
"""

from __future__ import annotations

import re

from loaders.model import Claim, Report, Span

DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
ISO = r"(\d{4})-(\d{2})-(\d{2})"
TITLE = re.compile(r"^(?P<title>\S*关于\S*(?:通报|情况|报告|公告|公示))(?:\s+" + ISO + r")?\s*$")
PUBLISHED = re.compile(r"发布(?:时间|日期)\s*:\s*" + ISO)
PERIOD = re.compile(DATE + r"(?:起)?至(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
FEEDBACK = re.compile(r"于" + DATE + r"[^。]{0,20}?反馈")
STATUS = re.compile(r"截(?:至|止)(?:到)?" + DATE)
SIGNED = re.compile(r"^" + DATE + r"$")
INSPECTOR = re.compile(r"(?:中央|[省市区县]委)(?:第[一二三四五六七八九十\d]+)?(?:专项)?(?:巡察|巡视)组")
INSPECTION_TYPE = re.compile(r"(常规巡察|专项巡察|机动巡察|提级巡察|常规巡视|专项巡视)")
ISSUER_PLACE = re.compile(
    r"^(?:中共)?(?P<prov>[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?P<city>[\u4e00-\u9fff]{1,7}?市)?"
    r"(?P<low>[\u4e00-\u9fff]{1,7}?[区县旗])?(?P<body>[\u4e00-\u9fff]+?)(?:党组|党委|党工委)?$"
)

CLAIMS: list[tuple[str, re.Pattern[str]]] = [
    ("findings", re.compile(r"(\d+)个(?:具体)?问题")),
    ("findings-rectified", re.compile(r"已(?:全部)?完成整改(\d+)个|已整改(?:到位)?(\d+)个")),
    ("findings-basically-rectified", re.compile(r"基本完成(?:整改)?(\d+)个")),
    ("findings-in-progress", re.compile(r"(?:其余|正在推进|持续推进)(\d+)个")),
    ("measures", re.compile(r"整改措施(\d+)(?:条|项)")),
    ("measures-completed", re.compile(r"整改措施\d+条,(?:已完成整改|已完成|已落实到位|已落实)(\d+)条")),
    ("rules-new", re.compile(r"新建(?:制度)?(\d+)项")),
    ("rules-revised", re.compile(r"修订完善(?:制度)?(\d+)项")),
    ("rules-established-or-improved", re.compile(r"建立健全制度(?:机制)?(\d+)项")),
    ("rules-abolished", re.compile(r"废止[^\d。;]{0,10}?(\d+)项")),
    ("cases-opened", re.compile(r"立案(\d+)件")),
    ("persons-sanctioned", re.compile(r"处分(\d+)人")),
    ("funds-recovered-wan-yuan", re.compile(r"(?:追回|清退|挽回)[^\d。;]{0,16}?(\d+(?:\.\d+)?)万元")),
]

CONTACT = [
    ("telephone", re.compile(r"(?:联系|举报)?电话\s*:\s*([\d\-() ]{7,}\d)")),
    ("email", re.compile(r"(?:电子邮箱|邮箱|电子邮件)\s*:\s*([\w.+-]+@[\w.-]+\w)")),
    ("address", re.compile(r"(?:通讯|通信|联系|邮寄)地址\s*:\s*([^\n(]+)")),
    ("postcode", re.compile(r"邮政编码\s*:\s*(\d{6})")),
]


def iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def read_metadata(report: Report, preamble_end: int) -> None:
    """Fill title, issuer, place, dates, claims and contact; preamble_end is where findings start."""
    text = report.text
    _title(report)
    pre = text[:preamble_end]
    _dates(report, pre)
    if m := INSPECTOR.search(pre):
        report.inspector = m.group(0)
    if m := INSPECTION_TYPE.search(pre):
        report.inspection_type = m.group(1)
    _claims(report, pre)
    _contact(report)


def _title(report: Report) -> None:
    pos = 0
    for line in report.text.split("\n"):
        m = TITLE.match(line)
        if m:
            report.title = m.group("title")
            report.title_span = Span(pos, pos + len(report.title))
            if m.group(2):
                report.dates["published"] = (iso(m.group(2), m.group(3), m.group(4)), Span(pos, pos + len(line)))
            break
        pos += len(line) + 1
    if m := PUBLISHED.search(report.text):
        report.dates["published"] = (iso(*m.groups()), Span(m.start(), m.end()))
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


def _dates(report: Report, pre: str) -> None:
    if m := PERIOD.search(pre):
        y1, m1, d1, y2, m2, d2 = m.groups()
        report.dates["inspectionStart"] = (iso(y1, m1, d1), Span(m.start(), m.end()))
        report.dates["inspectionEnd"] = (iso(y2 or y1, m2, d2), Span(m.start(), m.end()))
    if m := FEEDBACK.search(pre):
        report.dates["feedbackDate"] = (iso(*m.groups()), Span(m.start(), m.end()))
    if m := STATUS.search(pre):
        report.dates["statusDate"] = (iso(*m.groups()), Span(m.start(), m.end()))
    pos = 0
    for line in report.text.split("\n"):
        if m := SIGNED.match(line):
            report.dates["signedDate"] = (iso(*m.groups()), Span(pos, pos + len(line)))
        pos += len(line) + 1


def _claims(report: Report, pre: str) -> None:
    """Headline claims live in the paragraph that says 截至… or counts 个问题 before the findings."""
    start = 0
    for para in pre.split("\n"):
        end = start + len(para)
        if "个问题" in para and ("整改" in para):
            seen: set[str] = set()
            for kind, pattern in CLAIMS:
                m = pattern.search(para)
                if m and kind not in seen:
                    group = next(i for i, g in enumerate(m.groups(), start=1) if g)
                    seen.add(kind)
                    report.claims.append(
                        Claim(kind, m.group(group), m.group(0), Span(start + m.start(), start + m.end()))
                    )
            if report.claims:
                return
        start = end + 1


def _contact(report: Report) -> None:
    for kind, pattern in CONTACT:
        if m := pattern.search(report.text):
            value = m.group(1).strip()
            report.contact[kind] = (value, Span(m.start(1), m.start(1) + len(value)))
