"""`make screenshots`: every screen of the web app, as an investigator meets it, at two widths.

The bundled sample reports are ingested into a fresh store by the real CLI, `rectkg serve` serves
it, and Debian's Chromium (driven by Playwright, a development dependency) takes each page whole
at 1400 and 800 pixels, in Chinese. The pictures go into a folder the README links to, so a
reader sees the product before installing it, and a change to a page shows in review as a
changed picture. Run: `python -m webapp.screenshots OUTDIR`.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import requests

from graph.store import open_store
from ontology import iris
from queries import catalog

log = logging.getLogger(__name__)

WIDTHS = (1400, 800)
# Kept small enough to live in the repository: the top of a long page, as JPEG.
TALLEST = 2000
QUALITY = 60
CHROMIUM = "/usr/bin/chromium"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RECTKG = Path(sys.executable).with_name("rectkg")
FIRST = "SELECT ?x WHERE { ?x a %s } ORDER BY ?x LIMIT 1"
ALL = "SELECT ?x WHERE { ?x a %s } ORDER BY ?x LIMIT 6"


def pages(store_path: Path) -> list[tuple[str, str]]:
    """(name, path) of each screen, its entities taken from the store: the first report, finding,
    document, the most shared pair of departments and its first department, the reports compared."""
    store = open_store(str(store_path), read_only=True)
    try:
        first = {kind: _first(store, kind) for kind in ("rk:Report", "rk:Finding", "rk:NamedDocument")}
        reports = [str(r["x"]) for r in store.select(iris.sparql_prefixes() + ALL % "rk:Report").rows]
        pair = catalog.get("shared-responsibility").run(store).rows[0]
    finally:
        store.close()
    a, b = str(pair["dept_a"]), str(pair["dept_b"])
    return [
        ("dashboard", "/"),
        ("report", _entity(first["rk:Report"])),
        ("finding", _entity(first["rk:Finding"])),
        ("department", "/department?" + urlencode({"label": a})),
        ("document", _entity(first["rk:NamedDocument"])),
        ("dossier", "/shared?" + urlencode({"a": a, "b": b})),
        ("department-dossier", "/dossier/department?" + urlencode({"name": a})),
        ("report-dossier", "/dossier/report?" + urlencode({"report": first["rk:Report"]})),
        ("queries", "/queries"),
        ("findings", "/queries/findings"),
        ("shared-responsibility", "/queries/shared-responsibility"),
        ("search", "/search?" + urlencode({"q": "财政"})),
        ("graph", "/graph/"),
        ("trace", "/graph/trace?" + urlencode({"finding": first["rk:Finding"]})),
        ("network", "/graph/shared"),
        ("compare", "/compare?" + urlencode({"reports": reports}, doseq=True)),
        ("sparql", "/sparql"),
    ]


def _first(store, kind: str) -> str:
    return str(store.select(iris.sparql_prefixes() + FIRST % kind).rows[0]["x"])


def _entity(iri: str) -> str:
    return "/id/" + iri[len(iris.ID) :]


@contextmanager
def serving(store_path: Path) -> Iterator[str]:
    """`rectkg serve` on a free local port, until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(RECTKG), "--store", str(store_path), "serve", "--port", str(port)])
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(url + "/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("rectkg serve did not start: see its output above")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def shoot(url: str, screens: list[tuple[str, str]], out: Path) -> list[Path]:
    """Each screen at each width (its top TALLEST pixels), once its scripts have settled."""
    from playwright.sync_api import sync_playwright  # a development dependency, needed only here

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
            for name, path in screens:
                page.goto(url + path, wait_until="networkidle")
                page.wait_for_timeout(1500)  # the graph view lays itself out after the network is idle
                target = out / f"{name}-{width}.jpg"
                height = min(page.evaluate("document.documentElement.scrollHeight"), TALLEST)
                clip = {"x": 0, "y": 0, "width": width, "height": height}
                page.screenshot(path=str(target), full_page=True, clip=clip, type="jpeg", quality=QUALITY)
                written.append(target)
                log.info("wrote %s", target)
            page.close()
        browser.close()
    return written


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="rectkg-screens-") as work:
        store = Path(work) / "store"
        subprocess.run([str(RECTKG), "--store", str(store), "ingest", str(SAMPLES)], check=True)
        screens = pages(store)
        with serving(store) as url:
            shoot(url, screens, out)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
