"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Playwright cannot download its own browsers here (nor in CI), so the system chromium is launched by path.
Every test in this folder is marked ``browser``; deselect them with ``-m "not browser"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    # Playwright's sync API runs an asyncio event loop on the main thread (inside a greenlet), and that
    # loop counts as running from start() to stop() -- for every test of the session that runs meanwhile,
    # browser test or not. Django sees the running loop and refuses ORM calls from this thread
    # (SynchronousOnlyOperation), yet the tests build their data, and pytest-django flushes the database,
    # on this very thread. Nothing here runs ORM code inside a coroutine, so the guard protects nothing
    # while the browser is up; it is switched off for exactly that time and restored afterwards, so a run
    # without the browser tests (-m "not browser") keeps it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context per test (no cookies carried over): a phone, as a grid worker uses the site."""
    ctx = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(5_000)
    yield ctx
    ctx.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Errors the page reported (CSP violations, failed loads, script errors); tests assert it empty."""
    return []


@pytest.fixture
def page(context: BrowserContext, console_errors: list[str]) -> Page:
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    return page


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for screenshots (``test-artifacts/`` is git-ignored; CI can upload it)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
