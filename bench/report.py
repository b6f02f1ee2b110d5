"""`python -m bench.report BENCHMARKS.md bench/results/full.json [more.json …]`: runs as Markdown.

The method and the analysis live in bench/BENCHMARKS.head.md (prose that numbers do not change);
this module appends the machine, the targets checked against the figures, and the tables, so
`make bench` regenerates everything that depends on a run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.run import http_table, ingest_table, mix_table, over_nquads, pages_table, table

HEAD = Path(__file__).resolve().parent / "BENCHMARKS.head.md"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f} ms"


def targets(r: dict) -> str:
    top = r["sizes"][str(r["corpus_reports"])]
    rows = [
        ("shared-responsibility p50, whole corpus", "≤ 50 ms", _ms(r["shared_responsibility_p50_ms"])),
        ("shared-responsibility p50, one department", "≤ 50 ms", _ms(r["shared_responsibility_department_p50_ms"])),
        ("the same question joined on the fly (before)", "–", _ms(r.get("shared_responsibility_live_p50_ms"))),
        (
            "other saved queries: product p50 / raw pyoxigraph p50 (median, max)",
            "≤ 1.3×",
            f"{r['saved_query_ratio_vs_pyoxigraph_median']:.2f}×, {r['saved_query_ratio_vs_pyoxigraph_max']:.2f}×",
        ),
        (
            "the same, first run (answer cache empty): product ÷ raw pyoxigraph first run (median, max)",
            "≤ 1.3×",
            "–"
            if r.get("saved_query_first_run_ratio_vs_pyoxigraph_median") is None
            else f"{r['saved_query_first_run_ratio_vs_pyoxigraph_median']:.2f}×, "
            f"{r['saved_query_first_run_ratio_vs_pyoxigraph_max']:.2f}×",
        ),
        (
            f"speed-up over rdflib (median, min; N = {r['rdflib_corpus_reports']})",
            "≥ 10×",
            "–"
            if r["speedup_vs_rdflib_median"] is None
            else f"{r['speedup_vs_rdflib_median']:.0f}×, {r['speedup_vs_rdflib_min']:.1f}×",
        ),
        ("ingest, reports/s end to end", "≥ 20", f"{r['ingest_reports_per_s']:.2f}"),
        ("peak memory while ingesting", "≤ 1 GB", f"{top['peak_rss_mb']:.0f} MB"),
        ("the store on disk ÷ its quads as N-Quads", "≤ 2×", over_nquads(top)),
    ]
    if r.get("http_p95_16_over_p50_1_max") is not None:
        rows.append(
            (
                "HTTP under 16 clients: errors; refused with Retry-After; worst p95(16) ÷ p50(1)",
                "0; –; ≤ 3×",
                f"{r['http_errors']}; {r.get('http_refused', '–')}; {r['http_p95_16_over_p50_1_max']:.1f}×",
            )
        )
    if r.get("page_p95_ms") is not None:
        at = f" (N = {r['pages_corpus_reports']})"
        rows += [
            (
                f"every page, later requests: worst p50; worst p95{at}",
                "≤ 300 ms; ≤ 1 s",
                f"{_ms(r['page_p50_ms_max'])}; {_ms(r['page_p95_ms'])}",
            ),
            (f"every page, first request after a start or an ingest: worst{at}", "≤ 1 s", _ms(r["page_first_ms_max"])),
            (
                f"page mix, 16 clients: errors; shed (503 + Retry-After); p95(16) ÷ p50(1){at}",
                "0; –; ≤ 3×",
                f"{r['http_mix_errors']}; {r['http_mix_shed']}; {r['http_p95_16_over_p50_1']:.1f}×",
            ),
        ]
        if r.get("http_p95_16_polite_over_p50_1") is not None:
            rows.append(
                (
                    f"page mix, 16 clients waiting as each 503's Retry-After asks: p95(16) ÷ p50(1){at}",
                    "≤ 3×",
                    f"{r['http_p95_16_polite_over_p50_1']:.1f}×",
                )
            )
    lines = [f"Largest N = {r['corpus_reports']} reports, {r['triples']:,} quads.", ""]
    lines += ["| figure | target | measured |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def render(r: dict, png_stem: str, level: str = "##") -> list[str]:
    sizes = {int(n): v for n, v in r["sizes"].items()}
    m = r["machine"]
    parts = [
        f"{level} Run `{r['name']}`: machine and settings",
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}, pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}; "
        f"{m['platform']}. Roles: {r['roles']}. Settings: `{json.dumps(r['settings'])}`. "
        f"Whole run: {r['wall_s'] / 60:.1f} min.",
        f"{level} Targets",
        targets(r),
        f"{level} Ingest, store size and memory",
        ingest_table(sizes),
        f"{level} Query latency (product: the saved query through `OxigraphStore` on disk; "
        "in brackets: baseline ÷ product, above 1 the product is faster)",
        table(sizes),
    ]
    if any("http" in v for v in sizes.values()):
        parts += [
            f"{level} HTTP: `rectkg serve` (waitress, 4 threads) on 127.0.0.1, 1 and 16 concurrent clients",
            http_table(sizes),
        ]
    if any(v.get("pages") for v in sizes.values()):
        parts += [
            f"{level} Pages over HTTP: each page's first request after the server started and after an "
            "ingest through it, and later requests (bench/pages.py)",
            pages_table(sizes),
            f"{level} The page mix under load: every page above in a shuffled cycle per client",
            mix_table(sizes),
        ]
    if len(sizes) > 1:
        parts += [
            f"{level} Scaling",
            f"![query latency against N]({png_stem}-latency.png)\n\n![ingest time against N]({png_stem}-ingest.png)",
        ]
    if sum(1 for v in sizes.values() if v.get("pages")) > 1:
        parts.append(f"![page latency against N]({png_stem}-pages.png)")
    return parts


def main() -> None:
    target, sources = Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]]
    parts = [HEAD.read_text(encoding="utf-8").rstrip()]
    for source in sources:
        r = json.loads(source.read_text(encoding="utf-8"))
        stem = source.resolve().with_suffix("").relative_to(target.resolve().parent)
        parts += render(r, str(stem))
    target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
