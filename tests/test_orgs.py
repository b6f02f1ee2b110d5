"""`rectkg orgs` and the organisations query: every merge of names into one body, with its evidence."""

from __future__ import annotations

from click.testing import CliRunner

from queries import catalog
from rectkg.cli import main


def test_every_alias_of_a_body_comes_with_a_sentence_that_has_it(sample_store):
    rows = catalog.get("organisations").run(sample_store, {"name": "区市场局"}).rows
    assert len({r["organisation"].value for r in rows}) == 1
    aliases = {r["alias"].value for r in rows}
    assert {"区市场局", "市场监管部门", "区市场监管局"} <= aliases
    for r in rows:
        assert r["alias"].value in r["evidence"].value


def test_orgs_command_prints_the_merges(tmp_path, qingpu):
    store = str(tmp_path / "store")
    runner = CliRunner()
    assert runner.invoke(main, ["--store", store, "ingest", qingpu.source]).exit_code == 0
    out = runner.invoke(main, ["--store", store, "orgs", "--name", "市场监管局"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "区市场局" in out.output and "市场监督管理局" in out.output


def test_a_store_failure_is_one_line_and_exit_code_1(tmp_path, monkeypatch):
    """A store that fails while answering (a SPARQL server that is not there, on this machine's
    discard port) or cannot be opened at all fails cleanly, whatever the command."""
    monkeypatch.setenv("RECTKG_SPARQL_RETRIES", "0")
    blocker = tmp_path / "not-a-store"
    blocker.write_text("x")
    for store in ("http://127.0.0.1:9", str(blocker)):
        for command in (["stats"], ["orgs"], ["export"]):
            out = CliRunner().invoke(main, ["--store", store, *command])
            assert out.exit_code == 1, (store, command, out.output)
            assert out.exception is None or isinstance(out.exception, SystemExit)
