"""bench.run end to end on a tiny corpus: each N measured in a process of its own, and a smaller
N's rdflib baseline, handed to the next N's process (`--rdflib-alongside`), lands back in the
smaller N's figures."""

from __future__ import annotations

import json
import shlex

from bench import run

TINY = (
    "--name tiny --sizes 2,3 --reps 1 --budget 0.05 --rdflib-max 2 --rdflib-timeout 5 --rdflib-alongside "
    "--live-max 0 --memory-max 0 --analyze-max 0 --http-min 100 --only shared-responsibility,timeline"
)


def test_a_handed_over_rdflib_baseline_is_filed_under_its_own_n(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    run.main(shlex.split(TINY))
    sizes = json.loads((tmp_path / "tiny.json").read_text(encoding="utf-8"))["sizes"]
    small, large = sizes["2"], sizes["3"]
    assert set(small["queries"]) == set(large["queries"]) and "timeline[report]" in small["queries"]
    assert all("rdflib" in figures for figures in small["queries"].values())
    for case in ("timeline[all]", "timeline[report]", "shared-responsibility[department]"):
        figures = small["queries"][case]  # timed on the small N's data, a string parameter included
        assert figures["rdflib"]["rows"] == figures["product"]["rows"], case
    assert small["queries"]["timeline[all]"]["product"]["rows"] < large["queries"]["timeline[all]"]["product"]["rows"]
    assert all("rdflib" not in figures for figures in large["queries"].values())
    assert "rdflib_handed" not in large
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["tiny-ingest.png", "tiny-latency.png"]
