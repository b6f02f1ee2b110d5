"""Character bigrams of finding titles, so that alike problems in different reports can be
found by a SPARQL join (Jaccard on shared bigrams) that any engine runs and that stays right when
documents are added, replaced or removed.

The words every title has (关于…的问题, 不够, 不到位) would make everything alike, so they go first.
"""

from __future__ import annotations

import re

FRAME = re.compile(r"^(?:关于|针对)|(?:方面)?的?问题$|存在|不够|不到位|不足|不强|不严|不规范|不完善|不健全|进一步")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def title_grams(title: str) -> set[str]:
    core = FRAME.sub(" ", title)
    return {run[i : i + 2] for run in CJK_RUN.findall(core) for i in range(len(run) - 1)}
