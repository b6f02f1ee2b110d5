"""bench.variants on the sample reports: every variant is timed beside its base text and agrees."""

from __future__ import annotations

import json
import subprocess
import sys

from web_fixtures import build_store

from queries import catalog


def test_every_variant_is_compared_and_agrees(tmp_path, qingpu, fengjiang):
    path = build_store(tmp_path / "store", qingpu, fengjiang)
    run = subprocess.run(
        [sys.executable, "-m", "bench.variants", str(path), "--sample", "2"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(": ", 1) for line in run.stdout.splitlines())
    expected = {"+".join([n, *sorted(p)]) for n, q in catalog.saved_queries().items() for p, _ in q.variants}
    assert set(lines) == expected
    for figures in map(json.loads, lines.values()):
        assert figures["values"] == 2 and figures["differ"] == []
