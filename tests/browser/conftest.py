"""Fixtures for the console's browser tests: a live server, a real headless Chromium, signed-in pages.

The server is spotkeeper itself (API + console + worker on the simulated Azure) in a subprocess
on a free loopback port. The browser is Debian's `chromium` driven by Playwright for Python
(`playwright install` is never used: the browser comes from the system). Without Chromium the
suite is skipped with the reason — or fails, when `SPOTKEEPER_REQUIRE_BROWSER=1` (CI) says the
browser must be there.

Every test saves screenshots under `artifacts/screenshots/` (`shoot(page, name)`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.support import ROOT, Console, shoot

REQUIRE_ENV = "SPOTKEEPER_REQUIRE_BROWSER"
TOKEN = "sk-browser-tests-0123456789abcdef"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_S = 60.0


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: the browser suite must run)", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium and `pip install playwright` to run the browser suite")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("Chromium is not installed (no `chromium` on PATH)")
    assert path is not None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    return path


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Console]:
    data_dir = tmp_path_factory.mktemp("console-server")
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("serve.py")),
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--token",
            TOKEN,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    try:
        while True:
            if process.poll() is not None:
                output = (data_dir / "server.log").read_text()[-3000:]
                raise AssertionError(f"the console server exited: {output}")
            try:
                if httpx.get(f"{url}/sign-in", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the console server did not answer in time")
            time.sleep(0.2)
        yield Console(url=url, token=TOKEN)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, console: Console, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context signed in to the console, on the nodes list.

    A failing test leaves `FAILED-<test>.png` beside the other screenshots."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    signed_in = context.new_page()
    signed_in.goto(f"{console.url}/sign-in")
    signed_in.get_by_label("Access token").fill(console.token)
    signed_in.get_by_role("button", name="Sign in").click()
    signed_in.wait_for_url(f"{console.url}/")
    yield signed_in
    if request.node.stash.get(_FAILED, False):
        shoot(signed_in, f"FAILED-{request.node.name}")
    context.close()
