"""A synthetic corpus shaped like real reports, made by varying the real sample reports' TEXT.

Each generated report is one of the samples with: another jurisdiction and bureau type (so the
issuers, places and place-qualified document titles differ), a sample of its findings, some
measures swapped for other measures of the same sample, partner departments named with the cue
words reports use (会同/联合/配合, drawn with a Zipf skew: a few departments like 财政 and 人社 appear
everywhere, most rarely) and citations of documents shared across reports. The text then goes
through the real loader, so ingest is measured end to end.

The generator also returns, per report, which departments it planted in which measure. The
harness can add those as partner involvements (`--roles planted`) while the loader's own role
extraction is still thin; with `--roles extracted` only what the loader finds counts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from loaders.model import Report
from loaders.pipeline import read_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# Jurisdictions: (parent, stem, level suffix). Shanghai's districts and fictional counties.
CITIES = ("上海市", "江州市", "临海市")
DISTRICT_STEMS = [
    "青浦",
    "松江",
    "嘉定",
    "奉贤",
    "金山",
    "崇明",
    "闵行",
    "宝山",
    "浦东新",
    "黄浦",
    "徐汇",
    "长宁",
    "静安",
    "普陀",
    "虹口",
    "杨浦",
]
COUNTY_STEMS = [
    "枫江",
    "临川",
    "清河",
    "云溪",
    "石门",
    "安平",
    "永宁",
    "长乐",
    "桐城",
    "凤台",
    "新丰",
    "南溪",
    "白水",
    "东阳",
    "西平",
    "高唐",
]

# Bureau types: (bureau, the word for its field that the text uses, e.g. 民政领域).
BUREAUS = (
    ("民政局", "民政"),
    ("财政局", "财政"),
    ("教育局", "教育"),
    ("司法局", "司法"),
    ("审计局", "审计"),
    ("统计局", "统计"),
    ("商务局", "商务"),
    ("水务局", "水务"),
    ("体育局", "体育"),
    ("应急管理局", "应急管理"),
    ("生态环境局", "生态环境"),
    ("医疗保障局", "医保"),
    ("退役军人事务局", "退役军人事务"),
)

# Partner departments as reports name them, relative to the report's own jurisdiction, in
# descending order of how often they appear (the Zipf rank).
DEPARTMENTS = [
    "财政局",
    "人社局",
    "卫健委",
    "市场监管局",
    "公安分局",
    "规划和自然资源局",
    "医保局",
    "数据局",
    "教育局",
    "住房城乡建设管理委",
    "农业农村委",
    "残联",
    "消防救援支队",
    "发改委",
    "审计局",
    "司法局",
    "文化旅游局",
    "应急管理局",
    "生态环境局",
    "税务局",
    "档案局",
    "妇联",
    "总工会",
    "城管执法局",
    "房管局",
    "商务委",
    "科委",
    "网信办",
    "信访办",
    "统计局",
    "体育局",
    "水务局",
    "交通委",
    "国资委",
    "民政局",
    "团委",
    "退役军人事务局",
    "绿化市容局",
    "融媒体中心",
    "机关事务管理局",
]
ZIPF_S = 1.1
PARTNERS_PER_MEASURE = (0, 0, 0, 0, 0, 1, 1, 1, 2, 3)  # most measures name no partner
CUES = ("会同", "联合", "配合")

# Documents many reports cite: national and provincial rules, the same title everywhere.
SHARED_DOCUMENTS = (
    "中国共产党巡视工作条例",
    "中国共产党纪律处分条例",
    "中华人民共和国慈善法",
    "中华人民共和国预算法",
    "党政机关厉行节约反对浪费条例",
    "中华人民共和国政府采购法",
    "社会组织登记管理条例",
    "行政事业单位内部控制规范",
    "中华人民共和国档案法",
    "中国共产党党内监督条例",
    "关于进一步加强基层财务管理的意见",
    "机关事务工作规范化建设指南",
)
CITE_SHARE = 0.12
SWAP_SHARE = 0.3

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Template:
    """One sample report cut into the pieces the generator recombines."""

    name: str
    text: str
    city: str | None  # 上海市, or None for a county under no city
    stem: str  # 青浦
    level: str  # 区 or 县
    bureau: str
    field_word: str
    findings: tuple[tuple[int, int, bool], ...]  # (start, end, droppable) of each finding's lines
    measures: tuple[tuple[int, int], ...]  # (content start, end) of each measure, after its marker


@dataclass
class Generated:
    name: str
    text: str
    place: str  # the jurisdiction as the loader will name it (青浦区)
    planted: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # (finding order, ordinal) → depts


def _template(path: Path) -> Template:
    report: Report = read_text(path.read_text(encoding="utf-8"), path.name)
    text = report.text
    low = (report.place or "").removeprefix(report.parent_place or "")
    bureau = report.bureau or ""
    findings, seen_heads = [], set()
    for f in report.findings:
        start = text.rfind("\n", 0, f.span.start) + 1
        head = (f.category, f.group)
        findings.append((start, f.body.end, head in seen_heads))  # the first under a heading stays
        seen_heads.add(head)
    measures = tuple((m.span.start + len(m.marker), m.span.end) for m in report.measures if m.marker)
    return Template(
        name=path.stem,
        text=text,
        city=report.parent_place,
        stem=low[:-1],
        level=low[-1:],
        bureau=bureau,
        field_word=bureau.removesuffix("局"),
        findings=tuple(findings),
        measures=measures,
    )


@cache
def templates() -> tuple[Template, ...]:
    return tuple(_template(p) for p in sorted(SAMPLES.glob("*.txt")))


def _zipf_weights(n: int) -> list[float]:
    return [1 / (rank**ZIPF_S) for rank in range(1, n + 1)]


class Generator:
    """Deterministic for a seed: the same N and seed always give the same corpus."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.weights = _zipf_weights(len(DEPARTMENTS))
        self.used: set[tuple[str, str, str, str]] = set()

    def corpus(self, n: int) -> list[Generated]:
        return [self.report(i) for i in range(n)]

    def report(self, i: int) -> Generated:
        rng = self.rng
        t = rng.choice(templates())
        while True:
            stem = rng.choice(DISTRICT_STEMS if t.level == "区" else COUNTY_STEMS)
            bureau, field_word = rng.choice(BUREAUS)
            date = f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            key = (t.name, stem, bureau, date)
            if key not in self.used:
                self.used.add(key)
                break
        city = rng.choice(CITIES) if t.city else None

        def rename(piece: str) -> str:
            """Sample text only: the bureau, then its field word, then the place, then the dates."""
            piece = piece.replace(t.bureau, bureau).replace(t.field_word, field_word)
            if t.city and city:
                piece = piece.replace(t.city, city)
            return ISO_DATE.sub(date, piece.replace(t.stem, stem))

        pieces, planted = self._body(t, bureau, rename)
        return Generated(f"gen-{i:05d}-{t.name}", "".join(pieces), stem + t.level, planted)

    def _body(self, t: Template, bureau: str, rename) -> tuple[list[str], dict[tuple[int, int], list[str]]]:
        """The sample's text with findings dropped, measures swapped and partners and citations added."""
        rng = self.rng
        keep = rng.uniform(0.35, 1.0)
        measure_at = {start: end for start, end in t.measures}
        pieces: list[str] = []
        planted: dict[tuple[int, int], list[str]] = {}
        pos, order = 0, 0
        for start, end, droppable in t.findings:
            pieces.append(rename(t.text[pos:start]))
            pos = end
            if droppable and rng.random() > keep:
                continue
            order += 1
            cursor = start
            for ordinal, m_start in enumerate(sorted(s for s in measure_at if start <= s < end), start=1):
                m_end = measure_at[m_start]
                pieces.append(rename(t.text[cursor:m_start]))
                depts = self._partners(bureau)
                if depts:
                    planted[(order, ordinal)] = depts
                    cue = rng.choice(CUES)
                    pieces.append(cue + "、".join(t.level + d for d in depts) + ",")
                if rng.random() < CITE_SHARE:
                    pieces.append(f"对照《{rng.choice(SHARED_DOCUMENTS)}》,")
                source = rng.choice(t.measures) if rng.random() < SWAP_SHARE else (m_start, m_end)
                pieces.append(rename(t.text[source[0] : source[1]]))
                cursor = m_end
            pieces.append(rename(t.text[cursor:end]))
        pieces.append(rename(t.text[pos:]))
        return pieces, planted

    def _partners(self, bureau: str) -> list[str]:
        k = self.rng.choice(PARTNERS_PER_MEASURE)
        chosen: list[str] = []
        while len(chosen) < k:
            d = self.rng.choices(DEPARTMENTS, self.weights)[0]
            if d not in chosen and d != bureau:
                chosen.append(d)
        return chosen
