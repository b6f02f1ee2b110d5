"""Quantities (number, unit, what is counted) and dated events inside measures.

A quantity is a number followed by a unit: 抽查复核464户救助家庭 → 464 户 救助家庭; 50余次 → 50 次,
approximate; 94% → 94 percent; 9.72万元 → 9.72 万元 (money keeps its 万元, as reports and
readers count in it); 1.2万余条 → 12000 条 (any other 万 is multiplied out, since 万条 is no unit).
Chinese numerals count only before a unit that cannot start a set phrase (两次, 三年), and never
inside quotes (“一人一档”, “三会一课” are names, not counts). A number with no unit (12345热线,
1+3+3), a year (2025年), a date, a 文号 (〔2025〕12号), a time (8:30) or a list ordinal is no quantity.

*What is counted* is the noun phrase after the unit (464户救助家庭), else the one before the number
(核准困境儿童412名), with the verbs and adverbs that introduce it stripped; where neither says
(其余41家), it is what the previous quantity of the same unit counted. It is a description for
people, not a key: the lists below are the common words of these reports, not a grammar.

Dates become events: a full date is an ISO date; a month (2025年11月) or a year (2023年以来) is
stored as its first day with precision "month" or "year", so the timeline sorts it yet no one
mistakes it for a day; a period (2026—2035年, 3月至5月) gives two events, its start and its end.
"""

from __future__ import annotations

import re
from decimal import Decimal

from loaders.model import Event, Measure, Quantity, Report, Span

UNIT_WORDS = (
    "个百分点 个工作日 个月 万元 亿元 千元 元 人次 户次 家次 批次 场次 件次 班次 小时 分钟 平方米 公里 公顷 立方米 户 "
    "人 名 家 个 条 项 件 处 次 场 期 批 块 所 张 类 份 卷 "
    "笔 篇 岁 天 年 周 轮 座 间 床 台 辆 套 本 册 位 支 组 "
    "宗 起 封 页 课时 学时 亩 米 吨 倍 例 种 盏 棵 根 门 栋 幢 "
    "节 单 "
)
UNITS = sorted(UNIT_WORDS.split(), key=len, reverse=True)
# Compound units (场次, 户次) first, as in UNITS: 三场次 is three sessions, not 三场 and a stray 次.
CN_UNITS = (
    "人次",
    "户次",
    "家次",
    "批次",
    "场次",
    "件次",
    "次",
    "名",
    "个",
    "项",
    "家",
    "条",
    "期",
    "批",
    "场",
    "轮",
    "年",
    "件",
    "处",
    "份",
    "户",
    "所",
)
MULTIPLIER = {"万": 10_000, "亿": 100_000_000, "千": 1_000}
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

ARABIC = re.compile(
    r"(?<![\d.\-/:〔第])(?P<approx_before>约|大约)?(?P<num>\d+(?:\.\d+)?)(?P<mult>[万亿千])?"
    r"(?P<approx>余|多)?(?:(?P<percent>%|‰)|(?P<unit>" + "|".join(UNITS) + r"))(?P<approx_after>左右)?"
)
CHINESE = re.compile(
    r"(?<![第逐统唯万之])(?P<num>[一二两三四五六七八九十百]+)(?P<approx>余|多)?"
    r"(?P<unit>" + "|".join(CN_UNITS) + r")(?![性一二两三四五六七八九十])"
)
SLOGAN_TAIL = re.compile(r"[\u4e00-\u9fff]{0,2}?一")
QUOTED = re.compile(r"“[^“”]*”")
TERMINATORS = set(",。;:!?、()“”《》〈〉 \n")
# What ends the noun phrase after a unit: the verb, conjunction or preposition that follows it.
# A one-character word ends it only where it is not the start of a noun (对象, 经营, 未成年人).
AFTER_STOP = re.compile(
    r"并|和|以及|及(?!时)|的|在(?!校|册|岗|职|编|建)|对(?!象|接|比|标|照|口|应)|由(?!于)|向|为(?!主)"
    r"|经(?!营|费|济|办|验)|按(?!时|期)|均|于|与|从(?!业)|未(?!成年)|已|有(?!关|效|序)"
    r"|进行|开展|参加|参与|存在|具备|涉及|实现|达到|予以|及时|全部|成功|制定|提供|纳入|签订|入住"
    r"|下降|提高|增至|增加|减少|上升|研究|依法|重新|逐项|逐一|逐卷|调整|发放"
)
# Words that introduce the noun phrase before a number: verbs and adverbs, stripped from its start.
BEFORE_CUES = (
    "共计",
    "累计",
    "合计",
    "总计",
    "全年",
    "先后",
    "分别",
    "其中",
    "其余",
    "目前",
    "以来",
    "针对",
    "并",
    "共",
    "已",
    "计",
    "约",
    "达到",
    "达",
    "为",
    "由",
    "增至",
    "下降到",
    "提高到",
    "不少于",
    "不低于",
    "至少",
    "超过",
    "覆盖",
    "完成",
    "开展",
    "召开",
    "举办",
    "核查",
    "核准",
    "抽查",
    "排查出",
    "排查",
    "查出",
    "发现",
    "梳理",
    "收集",
    "追回",
    "清退",
    "退还",
    "补充完善",
    "补充",
    "调整充实",
    "调整",
    "充实",
    "选派",
    "约谈",
    "注销",
    "聘请",
    "确定",
    "建立了",
    "建立",
    "设置",
    "推广",
    "培训",
    "涉及",
    "收录",
    "化解",
    "办结",
    "清理规范",
    "清理",
    "新纳入",
    "停发",
    "涵盖",
    "面向",
    "实现",
    "对",
    "将",
    "等",
)
# Words that open a phrase before its noun (组织儿童福利…队伍, 对连续, 由机关党委), not the 共 of 共享.
LEADING = re.compile(r"组织|对(?!象|接|比|标|照|口|应)|将|由(?!于)|为(?!期|主)|共(?!享|同|青|建)|向|全年|累计|共计")
NOT_COUNTED = {"", "其中", "其余", "共", "共计", "累计", "对", "将", "针对", "为期", "覆盖"}

DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?|(?<![\d年])(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日"
)
PERIOD = re.compile(r"(?P<a>\d{4})(?:年)?\s*[—–\-~至到]\s*(?P<b>\d{4})年")
DATE_RANGE_SEPARATOR = re.compile(r"\s*(?:起)?\s*[—–\-~至到]\s*")
CLAUSE_STOPS = ",。;:!?\n"
CLAUSE_STOP = re.compile(f"[{CLAUSE_STOPS}]")
CLAUSE_REACH = 200


def read_quantities(report: Report) -> None:
    """Fill measure.quantities and measure.events for every measure."""
    for finding in report.findings:
        earlier: list[Quantity] = []  # 其余41家 in the next measure still counts 社会组织
        for measure in finding.measures:
            measure.quantities.extend(_quantities(report, measure, earlier))
            measure.events.extend(_events(report.text, measure))
            earlier.extend(measure.quantities)


# --- quantities ---------------------------------------------------------------------------------


def _quantities(report: Report, measure: Measure, context: list[Quantity]) -> list[Quantity]:
    text, span = report.text, measure.span
    titles = [c.span for c in measure.citations]
    quotes = [Span(m.start(), m.end()) for m in QUOTED.finditer(text, span.start, span.end)]
    found: list[tuple[int, int, str, str, bool]] = []
    for m in ARABIC.finditer(text, span.start, span.end):
        if _inside(m.start("num"), titles) or _is_year(m):
            continue
        value, unit = _arabic_value(m)
        approximate = bool(m.group("approx") or m.group("approx_before") or m.group("approx_after"))
        found.append((m.start("num"), m.end(), value, unit, approximate))
    for m in CHINESE.finditer(text, span.start, span.end):
        if _inside(m.start(), titles + quotes) or _set_phrase(text, m):
            continue
        value = chinese_number(m.group("num"))
        if value:
            found.append((m.start(), m.end(), str(value), m.group("unit"), bool(m.group("approx"))))
    found.sort()
    quantities: list[Quantity] = []
    for start, end, value, unit, approximate in found:
        counted = _counted(text, span, start, end, quantities, unit, context)
        quantities.append(Quantity(value, unit, counted, approximate, Span(start, end)))
    return quantities


def _inside(pos: int, spans: list[Span]) -> bool:
    return any(s.start <= pos < s.end for s in spans)


def _is_year(m: re.Match[str]) -> bool:
    """2025年, 2025年度, 2023年以来: a date, not three thousand years."""
    return m.group("unit") == "年" and len(m.group("num")) == 4 and not m.group("mult")


def _arabic_value(m: re.Match[str]) -> tuple[str, str]:
    num, mult, unit = m.group("num"), m.group("mult"), m.group("unit")
    if m.group("percent"):
        return num, "percent" if m.group("percent") == "%" else "permille"
    if mult and unit == "元":
        return num, mult + unit
    if mult:
        value = Decimal(num) * MULTIPLIER[mult]
        return format(value.normalize(), "f"), unit
    return num, unit


def _set_phrase(text: str, m: re.Match[str]) -> bool:
    """一人一档, 一处一策, 一问题一档案: a numeral-unit pair repeated is a slogan, not a count."""
    return m.group("num") in ("一", "两") and bool(SLOGAN_TAIL.match(text, m.end()))


def chinese_number(num: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百二十 → 120; anything else (三三) is not a number here."""
    total, current = 0, 0
    for ch in num:
        if ch in CN_DIGITS:
            if current:
                return None
            current = CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current or None


def _counted(
    text: str, span: Span, start: int, end: int, earlier: list[Quantity], unit: str, context: list[Quantity]
) -> str:
    after = _after(text, end, span.end)
    if after:
        return after
    if earlier and earlier[-1].span.end == start:  # 3127户5306人: the same households
        return earlier[-1].counted
    before = _before(text, start, span.start, earlier)
    if before not in NOT_COUNTED and before not in BEFORE_CUES:
        return before
    same = [q.counted for q in (*context, *earlier) if q.unit == unit and q.counted]
    if same:
        return same[-1]
    return "" if before in NOT_COUNTED else before


def _after(text: str, pos: int, limit: int) -> str:
    """The noun after a unit: 464户救助家庭; 10%的对象; 3名存在心理危机倾向的儿童 → 儿童."""
    if text.startswith("的", pos):
        pos += 1
    end = _noun_end(text, pos, limit)
    if end == pos and pos < limit and text[pos] not in TERMINATORS:
        clause_end = pos
        while clause_end < min(limit, pos + 24) and text[clause_end] not in TERMINATORS:
            clause_end += 1
        de = text.rfind("的", pos, clause_end)
        if de != -1:
            pos = de + 1
            end = _noun_end(text, pos, limit)
    return text[pos:end][:16]


def _noun_end(text: str, pos: int, limit: int) -> int:
    end = pos
    while end < limit and text[end] not in TERMINATORS and not text[end].isdigit():
        if AFTER_STOP.match(text, end):
            break
        end += 1
    return end


def _before(text: str, pos: int, limit: int, earlier: list[Quantity]) -> str:
    start = pos
    floor = max([limit, *(q.span.end for q in earlier if q.span.end <= pos)])
    while start > floor and text[start - 1] not in TERMINATORS:
        start -= 1
    phrase = text[start:pos]
    if "的" in phrase:
        phrase = phrase.rsplit("的", 1)[1]
    return _strip_cues(phrase)[-16:]


def _strip_cues(phrase: str) -> str:
    """共核查城乡低保家庭 → 城乡低保家庭; 培训覆盖 → 培训; a phrase that is only cues stays as it is.

    Cues at the end (占比达, 培训覆盖) go first; then the noun follows the last cue of two
    characters or more inside the phrase (one-character cues like 对 would split 对象), and 等 cuts
    a list off its noun (食品留样不全等隐患 → 隐患) unless it starts 等级.
    """
    while cue := next((c for c in BEFORE_CUES if phrase.endswith(c) and len(phrase) - len(c) >= 2), None):
        shorter = phrase.removesuffix(cue)
        if shorter in BEFORE_CUES or shorter in NOT_COUNTED:  # 累计培训: keep 培训, not 累计
            break
        phrase = shorter
    cuts = [i + len(c) for c in BEFORE_CUES if len(c) > 1 for i in [phrase.rfind(c)] if 0 <= i < len(phrase) - len(c)]
    cuts += [m.end() for m in re.finditer(r"(?:等(?!级|待|同)|并)", phrase) if m.end() < len(phrase)]
    phrase = phrase[max(cuts, default=0) :]
    while (lead := LEADING.match(phrase)) and len(phrase) - lead.end() >= 2:
        phrase = phrase[lead.end() :]
    return phrase


# --- dated events -------------------------------------------------------------------------------


def _events(text: str, measure: Measure) -> list[Event]:
    span = measure.span
    events: list[Event] = []
    taken: list[Span] = []
    for m in PERIOD.finditer(text, span.start, span.end):
        label = _clause(text, m.start(), span)
        events.append(Event(f"{m.group('a')}-01-01", label, Span(m.start(), m.end()), "year", "start"))
        events.append(Event(f"{m.group('b')}-01-01", label, Span(m.start(), m.end()), "year", "end"))
        taken.append(Span(m.start(), m.end()))
    year: str | None = None
    previous: Event | None = None
    for m in DATE.finditer(text, span.start, span.end):
        if _inside(m.start(), taken):
            continue
        y = m.group("y") or year
        if not y:
            continue
        year = y
        month, day = m.group("m") or m.group("m2"), m.group("d") or m.group("d2")
        if not 1 <= int(month or 1) <= 12 or not 1 <= int(day or 1) <= 31:
            continue
        precision = "day" if day else ("month" if month else "year")
        date = f"{int(y):04d}-{int(month or 1):02d}-{int(day or 1):02d}"
        event = Event(date, _clause(text, m.start(), span), Span(m.start(), m.end()), precision)
        # 3月10日至5月16日: the second date ends the period the first one starts.
        if previous and DATE_RANGE_SEPARATOR.fullmatch(text[previous.span.end : m.start()]):
            previous.part, event.part = "start", "end"
        events.append(event)
        previous = event
    events.sort(key=lambda e: (e.span.start, e.part != "start"))
    return events


def _clause(text: str, pos: int, span: Span) -> str:
    """The clause around a date, as the event's label: …的隐患于2025年11月完成施工并通过验收.

    It reaches at most CLAUSE_REACH characters either way, so a measure run together without
    stops gives short labels in linear time rather than its whole text for every date in it.
    """
    floor = max(span.start, pos - CLAUSE_REACH)
    start = max(floor, *(text.rfind(stop, floor, pos) + 1 for stop in CLAUSE_STOPS))
    end = CLAUSE_STOP.search(text, pos, min(span.end, pos + CLAUSE_REACH))
    return text[start : end.start() if end else min(span.end, pos + CLAUSE_REACH)]
