"""Fixtures of the real-browser tests (a pytest plugin, so every tests/test_browser*.py module
shares one demo): `zhili demo` builds the demo city in a scratch data folder once per session,
`zhili serve` serves it with gunicorn, and Debian's Chromium (driven by Playwright) opens the
pages. Screenshots land in test-artifacts/ (`shot`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("ZHILI_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Browser-Test-Pass-42"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEMO: dict[str, Path] = {}  # the demo's data folder, for tests that read its files


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # While working on pages: ZHILI_BROWSER_SERVER=http://127.0.0.1:8000 uses a server already
    # running on a demo built with `zhili demo --no-serve --password Browser-Test-Pass-42`.
    if os.environ.get("ZHILI_BROWSER_SERVER"):
        yield os.environ["ZHILI_BROWSER_SERVER"].rstrip("/")
        return
    # ZHILI_BROWSER_DEMO=<folder>: a demo already built there (`zhili demo --no-serve` with
    # ZHILI_DATA_DIR and DATABASE_URL pointing into it, password PASSWORD) is served as it is,
    # for reruns on a loaded machine where the build takes longer than its limit.
    reuse = os.environ.get("ZHILI_BROWSER_DEMO")
    data = Path(reuse) if reuse else tmp_path_factory.mktemp("browser-data")
    env = {
        **os.environ,
        "ZHILI_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'zhili.sqlite3'}",
        "ZHILI_TESTING": "0",
        "ZHILI_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "zhili.cli"]
    if not reuse:
        build = subprocess.run(
            [*cli, "demo", "--no-serve", "--password", PASSWORD],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,  # a loaded 2-core machine builds the demo in up to ~17 minutes
        )
        assert build.returncode == 0, build.stdout + build.stderr
    DEMO["data"] = data
    port = _free_port()
    log = open(data / "server.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [*cli, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-tasks"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # `zhili serve` collects and compresses the static files (plotly.min.js among them) before
    # gunicorn listens: on a loaded machine that takes minutes.
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310 - our own loopback server
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError((data / "server.log").read_text()) from None
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class PageWatch:
    """Collects console errors and failed requests of one page."""

    def __init__(self, page, origin: str):
        self.errors: list[str] = []
        # Offline: every request goes to our own server (data: URLs are inline).
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((origin, "data:")) else self.errors.append(f"external: {r.url}")
            ),
        )
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        page.on("response", lambda r: self.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None)


@pytest.fixture
def page_at(browser, server):
    """`page_at(width, height, **options)`: a watched page in a fresh zh-CN browser context of
    that viewport; options go to Playwright's new_context (is_mobile, geolocation, …)."""
    contexts = []

    def make(width: int, height: int, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
        contexts.append(context)
        p = context.new_page()
        p.watch = PageWatch(p, server)
        return p

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(page_at):
    return page_at(1366, 900)


@pytest.fixture
def phone(page_at):
    """A phone: 375 × 812, touch; `phone.fetched` lists every address it was answered from."""
    p = page_at(375, 812, is_mobile=True, has_touch=True)
    p.fetched = []
    p.on("response", lambda r: p.fetched.append(r.url))
    return p


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, server, username: str) -> None:
    page.goto(server + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header .who")
    # the page after login (the role's work) fetches its charts or map; let it finish so the
    # next goto aborts nothing
    page.wait_for_load_state("networkidle")
