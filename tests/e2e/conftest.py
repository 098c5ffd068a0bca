from collections.abc import Iterator

import pytest
from e2e.web_helpers import ensure_web_build, launch_browser
from playwright.sync_api import Browser, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, with the web client built."""
    ensure_web_build()
    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()
