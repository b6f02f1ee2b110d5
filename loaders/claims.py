"""The report's headline claims: the totals it states for itself (问题, 措施, 人, 制度, 万元).

A claim is set beside what the graph counts, so a wrong one misleads more than a missing one:
each kind is a short list of phrasings, only paragraphs outside the findings are read, and a
total away from the headline paragraph is taken only where a report states totals (see
read_claims). A total the graph cannot count (persons handled, money recovered) is still a claim.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import islice

from loaders.model import Claim, Report, Span
from loaders.quantities import chinese_number

# "№" in a phrasing below is the counted number, in digits or Chinese numerals (四个方面二十二个问题);
# the claim's value is always a decimal.
COUNT = r"(\d+|[一二两三四五六七八九十百]+)"
N = r"(\d+(?:\.\d+)?)"
# What a count of rules may be called: 制度, 制度机制, 制度规范 …
RULES = r"(?:各项)?(?:规章)?制度(?:机制|规范|文件)?"


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("№", COUNT).replace("RULES", RULES))


def _persons(sanction: str) -> re.Pattern[str]:
    """A count of persons, the number after the sanction (诫勉谈话3人) or before it (3人被诫勉谈话,
    对3名责任人进行批评教育, 给予2名同志诫勉谈话); only paragraphs outside the findings are read."""
    return _p(
        rf"(?:{sanction})№人|№人(?:被|受到)?(?:给予|予以|进行)?(?:{sanction})"
        rf"|№名[^\d。;,]{{0,10}}?(?:{sanction})"
    )


# Claim kinds are public strings (the `claims` query shows them). Each is read once per report,
# the first plausible match of its alternatives; a kind in MULTIPLE is read at every match.
CLAIMS: list[tuple[str, re.Pattern[str]]] = [
    ("aspects", _p(r"№个方面|№大类")),
    (
        "findings",
        _p(
            r"№(?:个|项)(?:具体|突出)?问题|(?:反馈|发现|指出)(?:的)?(?:意见|(?:各类|具体)?问题)(?:共计?)?№(?:个|条|项)(?!方面)"
            r"|(?:反馈|发现|指出)(?:的)?(?:各类|具体)?问题(?:共计?)?(?:\d+|[一二两三四五六七八九十]+)个方面(?:共计?)?№(?:个|条|项)"
            r"|(?:细化|分解|梳理)(?:为|出)(?:具体)?问题№(?:个|条|项)"
        ),
    ),
    (
        "findings-rectified",
        _p(
            r"已(?:全部)?(?:完成整改|整改完成|整改到位|完成|办结)№个|已整改(?:到位)?№个|整改到位№个"
            r"|(?<!基本)(?<!未)完成整改№个|(?<!未)整改完成№个|№个(?:具体)?问题[^。;\d]{0,6}?全部(?:完成整改|整改完成|整改到位)"
            r"|问题№个,?(?:目前)?(?:已)?全部(?:完成整改|整改完成|整改到位)"
        ),
    ),
    ("findings-basically-rectified", _p(r"基本(?:完成|整改到位)(?:整改)?[^。;,\d]{0,16}?№个")),
    (
        "findings-in-progress",
        _p(
            r"(?:其余|剩余|正在推进|持续推进|正在整改|阶段性完成|需长期坚持(?:整改)?)№个"
            r"|№个(?:问题)?(?:正在推进|持续推进|正在整改|正按计划推进|需长期推进|需长期坚持)"
        ),
    ),
    ("findings-unrectified", _p(r"(?:未完成|尚未完成)(?:整改)?№个")),
    ("findings-immediately-rectified", _p(r"立行立改(?:问题)?№个|№个立行立改问题")),
    ("rectification-rate-percent", re.compile(r"(?:整改)?完成率(?:达到?|为)?" + N + r"%")),
    ("measures", _p(r"整改(?:措施|举措)№(?:条|项)|№(?:条|项)(?:具体)?整改(?:措施|举措)")),
    (
        "measures-completed",
        _p(
            r"整改(?:措施|举措)\d+(?:条|项)[,]?(?:其中)?(?:已完成整改|已完成|已落实到位|已落实|已整改到位|已全部完成)№(?:条|项)"
            r"|整改(?:措施|举措)№(?:条|项),?(?:目前)?(?:已)?全部(?:完成|落实)"
        ),
    ),
    ("rules-new", _p(r"(?<![和及与])(?:新建|新制定|新出台)(?:RULES)?№(?:项|个|件)")),
    (
        "rules-revised",
        _p(r"(?<![和及与并])修(?:订|改)(?:完善)?(?:RULES)?№(?:项|个|件)|(?<![和及与并修改订立全定])完善制度№项"),
    ),
    (
        "rules-established-or-improved",
        _p(
            r"(?:建立(?:健全|完善)|健全(?:完善)?|制定完善)RULES№(?:项|个|件)|建章立制№(?:项|个|件)"
            r"|(?:制定|新建|建立|完善)[和及与并](?:修改|修订)?(?:完善|新建)?RULES№(?:项|个|件)"
            r"|(?:规章制度|机制制度|制度(?:机制|规范|文件))(?:共计?)?№(?:项|个|件)"
        ),
    ),
    ("rules-abolished", _p(r"废止[^\d。;]{0,10}?№(?:项|个|件)")),
    ("cases-opened", _p(r"立案(?:审查调查)?№(?:件|起)")),
    ("clues-transferred", _p(r"移交(?:问题)?线索№(?:条|件)")),
    ("persons-sanctioned", _persons(r"(?:党纪|政务)?处分")),
    ("persons-admonished", _persons(r"诫勉(?:谈话)?")),
    ("persons-criticised", _persons(r"批评(?:教育|帮助)")),
    ("persons-reminded", _persons(r"谈话提醒|提醒谈话")),
    ("persons-held-accountable", _persons(r"问责(?:处理)?")),
    ("persons-organisational-handling", _persons(r"组织处理")),
    ("persons-ordered-to-self-examine", _p(r"责令(?:作出)?(?:书面)?检查№人")),
    (
        "persons-referred-for-investigation",
        _p(r"(?:交由|移交|移送)[^\d。;,]{0,6}?(?:纪委|监委|纪检监察)[^\d。;,]{0,8}?№人"),
    ),
    ("campaigns", _p(r"(?:集中整治|专项治理|专项整治|专项行动)[^\d。;,]{0,6}?№(?:项|次)")),
    (
        "funds-recovered-wan-yuan",
        re.compile(r"(?:追回|清退|挽回|追缴|收缴|退缴|收回|退还)[^\d。;]{0,16}?" + N + r"(万|亿)?元"),
    ),
]
MULTIPLE = {"funds-recovered-wan-yuan"}  # 追回…12.6万元,清退…3.4万元: each amount is a claim
# One printed number is one count of rules: 建立完善制度11项 is not also 完善制度11项 revised.
EXCLUSIVE = {"rules-new", "rules-revised", "rules-established-or-improved"}
# Totals a report states of its inspection (the graph counts them); away from the headline paragraph
# they are read only where the paragraph names the status date or what the inspection fed back
# (聚焦6个方面 in a paragraph on how the work was organised is the plan's, not the feedback's).
CORE = ("aspects", "findings", "rectification", "measures")
ANCHOR = re.compile(r"截至|截止|(?:巡察|巡视)[^。]*?(?:反馈|指出|发现)")
# 每一个问题, 这个方面, 一个问题一个问题: words before a number that make it no count.
NOT_A_COUNT_BEFORE = set("每逐这那哪同另任某单")
YUAN_PER = {"万": 1, "亿": 10_000, None: Decimal("0.0001")}
# Every phrasing above puts a unit (or %, or a decimal point) right after its number: a paragraph
# without such a pair states no total, and most of a report's paragraphs are skipped at this cost.
MAY_COUNT = re.compile(r"(?:\d|[一二两三四五六七八九十百])[个项条件起人名次%万亿元大.]")


def claims_in(para: str) -> list[tuple[str, re.Match[str]]]:
    """Every kind of total the paragraph states, with the match that states it (first plausible)."""
    return [(kind, m) for kind, pattern in CLAIMS for m in _matches(kind, pattern, para)[:1]]


def paragraph_claims(para: str, start: int = 0) -> list[Claim]:
    """The claims of one paragraph, `start` its offset in the report: values as decimals, one kind per
    number among the rule counts, every money amount that is not part of another."""
    if not MAY_COUNT.search(para):
        return []
    found = [(kind, m) for kind, pattern in CLAIMS for m in _matches(kind, pattern, para)]
    claims = []
    for kind, m in found:
        if kind in EXCLUSIVE and _outranked(kind, m, found):
            continue
        value = _value(kind, m)
        if value is not None:
            claims.append(Claim(kind, value, m.group(0), Span(start + m.start(), start + m.end())))
    return claims


def _matches(kind: str, pattern: re.Pattern[str], para: str) -> list[re.Match[str]]:
    """The plausible matches, lazily: most kinds stop at the first, as the headline states each once."""
    plausible = (m for m in pattern.finditer(para) if _is_count(kind, m, para))
    return list(plausible) if kind in MULTIPLE else list(islice(plausible, 1))


def _number(m: re.Match[str]) -> int:
    return next(i for i in range(1, (m.lastindex or 0) + 1) if m.group(i))


def _is_count(kind: str, m: re.Match[str], para: str) -> bool:
    """A lone 一 counting problems or aspects is a set phrase (一个问题一个问题抓整改), as is any number
    after 每/这/另 …; a money amount after 其中 in its clause is a part of the amount before it."""
    group = _number(m)
    pos = m.start(group)
    if pos and para[pos - 1] in NOT_A_COUNT_BEFORE:
        return False
    if kind in ("findings", "aspects") and m.group(group) == "一":
        return False
    if kind in MULTIPLE:
        clause = re.split(r"[。;]", para[: m.start()])[-1]
        return "其中" not in clause
    return True


def _outranked(kind: str, m: re.Match[str], found: list[tuple[str, re.Match[str]]]) -> bool:
    """Another rule count reads the same number with a longer phrase (the more specific reading)."""
    here = m.span(_number(m))
    return any(
        other != kind and other in EXCLUSIVE and o.span(_number(o)) == here and len(o.group(0)) > len(m.group(0))
        for other, o in found
    )


def _value(kind: str, m: re.Match[str]) -> str | None:
    value = _decimal(m.group(_number(m)))
    if value is None or kind not in MULTIPLE:
        return value
    wan = Decimal(value) * YUAN_PER[m.group(m.lastindex) if m.lastindex and m.lastindex > _number(m) else None]
    return format(wan.normalize(), "f")


def _paragraphs(report: Report) -> list[tuple[int, str]]:
    """Paragraphs outside every finding: where a report states its own totals."""
    inside = [(f.span.start, f.body.end) for f in report.findings]
    out, pos = [], 0
    for para in report.text.split("\n"):
        if not any(s <= pos < e for s, e in inside):
            out.append((pos, para))
        pos += len(para) + 1
    return out


def read_claims(report: Report) -> None:
    """The headline paragraph is the one outside the findings that states the most totals; others add.

    Reports spread their totals (problems and measures in one paragraph, persons handled or rules
    made in another), so every paragraph before the first finding, and the one right after the
    headline, adds the kinds the headline lacks: totals of the inspection (问题, 措施) only where it
    names the inspection or the status date, other totals (人, 制度, 万元) wherever they stand.
    A headline with a single total must name the inspection too. Parts after the findings (下一步)
    speak of work to come and are not read, except as the headline itself.
    """
    paras = _paragraphs(report)
    stated = {i: paragraph_claims(p, start) for i, (start, p) in enumerate(paras) if "问题" in p or "措施" in p}
    if not stated:
        return
    # Most kinds of total first, then a paragraph that names the inspection, then the earliest.
    ranked = ((len({c.kind for c in claims}), bool(ANCHOR.search(paras[i][1])), -i) for i, claims in stated.items())
    best, anchored, earliest = max(ranked)
    index = -earliest
    if best == 0 or (best == 1 and not anchored):
        return
    first = report.findings[0].span.start if report.findings else len(report.text)
    after = paras[index][0] + len(paras[index][1]) + 1  # the line right after the headline
    report.claims.extend(stated[index])
    seen = {c.kind for c in report.claims}
    for i, (start, para) in enumerate(paras):
        if i == index or (start >= first and start != after):
            continue
        claims = stated[i] if i in stated else paragraph_claims(para, start)
        anchored = bool(ANCHOR.search(para))
        new = [c for c in claims if c.kind not in seen and (anchored or not c.kind.startswith(CORE))]
        report.claims.extend(new)
        seen.update(c.kind for c in new)
    report.claims.sort(key=lambda c: c.span.start)


def _decimal(value: str) -> str | None:
    """18.64 stays; 二十二 → 22; a run of numerals that is no number (三三) gives None."""
    if value[0].isdigit():
        return value
    number = chinese_number(value)
    return None if number is None else str(number)
