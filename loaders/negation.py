"""Whether a verb is negated: 未组织学习《X》 studies nothing, 没有制定《Y》 creates nothing.

Measures often quote the problem before the fix (针对此前未组织学习…的问题), so an action verb in
them may be denied. A negation governs the verb when it stands a few characters before it with no
的 in between: in 对未整改到位的单位依据《X》追责 the 未 belongs to 整改到位, a modifier of 单位, and
依据 still applies X. 未成年, 未来 and 没收 are words, not negations.
"""

from __future__ import annotations

import re

NEGATION = re.compile(r"尚未|从未|未能|没有|不曾|未(?!成年|来)|没(?!收)")
# A negation beyond a clause stop or a 的 governs something else (工作未落实,建立…; 未整改的单位依据…).
CUT = re.compile(r"[的,。;:!?\n]")
REACH = 6  # 没有及时组织 学习: the negation, an adverb and a light verb


def negated(text: str, verb_start: int, floor: int = 0) -> bool:
    """True when a negation shortly before text[verb_start], at or after `floor`, denies the verb."""
    window = text[max(floor, verb_start - REACH) : verb_start]
    return bool(NEGATION.search(CUT.split(window)[-1]))
