"""Headless Chromium through Playwright's sync API, for tests of the candidate terminal.

Import the fixtures into a test module (``from tests.browser_fixtures import browser, page``).
The browser is the system Chromium (Debian's package), never one Playwright downloads: when
it is missing the tests fail and say how to install it; they are not skipped, because a
skipped browser test looks like a passing one in a CI summary.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

VIEWPORT = {"width": 1366, "height": 768}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
INSTALL_HINT = ("install Debian's Chromium with `apt-get install -y chromium` (or point "
                "EXAM_ENGINE_CHROMIUM at a Chromium binary); do not use `playwright install`")


def chromium_path() -> Path:
    """The Chromium binary: $EXAM_ENGINE_CHROMIUM, else /usr/bin/chromium, else chromium on PATH."""
    configured = os.environ.get("EXAM_ENGINE_CHROMIUM")
    if configured:
        return Path(configured)
    default = Path("/usr/bin/chromium")
    if default.exists():
        return default
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else default


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.fail(f"the browser tests need the playwright package (pip install -e '.[test]'): {exc}",
                    pytrace=False)
    executable = chromium_path()
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        pytest.fail(f"Chromium not found at {executable}: {INSTALL_HINT}", pytrace=False)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # noqa: BLE001 - any launch failure is the same message
            pytest.fail(f"Chromium at {executable} did not start ({exc}); {INSTALL_HINT}", pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageErrors:
    """Uncaught exceptions in the page and console errors, for assertions and failure reports."""

    uncaught: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context (empty localStorage, cookies) and page at 1366x768.

    ``page.errors`` (a PageErrors) collects uncaught exceptions and console errors; the
    fixture fails the test on an uncaught exception in the page."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors = PageErrors()
    pg.on("pageerror", lambda exc: errors.uncaught.append(str(exc)))
    pg.on("console", lambda msg: errors.console.append(msg.text) if msg.type == "error" else None)
    pg.errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()
    assert not errors.uncaught, f"uncaught exceptions in the page: {errors.uncaught}"
