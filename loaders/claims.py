"""The report's headline claims: the totals it states for itself (问题, 措施, 人, 制度, 万元).

A claim is set beside what the graph counts, so a wrong one misleads more than a missing one:
each kind is a short list of phrasings, and only paragraphs outside the findings are read.
"""

from __future__ import annotations

import re

from loaders.model import Claim, Report, Span
from loaders.quantities import chinese_number

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


def read_claims(report: Report) -> None:
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
