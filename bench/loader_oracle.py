"""Does the loader still give exactly the same output? A digest per report, recorded once, checked after.

Speeding up the loader must not change a single triple, IRI or span. This loads every report of a
synthetic corpus plus the sample and test-corpus files the way `rectkg ingest` does (bytes →
Loaded → Oxigraph N-Triples) and records, per report, a digest of its sorted N-Triples, of the
N-Triples in the order written, and of the Report itself (spans the triples do not carry, such as a
finding's body, still count: the bench corpus and the tests read them). `--record FILE` writes the
digests, and the full sorted text next to them (FILE.d/) so a mismatch can be diffed; `--check FILE`
loads again and lists every report whose output differs.

    .venv/bin/python -m bench.loader_oracle --record /tmp/oracle.json
    .venv/bin/python -m bench.loader_oracle --check /tmp/oracle.json
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.corpus import Generator
from graph.terms import ntriples_bytes
from loaders.pipeline import Loaded, load_file, load_source

ROOT = Path(__file__).resolve().parents[1]
FILE_DIRS = (ROOT / "samples", ROOT / "tests" / "corpus")


def report_files() -> list[Path]:
    """The sample reports and the test corpus (every .txt under them), in a stable order."""
    return sorted(p for d in FILE_DIRS for p in d.rglob("*.txt"))


def load_all(n: int, seed: int) -> Iterator[tuple[str, Loaded]]:
    """(name, Loaded) for the n generated reports, then for every report file."""
    for doc in Generator(seed).corpus(n):
        yield doc.name, load_source(doc.text.encode("utf-8"), doc.name + ".txt")
    for path in report_files():
        yield str(path.relative_to(ROOT)), load_file(path)


def canonical(value: object) -> object:
    """The value as JSON-able data in one order: sets sorted, so the dump does not depend on hashing."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return [[canonical(k), canonical(v)] for k, v in value.items()]
    if isinstance(value, set | frozenset):
        return sorted(canonical(v) for v in value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def digests(loaded: Loaded) -> tuple[dict[str, str], str]:
    """The three digests of one report, and its sorted N-Triples text."""
    data = ntriples_bytes(loaded.triples)
    ordered = b"".join(sorted(data.splitlines(keepends=True))).decode("utf-8")
    report = json.dumps(canonical(loaded.report), ensure_ascii=False)
    meta = json.dumps([loaded.key, loaded.encoding, loaded.source], ensure_ascii=False)
    texts = {"sorted": ordered, "written": data, "report": report, "meta": meta}
    return {k: _sha(v) for k, v in texts.items()}, ordered


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode("utf-8")).hexdigest()


def record(path: Path, n: int, seed: int) -> None:
    texts = path.with_suffix(".d")
    texts.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, (name, loaded) in enumerate(load_all(n, seed)):
        out[name], ordered = digests(loaded)
        (texts / f"{i:04d}.nt").write_text(ordered, encoding="utf-8")
        out[name]["file"] = f"{i:04d}.nt"
    path.write_text(json.dumps({"n": n, "seed": seed, "reports": out}, indent=1, ensure_ascii=False))
    print(f"recorded {len(out)} reports in {path}")


def check(path: Path) -> int:
    """0 when every report is identical; else lists the differences (and where to diff them)."""
    recorded = json.loads(path.read_text())
    expected = recorded["reports"]
    bad = 0
    seen = set()
    for name, loaded in load_all(recorded["n"], recorded["seed"]):
        seen.add(name)
        got, ordered = digests(loaded)
        want = expected.get(name)
        if want is None:
            print(f"NEW {name}")
            bad += 1
            continue
        differ = [k for k in got if got[k] != want[k]]
        if differ:
            bad += 1
            now = path.with_suffix(".now." + want["file"])
            now.write_text(ordered, encoding="utf-8")
            print(f"DIFF {name}: {', '.join(differ)}; diff {path.with_suffix('.d') / want['file']} {now}")
    for name in expected.keys() - seen:
        print(f"MISSING {name}")
        bad += 1
    print(f"{len(seen)} reports, {bad} differ" if bad else f"{len(seen)} reports identical")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--record", type=Path, metavar="FILE")
    how.add_argument("--check", type=Path, metavar="FILE")
    parser.add_argument("-n", type=int, default=60, help="generated reports (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.record:
        record(args.record, args.n, args.seed)
        return 0
    return check(args.check)


if __name__ == "__main__":
    sys.exit(main())
