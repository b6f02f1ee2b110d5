"""pyproject.toml declares what the code imports, with bounds, and the lock file pins it all.

An editable install sees every package of the development environment, so an import nobody
declared (werkzeug, markupsafe) works here and fails on a user's machine; this test reads the
imports instead (ast, no import runs) and maps them to distributions as installed.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
# rectkg's packages, as the wheel finds them ("graph*" → graph).
PACKAGES = tuple(p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
DEVELOPMENT = ("tests", "bench")
# Modules of the packages that are development tools (`make screenshots`): their imports are held to
# the development dependencies.
TOOLS = ("webapp/screenshots.py",)
# Packages read as data files (importlib.resources) rather than imported.
RESOURCE_CALL = re.compile(r"""resources\.files\(\s*["']([\w.]+)["']""")


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised as PEP 503 does."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


@functools.cache
def _imported(folders: tuple[str, ...], *, tools: bool = False) -> dict[str, str]:
    """Top-level modules imported by the code in folders, each with a file that imports it; the
    development tools among them only when `tools`."""
    local = {p.stem for folder in folders for p in (ROOT / folder).glob("*.py")} | set(PACKAGES) | set(DEVELOPMENT)
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if str(path.relative_to(ROOT)) in TOOLS and not tools:
                continue
            text = path.read_text(encoding="utf-8")
            names = RESOURCE_CALL.findall(text)
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Import):
                    names += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.append(node.module)
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


@functools.cache
def _owners() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _undeclared(folders: tuple[str, ...], declared: set[str], *, tools: bool = False) -> list[str]:
    owners = _owners()
    missing = []
    for module, where in sorted(_imported(folders, tools=tools).items()):
        distributions = {_name(d) for d in owners.get(module, [module])}
        if not distributions & declared:
            missing.append(f"{module} (imported by {where}; distribution {', '.join(sorted(distributions))})")
    return missing


def test_the_packages_declare_every_distribution_they_import() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"]}
    assert _undeclared(PACKAGES, declared) == []


def test_every_dependency_of_the_packages_is_used() -> None:
    owners = _owners()
    used = {_name(d) for module in _imported(PACKAGES) for d in owners.get(module, [module])}
    assert {_name(r) for r in PROJECT["dependencies"]} - used == set()


def test_tests_and_benchmarks_import_only_declared_distributions() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]}
    assert _undeclared(DEVELOPMENT + PACKAGES, declared, tools=True) == []


def test_every_dependency_is_bounded_below_and_above() -> None:
    unbounded = [
        r
        for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]
        if "==" not in r and not (">=" in r and "<" in r.replace("<=", ""))
    ]
    assert unbounded == []


def test_the_lock_pins_every_declared_dependency_with_hashes() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {_name(m) for m in re.findall(r"^([A-Za-z0-9][\w.-]*)==\S+", lock, re.MULTILINE)}
    declared = {_name(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]}
    assert declared - pinned == set()
    blocks = re.split(r"\n(?=[A-Za-z])", lock)  # one package each, with its hashes
    unhashed = [block.split()[0] for block in blocks if "==" in block and "--hash" not in block]
    assert unhashed == []
