"""Rendering through Chromium (scrapy-playwright): the request meta of a rendered page, as data.

The browser is just another download handler, chosen per request with ``meta["playwright"]``.
``page_actions`` of ``sources.yaml`` become ``PageMethod``s run after the page loads, and the last
one takes the full-page screenshot that the evidence middleware keeps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as BrowserPage
from scrapy_playwright.page import PageMethod

from tipwatch.config.sources import PageAction, SourceConfig

log = logging.getLogger(__name__)

SCREENSHOT_METHOD = "screenshot"
CLICK_TIMEOUT_MS = 5000


async def scroll_to_bottom(page: BrowserPage, times: int, ms: int) -> None:
    """Scroll to the bottom ``times`` times, waiting ``ms`` after each scroll (infinite lists)."""
    for _ in range(times):
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        await page.wait_for_timeout(ms)


async def click_while_present(page: BrowserPage, selector: str, times: int, ms: int) -> int:
    """Click ``selector`` up to ``times`` times ("show more"), stopping when it is gone; clicks made."""
    clicks = 0
    for _ in range(times):
        target = page.locator(selector).first
        if await target.count() == 0:
            break
        try:
            await target.click(timeout=CLICK_TIMEOUT_MS)
        except PlaywrightError as exc:  # hidden or detached: everything is loaded
            log.debug("stopped clicking %s on %s: %s", selector, page.url, exc)
            break
        clicks += 1
        await page.wait_for_timeout(ms)
    return clicks


def page_method(action: PageAction) -> PageMethod:
    """One ``page_actions`` entry as a ``PageMethod``."""
    if action.action == "scroll_to_bottom":
        return PageMethod(scroll_to_bottom, action.times, action.ms)
    if action.action == "click":
        return PageMethod(click_while_present, action.selector, action.times, action.ms)
    if action.action == "wait_for_selector":
        return PageMethod("wait_for_selector", action.selector)
    return PageMethod("wait_for_timeout", action.ms)


def render_meta(source: SourceConfig, *, screenshot: bool = True) -> dict[str, Any]:
    """Request meta that sends a page of ``source`` through Chromium (fresh PageMethods every time:
    they carry their results)."""
    methods = [page_method(action) for action in source.page_actions]
    if screenshot:
        methods.append(PageMethod(SCREENSHOT_METHOD, full_page=True, type="png"))
    return {
        "playwright": True,
        "playwright_context": f"tipwatch-{source.id}",
        "playwright_page_methods": methods,
    }


def screenshot_of(meta: dict[str, Any]) -> bytes | None:
    """The PNG taken by the screenshot ``PageMethod`` of a rendered request, if any."""
    methods: Sequence[Any] = meta.get("playwright_page_methods") or ()
    for method in reversed(methods):
        if isinstance(method, PageMethod) and method.method == SCREENSHOT_METHOD and isinstance(method.result, bytes):
            return method.result
    return None
