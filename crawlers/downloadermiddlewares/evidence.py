"""Every exchange into WARC files, next to the downloader (raw bytes, before decompression and redirects).

Sets ``request.meta["evidence"]`` (an ``EvidenceRef``) for the spider, which copies it into each record
made from the response. Writes the job's ``manifest.json`` when the spider closes. An evidence folder
that cannot be written stops the crawl (reason ``evidence_unwritable``) with one clear log line:
records without evidence are worthless to an investigator.

Stats: ``evidence/exchanges``, ``evidence/bytes``, ``evidence/screenshots``, ``evidence/files``.
Switch: ``EVIDENCE_ENABLED``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.utils.defer import deferred_from_coro

from crawlers.context import new_job_id, tipwatch_settings
from crawlers.evidence import EvidenceStore, EvidenceUnwritable, Exchange
from crawlers.manifest import write_manifest
from crawlers.rendering import screenshot_of
from tipwatch.contract import utc_now

log = logging.getLogger(__name__)

META_KEY = "evidence"
SKIP_KEY = "evidence_skip"
"""Request meta that keeps an exchange out of the WARC (a login that carries credentials)."""
UNWRITABLE = "evidence_unwritable"


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def header_pairs(headers: Headers) -> tuple[tuple[str, str], ...]:
    """Scrapy headers as (name, value) text pairs, repeated headers kept."""
    return tuple((_decode(name), _decode(value)) for name, values in headers.items() for value in values)


def exchange_of(request: Request, response: Response) -> Exchange:
    """What the WARC keeps of one request and its response."""
    rendered = "playwright" in response.flags
    return Exchange(
        url=response.url if rendered else request.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=request.body,
        status=response.status,
        response_headers=header_pairs(response.headers),
        body=response.body,
        fetched_at=utc_now(),
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        rendered=rendered,
        screenshot=screenshot_of(request.meta) if rendered else None,
    )


class EvidenceMiddleware:
    """Downloader middleware: WARC records for every response, a manifest per job."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("EVIDENCE_ENABLED"):
            raise NotConfigured("EVIDENCE_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.store: EvidenceStore | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        """Create ``<evidence_dir>/<job_id>`` and prove it is writable; stop the crawl otherwise."""
        settings = self.crawler.settings
        source = getattr(spider, "source", None)
        job_id = getattr(spider, "job_id", None) or new_job_id()
        store = EvidenceStore(
            tipwatch_settings(settings).paths.evidence_dir, job_id, source.id if source else spider.name,
            max_file_bytes=settings.getint("EVIDENCE_WARC_MAX_BYTES"),
            gzip_level=settings.getint("EVIDENCE_GZIP_LEVEL"),
            info={"http-header-user-agent": settings.get("USER_AGENT"), "robots": self._robots_policy(source)},
        )
        try:
            store.open()
        except EvidenceUnwritable as exc:
            log.error("%s", exc)
            self.stats.set_value("evidence/error", str(exc))
            raise CloseSpider(UNWRITABLE) from exc
        self.store = store

    def _robots_policy(self, source: Any) -> str:
        if self.crawler.settings.getbool("ROBOTSTXT_OBEY"):
            return "obey"
        reason = source.robots.reason if source is not None else None
        return f"ignored: {reason}" if reason else "ignored"

    def process_response(self, request: Request, response: Response) -> Response:
        """Archive the exchange and hand its reference to the spider through the request meta."""
        if self.store is None or request.meta.get(SKIP_KEY):
            return response
        exchange = exchange_of(request, response)
        try:
            ref = self.store.write(exchange)
        except EvidenceUnwritable as exc:
            self._stop(exc)
            raise IgnoreRequest(f"no evidence written for {request.url}") from exc
        request.meta[META_KEY] = ref
        self.stats.inc_value("evidence/exchanges")
        self.stats.inc_value("evidence/bytes", len(exchange.body))
        if ref.screenshot is not None:
            self.stats.inc_value("evidence/screenshots")
        return response

    def _stop(self, exc: EvidenceUnwritable) -> None:
        if self._stopping:
            return
        self._stopping = True
        log.error("%s", exc)
        self.stats.set_value("evidence/error", str(exc))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=UNWRITABLE))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the WARC file and merge this source's files into the job's ``manifest.json``."""
        store, self.store = self.store, None
        if store is None:
            return
        entries = await asyncio.to_thread(store.close)
        try:
            manifest = await asyncio.to_thread(write_manifest, store.job_dir, store.job_id, entries)
        except OSError as exc:
            log.error("the evidence manifest of job %s cannot be written: %s", store.job_id, exc)
            return
        self.stats.set_value("evidence/files", len(entries))
        self.stats.set_value("evidence/manifest", str(manifest))
        log.info("evidence of job %s: %d file(s), manifest %s", store.job_id, len(entries), manifest)
