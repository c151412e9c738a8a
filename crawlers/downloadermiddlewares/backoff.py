"""Backoff for retries: wait before each retry, and slow the whole domain when it says "too many".

Scrapy's ``RetryMiddleware`` re-schedules a failed request at once. This middleware sits after it
(a higher number, so it sees the response first) and notes how long the retry must wait: the
server's ``Retry-After`` when it gives one, else ``BACKOFF_BASE_S * 2**(retry - 1)`` with jitter,
capped by ``BACKOFF_MAX_S``. When the retry comes back through ``process_request`` it waits that
long without blocking the reactor. A 429 or 503 also raises the domain's download delay, so the
other requests to that domain slow down too; each good answer afterwards halves it again, down to
``DOWNLOAD_DELAY`` (AutoThrottle, when on, keeps adjusting it to the latency as usual).

Stats: ``backoff/waits``, ``backoff/seconds``, ``backoff/slowed_domain``. Switch: ``BACKOFF_ENABLED``.
"""

from __future__ import annotations

import asyncio
import random
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from tipwatch.contract import utc_now

DELAY_KEY = "backoff_delay"
SLOW_DOWN_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - utc_now()).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": between half and all of ``base * 2**(attempt-1)``, capped."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


class BackoffMiddleware:
    """Downloader middleware: delays retried requests and slows domains that answer 429/503."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not (settings.getbool("BACKOFF_ENABLED") and settings.getbool("RETRY_ENABLED")):
            raise NotConfigured("BACKOFF_ENABLED or RETRY_ENABLED is off")
        self.crawler = crawler
        self.base = settings.getfloat("BACKOFF_BASE_S")
        self.cap = settings.getfloat("BACKOFF_MAX_S")
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY")
        self.min_delay = settings.getfloat("DOWNLOAD_DELAY")
        self._slowed: set[str] = set()
        self.retry_codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """A retry waits the delay noted when its predecessor failed (other requests pass straight on)."""
        delay = request.meta.pop(DELAY_KEY, 0.0)
        if delay > 0 and request.meta.get("retry_times"):
            self.crawler.stats.inc_value("backoff/waits")
            self.crawler.stats.inc_value("backoff/seconds", round(delay, 3))
            await asyncio.sleep(delay)

    def process_response(self, request: Request, response: Response) -> Response:
        """Note the wait for the retry RetryMiddleware is about to make; slow the domain on 429/503."""
        if response.status not in self.retry_codes:
            self._recover_domain(request)
            return response
        if request.meta.get("dont_retry"):
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        delay = min(self.cap, asked) if asked is not None else self._next_delay(request)
        request.meta[DELAY_KEY] = delay
        if response.status in SLOW_DOWN_STATUSES:
            self._slow_domain(request, delay)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Timeouts and connection errors back off too (RetryMiddleware decides whether to retry)."""
        if not request.meta.get("dont_retry"):
            request.meta[DELAY_KEY] = self._next_delay(request)

    def _next_delay(self, request: Request) -> float:
        return backoff_seconds(request.meta.get("retry_times", 0) + 1, self.base, self.cap)

    def _slot(self, request: Request) -> tuple[str | None, Any]:
        key = request.meta.get("download_slot")
        return key, self.crawler.engine.downloader.slots.get(key) if key else None

    def _slow_domain(self, request: Request, delay: float) -> None:
        key, slot = self._slot(request)
        if slot is None:
            return
        slowed = min(self.max_delay, max(slot.delay * 2, delay / 2))
        if slowed > slot.delay and key is not None:
            slot.delay = slowed
            self._slowed.add(key)
            self.crawler.stats.inc_value("backoff/slowed_domain")

    def _recover_domain(self, request: Request) -> None:
        """After a good answer, halve a delay this middleware raised, down to ``DOWNLOAD_DELAY``."""
        key, slot = self._slot(request)
        if slot is None or key not in self._slowed:
            return
        slot.delay = max(self.min_delay, slot.delay / 2)
        if slot.delay <= self.min_delay:
            self._slowed.discard(key)
