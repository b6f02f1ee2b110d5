"""Policies: named rules, mechanisms and systems a measure sets up or applies (no 《》 title).

A policy is read as *action verb + name*, where the name is the noun phrase right after the verb
that ends in one of the policy heads (机制, 制度, 清单, 台账, 模式, 办法, or 制 as in 负责制) at a
phrase boundary. Reading only what a verb governs keeps clauses and stray nouns out; a name whose
qualifier is only generic words (工作机制, 长效机制, 管理制度) names nothing and is dropped.

Names are kept as printed, quotes included (“黑名单”管理制度), except that a 的 right after a
closing quote is left out (形成“1+3+3”的信息核查机制 → “1+3+3”信息核查机制), as the annotation guide
writes it; the span still covers the printed words, 的 included, so the evidence is exact.
"""

from __future__ import annotations

import re

from loaders.model import Citation, Measure, PolicyUse, Report, Span
from loaders.negation import negated

HEADS = ("机制", "制度", "清单", "台账", "模式", "办法", "制")
# Words in which 制 is not a policy head (控制, 编制 …); 机制/体制 are whole heads or generic.
NOT_ZHI = set("机体控限编管强抑研定克法建税学专牵遏压复录绘印监节")
GENERIC = (
    "工作",
    "长效",
    "管理",
    "相关",
    "有关",
    "各项",
    "规章",
    "体制",
    "制度",
    "机制",
    "内部",
    "相应",
    "常态化",
    "日常",
    "配套",
    "运行",
    "新",
)
# Longest first, so 建立健全 wins over 建立 and 严格执行 over 执行 at the same place.
VERBS: dict[str, str] = {
    "建立健全": "established",
    "建立完善": "established",
    "探索建立": "established",
    "建立": "established",
    "形成": "established",
    "实行": "established",
    "推行": "established",
    "构建": "established",
    "制定": "established",
    "出台": "established",
    "搭建": "established",
    "确立": "established",
    "创建": "established",
    "新建": "established",
    "印发": "established",
    "下发": "established",
    "健全完善": "improved",
    "完善优化": "improved",
    "优化完善": "improved",
    "健全": "improved",
    "完善": "improved",
    "优化": "improved",
    "修订": "improved",
    "改进": "improved",
    "强化": "improved",
    "加强": "improved",
    "严格执行": "applied",
    "严格落实": "applied",
    "认真落实": "applied",
    "落实": "applied",
    "执行": "applied",
    "实施": "applied",
    "依托": "applied",
    "运用": "applied",
}
VERB = re.compile("|".join(sorted(VERBS, key=len, reverse=True)))
FILLER = re.compile(r"(?:了|起|一套|一个|一项|一批)?")
# A run may carry a short bracketed gloss: 实行“正面清单”(指导性目录)与“负面清单”相结合的管理模式.
RUN = re.compile(r"(?:[^,。;:!?()《》〈〉\s〔〕\[\]]|\([^()。;]{0,20}\))*")
CONNECTORS = ("以及", "和", "及", "与", "、")
MAX_NAME = 22  # characters without quotes: longer is a clause, not a name
FORMALISING = ("created", "revised", "issued")


def read_policies(report: Report) -> None:
    """Fill measure.policies for every measure."""
    for measure in report.measures:
        uses = _read_measure(report.text, measure)
        measure.policies.extend(_drop_abbreviations(uses))
        for use in measure.policies:
            use.document = _formalising_document(use.name, measure.citations)


def _read_measure(text: str, measure: Measure) -> list[PolicyUse]:
    uses: list[PolicyUse] = []
    taken_until = measure.span.start
    blocked = [c.span for c in measure.citations]
    for verb in VERB.finditer(text, measure.span.start, measure.span.end):
        if verb.start() < taken_until or any(s.start <= verb.start() < s.end for s in blocked):
            continue
        if negated(text, verb.start(), measure.span.start):  # 未落实…制度 applies nothing
            continue
        start = FILLER.match(text, verb.end()).end()
        if text.startswith("的", start):  # 形成的好做法: the verb is a modifier, it governs nothing
            continue
        run = RUN.match(text, start, measure.span.end).group(0)
        for name_start, name_end in _names(run):
            found = _name_in(run[name_start:name_end])
            if found:
                offset, name = found
                uses.append(PolicyUse(name, VERBS[verb.group(0)], Span(start + name_start + offset, start + name_end)))
                taken_until = start + name_end
    return uses


def _core(name: str) -> str:
    return name.replace("“", "").replace("”", "")


def _head(core: str) -> str | None:
    if not core.endswith(HEADS):  # most prefixes end with no head: one C call rejects them
        return None
    head = next(h for h in HEADS if core.endswith(h))
    if head == "制" and (len(core) < 3 or core[-2] in NOT_ZHI):
        return None
    return head


def _ends(run: str) -> list[int]:
    """Positions in run where a policy name can end: after a head, at a phrase boundary."""
    ends = []
    for i in range(1, len(run) + 1):
        end = i + 1 if run[i : i + 1] == "”" else i
        if _head(_core(run[:i])) and end not in ends and not re.search(r"\d", _unquoted(run[:end])):
            ends.append(end)
    return [e for e in ends if _boundary(run, e, ends)]


def _unquoted(text: str) -> str:
    return re.sub(r"“[^“”]*”", "", text)


def _joins(run: str, end: int) -> str | None:
    """The connector after a name: 和, 、 …, or nothing between two quoted names (“A清单”“B清单”)."""
    if run[end - 1 : end + 1] == "”“":
        return ""
    return next((c for c in CONNECTORS if run.startswith(c, end)), None)


def _boundary(run: str, end: int, ends: list[int]) -> bool:
    rest = run[end:]
    if not rest or rest[0] in "等并" or rest[0].isdigit():  # “…清单”3项: a count follows the names
        return True
    # A connector ends a name only if another name follows it (制度A和制度B).
    return _joins(run, end) is not None and any(e > end for e in ends)


def _names(run: str) -> list[tuple[int, int]]:
    """The longest name in the run; split at connectors when every part is a name of its own."""
    ends = _ends(run)
    if not ends:
        return []
    end = max(ends)
    cuts = [e for e in ends if e < end and _joins(run, e) is not None]
    if not cuts:
        return [(0, end)]
    spans, start = [], 0
    for cut in [*cuts, end]:
        spans.append((start, cut))
        start = cut + len(_joins(run, cut) or "")
    return spans


def _name_in(printed: str) -> tuple[int, str] | None:
    """The name inside a governed phrase, and where it starts: 由…共同参与的墓位定价联合审核机制 → after 的.

    What stands before a 的 is a description, not part of the name; a 的 after a closing quote
    (“1+3+3”的信息核查机制) joins a short quoted label to its head and stays, unless the whole would
    be too long to be a name (“经办人审核-…-主要领导审核”的多级审核模式 → 多级审核模式).
    """
    plain = max((i + 1 for i, c in enumerate(printed) if c == "的" and printed[i - 1 : i] != "”"), default=0)
    last = printed.rfind("的") + 1
    for cut in dict.fromkeys((plain, last)):
        name = _normalise(printed[cut:])
        if _is_name(name):
            return cut, name
    return None


def _normalise(printed: str) -> str:
    return printed.replace("”的", "”")


def _is_name(name: str) -> bool:
    core = _core(name)
    head = _head(core)
    if not head or len(core) > MAX_NAME:
        return False
    qualifier = core[: -len(head)]
    changed = True
    while changed and qualifier:
        changed = False
        for word in GENERIC:
            if qualifier.startswith(word) or qualifier.endswith(word):
                qualifier = qualifier.removeprefix(word) if qualifier.startswith(word) else qualifier.removesuffix(word)
                changed = True
    return len(qualifier) >= 2 or "“" in name


def _drop_abbreviations(uses: list[PolicyUse]) -> list[PolicyUse]:
    """建立包保责任制度 … 建立养老机构包保责任制度 in one measure: one policy, the full name."""
    cores = [_core(u.name) for u in uses]
    kept, seen = [], set()
    for use, core in zip(uses, cores, strict=True):
        if any(other != core and other.endswith(core) for other in cores) or use.name in seen:
            continue
        seen.add(use.name)
        kept.append(use)
    return kept


def _formalising_document(name: str, citations: list[Citation]) -> str | None:
    """A document the same measure creates, revises or issues, whose title carries the policy's head phrase.

    The shared tail must be the head plus at least two characters (核查机制, not 清单), so a
    “正面清单” is not tied to a 负面清单 document merely by its head noun.
    """
    core = _core(name)
    head = _head(core) or ""
    best, best_len = None, 0
    for citation in citations:
        if citation.action not in FORMALISING:
            continue
        for k in range(len(core), len(head) + 1, -1):
            if core[-k:] in citation.title:
                if k > best_len:
                    best, best_len = citation.title, k
                break
    return best
