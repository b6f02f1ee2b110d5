"""The role a list of organisations plays in a measure, read from the cue words around it.

The annotation guide's cues, in the order they are tried (the first that fits wins):
X牵头/负责, X参与, 由X组织/落实 (X does the work), 邀请X教师…培训 (a trainer: mentioned),
联合/会同/配合/对接/邀请 X, 与X建立/共同/协同,
约谈/督促/抽查 X, 向X下发, 对X开展检查/审计, 在X指导下, 梳理X的职责, and work pushed down (组织/推动/压实 X).
Anything else is a mention (上缴区财政: a recipient). The cue words themselves are in
gazetteer.yaml; the kind of organisation then adjusts the role (see entities.adjust).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loaders.mentions import MentionList
from loaders.orgs import Gazetteer

CLAUSE_END = "。;,:!?\n"


@dataclass(frozen=True)
class Cue:
    rule: str
    role: str
    word: str


@dataclass(frozen=True)
class Context:
    pre: str  # from the clause start (or the previous list) to the list, adverbs stripped
    clause: str  # the same, adverbs kept: 对 may stand further back (对存在问题的12家机构开展约谈)
    post: str  # from the list (and its 等…部门 tail) to the clause end


def context(text: str, lo: int, hi: int, prev_end: int, lst: MentionList, adverbs: list[str]) -> Context:
    start = max(lo, prev_end, *(text.rfind(c, lo, lst.start) + 1 for c in CLAUSE_END))
    clause = text[start : lst.start]
    pre = clause
    while stripped := next((a for a in adverbs if pre.endswith(a)), None):
        pre = pre[: -len(stripped)]
    end = min([hi, *(i for c in CLAUSE_END if (i := text.find(c, lst.end, hi)) != -1)])
    return Context(pre, clause, text[lst.end : end])


def _ends(ctx: Context, words: list[str]) -> str | None:
    return next((w for w in sorted(words, key=len, reverse=True) if ctx.pre.endswith(w)), None)


def _starts(text: str, words: list[str]) -> str | None:
    return next((w for w in sorted(words, key=len, reverse=True) if text.startswith(w)), None)


def _within(text: str, words: list[str]) -> str | None:
    return next((w for w in words if w in text), None)


def _lead_after(ctx: Context, g: Gazetteer) -> Cue | None:
    if _starts(ctx.post, g.cue("lead_after_not")):
        return None
    w = _starts(ctx.post, g.cue("lead_after"))
    return Cue("lead", "lead", w) if w else None


def _by(ctx: Context, g: Gazetteer) -> Cue | None:
    if not _ends(ctx, g.cue("by_before")):
        return None
    if _starts(ctx.post, g.cue("by_blockers")):
        return Cue("by-source", "mentioned", "由")
    verb = _within(ctx.post, g.cue("by_verbs"))
    return Cue("by", "partner", f"由…{verb}") if verb else None


def _join_after(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _starts(ctx.post, g.cue("join_after"))
    return Cue("join", "partner", w) if w else None


def _trainer(ctx: Context, g: Gazetteer) -> Cue | None:
    """邀请区委党校教师…开展专题培训: a body invited to teach is a trainer (mentioned), not one that
    shares the fix, which 邀请X指导 makes a partner."""
    if not _ends(ctx, ["邀请"]) or not _starts(ctx.post, g.cue("teacher_after")):
        return None
    word = _within(ctx.post, g.cue("teach_words"))
    return Cue("trainer", "mentioned", f"邀请…{word}") if word else None


def _partner_before(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _ends(ctx, g.cue("partner_before"))
    return Cue("partner", "partner", w) if w else None


def _with(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _ends(ctx, g.cue("with_before"))
    verb = _within(ctx.post, g.cue("with_verbs")) if w else None
    return Cue("with", "partner", f"{w}…{verb}") if verb else None


def _target_before(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _ends(ctx, g.cue("target_before"))
    return Cue("target", "target", w) if w else None


def _to(ctx: Context, g: Gazetteer) -> Cue | None:
    verb = _starts(ctx.post, g.cue("to_verbs")) if _ends(ctx, g.cue("to_before")) else None
    return Cue("to", "target", f"向…{verb}") if verb else None


def _on(ctx: Context, g: Gazetteer) -> Cue | None:
    clause = ctx.clause
    for word in g.cue("on_before_not"):
        clause = clause.replace(word, "")
    if not _within(clause, g.cue("on_before")):
        return None
    verb = _within(ctx.post, g.cue("on_verbs"))
    return Cue("on", "target", f"对…{verb}") if verb else None


def _guided(ctx: Context, g: Gazetteer) -> Cue | None:
    after = _starts(ctx.post, g.cue("guided_after")) if _ends(ctx, g.cue("guided_before")) else None
    return Cue("guided", "partner", f"在…{after}") if after else None


def _duty(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _ends(ctx, g.cue("duty_before"))
    word = _within(ctx.post, g.cue("duty_words")) if w else None
    return Cue("duty", "partner", f"{w}…{word}") if word else None


def _push(ctx: Context, g: Gazetteer) -> Cue | None:
    w = _ends(ctx, g.cue("push_before"))
    if not w:
        return None
    needs = g.raw["cues"]["push_needs"].get(w, [])
    if needs and not any(word in ctx.post for word in needs):
        return None
    return Cue("push", "partner", w)


RULES: list[Callable[[Context, Gazetteer], Cue | None]] = [
    _lead_after,
    _join_after,
    _by,
    _trainer,
    _partner_before,
    _with,
    _target_before,
    _to,
    _on,
    _guided,
    _duty,
    _push,
]


def read_cue(ctx: Context, g: Gazetteer) -> Cue:
    for rule in RULES:
        if cue := rule(ctx, g):
            return cue
    return Cue("none", "mentioned", "")
