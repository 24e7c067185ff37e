"""Browser journeys: Debian's Chromium driven by Playwright for Python against a live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

# Journeys wait for conditions, never for fixed times. The limits are for a busy two-core machine
# (the suite's other processes, PostgreSQL and a PDF being drawn at once), not an idle one.
ACTION_TIMEOUT_MS = 30_000
SLOW_TIMEOUT_MS = 120_000  # PDF and Excel downloads, background jobs
expect.set_options(timeout=ACTION_TIMEOUT_MS)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the test
    # makes around it are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def new_page(browser, **options):
    """A page in a browser context of its own (own cookies) that asks for Chinese, as factory
    PCs do; desktop-sized unless options say otherwise."""
    context = browser.new_context(
        **{"locale": "zh-CN", "viewport": {"width": 1366, "height": 900}, **options}
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser):
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def log_in(page, base_url: str, username: str, password: str = "Correct-Horse-42") -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
