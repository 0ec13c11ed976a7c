"""Headless Chromium, driven by Playwright, against pytest-django's live server.

One browser for the session; each test gets a fresh context (its own cookies), and the
demo force on a fresh transactional database from the suite's ``demo`` fixture, so no test
depends on another's cookies or data. The officer's verbs (sign in, answer a step, check a
page with axe) live in the test module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop running in the main thread, and the tests
# call the ORM from that thread (to read an attempt's right answers). Django sees the running
# loop and refuses with SynchronousOnlyOperation, although nothing here is actually async: the
# ORM calls and the browser take turns in one thread. This tells Django so; it must be set
# before the first ORM call, hence at import time. It holds for the whole pytest process once
# this file is collected; the rest of the suite is synchronous, so it loses no real check.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# The browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium. Missing on a laptop: skip. Missing in CI: fail, never skip silently."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but Chromium is missing at {CHROMIUM}: the browser tests cannot run.")
    pytest.skip(f"Chromium is missing at {CHROMIUM}: install it with `apt-get install chromium` to run browser tests.")


@pytest.fixture(scope="session")
def browser(chromium_path):
    # Imported here so the rest of the suite does not need Playwright to collect.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A page in its own context (own cookies), with JavaScript on."""
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_javascript(browser) -> Iterator:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    yield context.new_page()
    context.close()
