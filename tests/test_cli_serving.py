"""`rectkg query`, `export`, `stats` and `validate` answer alike whether or not `rectkg serve` holds
the store: while it serves, they read through its admin API with the per-run token (they used to
refuse: "query it there")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from servers import free_port, wait_until_answers
from web_fixtures import build_store

RECTKG = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "rectkg"
COMMANDS = {
    "saved query": ["query", "--saved", "findings", "--format", "csv"],
    "saved query with a parameter": [
        "query",
        "--saved",
        "department-profile",
        "-p",
        "department=区民政局",
        "--format",
        "csv",
    ],
    "query text": ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json"],
    "stats": ["stats"],
    "validate": ["validate"],
    "export": ["export", "--format", "nquads"],
}


def _run(store: Path, args: list[str]) -> tuple[int, str]:
    done = subprocess.run([RECTKG, "--store", store, *args], capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def answers(tmp_path_factory, qingpu, fengjiang):
    """Each command's (exit code, output) on the store alone and while a server holds it."""
    store = build_store(tmp_path_factory.mktemp("cli-serving") / "store", qingpu, fengjiang)
    alone = {name: _run(store, args) for name, args in COMMANDS.items()}
    port = free_port()
    server = subprocess.Popen(
        [RECTKG, "--store", store, "serve", "--port", str(port)], stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", server)
        served = {name: _run(store, args) for name, args in COMMANDS.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return alone, served


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_same_answer_with_and_without_the_server(answers, name):
    alone, served = answers
    code, output = alone[name]
    assert code == 0 and output.strip(), output
    if name == "export":  # the same quads; their order is the engine's
        assert sorted(served[name][1].splitlines()) == sorted(output.splitlines())
    else:
        assert served[name] == alone[name]
