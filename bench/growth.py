"""Pages against corpus size from separate runs: `python -m bench.pages --store STORE --out F`
at each N (a store built once per N costs half an hour at 1,000 reports, so `make bench` cannot
rebuild them all in one run), joined here into one table and one log-log plot.

    python -m bench.growth bench/results/growth 100=pages-100.json 1000=pages-1000.json ...

writes STEM.json (the figures by N), STEM-pages.png, and prints the Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.plot import pages_plot
from bench.run import mix_table, pages_table


def _sized(argument: str) -> tuple[int, Path]:
    n, _, path = argument.partition("=")
    if not n.isdigit() or not path:
        raise argparse.ArgumentTypeError(f"{argument!r}: write N=FILE, e.g. 1000=pages-1000.json")
    return int(n), Path(path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stem", type=Path, help="where to write STEM.json and STEM-pages.png")
    ap.add_argument("runs", type=_sized, nargs="+", help="N=FILE: a bench.pages --out file measured at N reports")
    args = ap.parse_args(argv)
    sizes = {n: {"pages": json.loads(path.read_text(encoding="utf-8"))} for n, path in args.runs}
    args.stem.with_suffix(".json").write_text(json.dumps({"sizes": sizes}, ensure_ascii=False, indent=1), "utf-8")
    pages_plot(sizes, args.stem)
    print(pages_table(sizes), mix_table(sizes), sep="\n\n")


if __name__ == "__main__":
    main()
