"""Report-level facts from the title, preamble, headline paragraph and contact block.

Reports phrase these in several ways; each fact is one small pattern list, tried in order, so a
new phrasing is a new line in a list rather than a new branch of code.
"""

from __future__ import annotations

import re

from loaders.model import Claim, Report, Span
from loaders.quantities import chinese_number

# A date with an optional year: "2025年3月10日" or, inside a period, "5月16日" (year from context).
YMD = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
ISO = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
TITLE = re.compile(r"^(?P<title>\S*关于\S*(?:通报|情况|报告|公告|公示))(?:\s+(?:" + ISO + "|" + DATE + r"))?\s*$")
DATE_LINE = re.compile(r"^\s*(?:" + ISO + "|" + DATE + r")\s*$")
PUBLISHED = re.compile(r"(成文)?(?:发布|发表|公布)?(?:时间|日期)\s*:\s*(?:" + ISO + "|" + DATE + ")")
# Web-page metadata (信息索引号:, 文件名称:, 发布机构:): a label, never the title, though 文件名称 repeats it.
LABEL = re.compile(r"^[\u4e00-\u9fff]{2,6}\s*:")
# A title broken over two lines is read whole when its first line is no longer than this.
TITLE_FIRST_LINE = 60
PERIOD = re.compile(DATE + r"(?:起)?\s*(?:至|到|—|–|-|~)\s*" + YMD)
FEEDBACK = [
    re.compile(r"于" + YMD + r"[^。]{0,20}?反馈"),
    re.compile(r"反馈[^。]{0,12}?于" + YMD),
    re.compile(YMD + r"[^。]{0,12}?(?:召开|举行)[^。]{0,10}?反馈"),
    re.compile(YMD + r"[,,]?[^。]{0,30}?反馈(?:了)?(?:巡察|巡视)?(?:意见|情况)"),
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

# Claim kinds are public strings (the `claims` query shows them); each is tried once per report,
# its alternatives in order, and the first number found is the claim. Counts may be printed in
# Chinese numerals (四个方面二十二个问题); the claim's value is always a decimal.
N = r"(\d+(?:\.\d+)?)"
CLAIMS: list[tuple[str, re.Pattern[str]]] = [
    ("aspects", re.compile(r"(\d+|[一二两三四五六七八九十百]+)个方面")),
    (
        "findings",
        re.compile(
            r"(\d+|[一二两三四五六七八九十百]+)个(?:具体)?问题|反馈(?:意见|问题)(\d+|[一二两三四五六七八九十百]+)(?:个|条|项)"
        ),
    ),
    (
        "findings-rectified",
        re.compile(
            r"已(?:全部)?(?:完成整改|整改完成|整改到位|完成|办结)(\d+|[一二两三四五六七八九十百]+)个|已整改(?:到位)?(\d+|[一二两三四五六七八九十百]+)个|整改到位(\d+|[一二两三四五六七八九十百]+)个"
            r"|(?<!基本)(?<!未)完成整改(\d+|[一二两三四五六七八九十百]+)个|(\d+|[一二两三四五六七八九十百]+)个(?:具体)?问题[^。;\d]{0,6}?全部(?:完成整改|整改完成|整改到位)"
        ),
    ),
    (
        "findings-basically-rectified",
        re.compile(r"基本(?:完成|整改到位)(?:整改)?[^。;,\d]{0,16}?(\d+|[一二两三四五六七八九十百]+)个"),
    ),
    (
        "findings-in-progress",
        re.compile(
            r"(?:其余|正在推进|持续推进|正在整改|阶段性完成|需长期坚持(?:整改)?)(\d+|[一二两三四五六七八九十百]+)个"
            r"|(\d+|[一二两三四五六七八九十百]+)个(?:问题)?(?:正在推进|持续推进|正在整改|正按计划推进|需长期推进|需长期坚持)"
        ),
    ),
    ("findings-unrectified", re.compile(r"(?:未完成|尚未完成)(?:整改)?(\d+|[一二两三四五六七八九十百]+)个")),
    ("findings-immediately-rectified", re.compile(r"立行立改(\d+|[一二两三四五六七八九十百]+)个")),
    ("rectification-rate-percent", re.compile(r"(?:整改)?完成率(?:达到?|为)?" + N + r"%")),
    (
        "measures",
        re.compile(
            r"整改(?:措施|举措)(\d+|[一二两三四五六七八九十百]+)(?:条|项)|(\d+|[一二两三四五六七八九十百]+)(?:条|项)(?:具体)?整改(?:措施|举措)"
        ),
    ),
    (
        "measures-completed",
        re.compile(
            r"整改(?:措施|举措)\d+(?:条|项)[,,]?(?:其中)?(?:已完成整改|已完成|已落实到位|已落实|已整改到位|已全部完成)(\d+|[一二两三四五六七八九十百]+)(?:条|项)"
        ),
    ),
    (
        "rules-new",
        re.compile(
            r"(?<![和及与])(?:新建|新制定|新出台)(?:各项)?(?:制度)?(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)"
        ),
    ),
    (
        "rules-revised",
        re.compile(
            r"(?<![和及与并])修(?:订|改)(?:完善)?(?:各项)?(?:制度)?(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)|(?<![和及与并修改订])完善制度(\d+|[一二两三四五六七八九十百]+)项"
        ),
    ),
    (
        "rules-established-or-improved",
        re.compile(
            r"(?:建立(?:健全|完善)|健全(?:完善)?)(?:各项)?制度(?:机制)?(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)|建章立制(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)"
            r"|(?:制定|新建|建立|完善)[和及与并](?:修改|修订)?(?:完善|新建)?(?:各项)?制度(?:机制)?(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)"
        ),
    ),
    ("rules-abolished", re.compile(r"废止[^\d。;]{0,10}?(\d+|[一二两三四五六七八九十百]+)(?:项|个|件)")),
    ("cases-opened", re.compile(r"立案(?:审查调查)?(\d+|[一二两三四五六七八九十百]+)(?:件|起)")),
    ("clues-transferred", re.compile(r"移交(?:问题)?线索(\d+|[一二两三四五六七八九十百]+)(?:条|件)")),
    ("persons-sanctioned", re.compile(r"处分(\d+|[一二两三四五六七八九十百]+)人")),
    ("persons-admonished", re.compile(r"诫勉(?:谈话)?(\d+|[一二两三四五六七八九十百]+)人")),
    ("persons-criticised", re.compile(r"批评教育(\d+|[一二两三四五六七八九十百]+)人")),
    ("persons-reminded", re.compile(r"(?:谈话提醒|提醒谈话)(\d+|[一二两三四五六七八九十百]+)人")),
    ("persons-held-accountable", re.compile(r"问责(?:处理)?(\d+|[一二两三四五六七八九十百]+)人")),
    ("persons-organisational-handling", re.compile(r"组织处理(\d+|[一二两三四五六七八九十百]+)人")),
    (
        "campaigns",
        re.compile(r"(?:集中整治|专项治理|专项整治|专项行动)[^\d。;,]{0,6}?(\d+|[一二两三四五六七八九十百]+)(?:项|次)"),
    ),
    (
        "funds-recovered-wan-yuan",
        re.compile(r"(?:追回|清退|挽回|追缴|收缴|退缴|收回|退还)[^\d。;]{0,16}?" + N + r"万元"),
    ),
]

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
    _claims(report)
    _contact(report)


def _title(report: Report) -> None:
    if found := _find_title(report.text):
        m, start, line_end = found
        report.title = m.group("title")
        report.title_span = Span(start, start + len(report.title) + report.text.count("\n", start, line_end))
        if date := [g for g in m.groups()[1:] if g]:
            report.dates["published"] = (iso(*date), Span(start, line_end))
        else:
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
    if m := PERIOD.search(pre):
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
    pos = 0
    for line in report.text.split("\n"):
        if m := SIGNED.match(line):
            report.dates["signedDate"] = (iso(*m.groups()), Span(pos, pos + len(line)))
        pos += len(line) + 1


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


def _paragraphs(report: Report) -> list[tuple[int, str]]:
    """Paragraphs outside every finding: where a report states its own totals."""
    inside = [(f.span.start, f.body.end) for f in report.findings]
    out, pos = [], 0
    for para in report.text.split("\n"):
        if not any(s <= pos < e for s, e in inside):
            out.append((pos, para))
        pos += len(para) + 1
    return out


def claims_in(para: str) -> list[tuple[str, re.Match[str]]]:
    """Every kind of total the paragraph states, with the match that states it."""
    return [(kind, m) for kind, pattern in CLAIMS if (m := pattern.search(para))]


def _claims(report: Report) -> None:
    """The headline paragraph is the one outside the findings that states the most totals.

    A report may carry its totals over into the next paragraph (整改期间，建立健全制度…), so a
    following paragraph that adds at least two new kinds of total is read with it.
    """
    paras = _paragraphs(report)
    scored = [(len(claims_in(p)), i) for i, (_, p) in enumerate(paras) if "问题" in p or "措施" in p]
    if not scored:
        return
    best, index = max(scored, key=lambda s: (s[0], -s[1]))
    if best < 2:
        return
    seen: set[str] = set()
    for start, para in paras[index : index + 2]:
        found = [(k, m) for k, m in claims_in(para) if k not in seen]
        if seen and len(found) < 2:
            break
        for kind, m in found:
            value = next(g for g in m.groups() if g)
            seen.add(kind)
            report.claims.append(Claim(kind, _decimal(value), m.group(0), Span(start + m.start(), start + m.end())))
    report.claims.sort(key=lambda c: c.span.start)


def _decimal(value: str) -> str | None:
    """18.64 stays; 二十二 → 22; a run of numerals that is no number (三三) gives None."""
    if value[0].isdigit():
        return value
    number = chinese_number(value)
    return None if number is None else str(number)


def _contact(report: Report) -> None:
    for kind, pattern in CONTACT:
        if m := pattern.search(report.text):
            value = m.group(1).strip()
            report.contact[kind] = (value, Span(m.start(1), m.start(1) + len(value)))
