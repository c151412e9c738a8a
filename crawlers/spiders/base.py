"""The navigation every source kind shares: start pages, limits, parsing through ``PARSERS``, records out.

A spider gets its ``SourceConfig`` (and the crawl job id); it only decides what to fetch next.
Each response becomes a ``Page``, the kind's parser turns it into a ``ParseResult``, and every
``PostDraft`` becomes a raw record carrying the post id, the evidence of the page, the job and the
fetch time. ``follow`` links and ``next_page`` (Telegram ``?before=``, Mastodon ``max_id``, Bluesky
``cursor``…) come from the parser.

Limits: ``max_pages`` page requests (``--max-pages`` wins over ``limits.max_pages``), ``max_items``
records, ``since`` (posts older than the cutoff are skipped and an all-older page ends the paging).

Stats: ``parse/pages``, ``parse/posts``, ``parse/empty`` (the parser set ``empty_reason``: logged with
the reason), ``limits/...``, ``error/<reason>`` (see ``crawlers.failures``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawlers.context import new_job_id, resolve_source
from crawlers.failures import failure_reason
from crawlers.parsers import PARSERS, Parser, apply_since
from crawlers.records import build_record, evidence_of, fetched_at_of, page_of
from crawlers.rendering import render_meta
from tipwatch.config.sources import SourceConfig
from tipwatch.contract import utc_now

log = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def host_of(url: str | None) -> str | None:
    """The host name of a URL (no port), or None."""
    return urlsplit(url).hostname if url else None


def apply_source_settings(settings: BaseSettings, source: SourceConfig) -> None:
    """Per-source Scrapy settings: the robots override and the browser download handler."""
    if not source.robots.obey:
        settings.set("ROBOTSTXT_OBEY", False, priority="spider")
        log.warning("source %s ignores robots.txt: %s", source.id, source.robots.reason)
    if source.render:
        # one browser driver per scheme: https always (http sites redirect there), http only when needed
        schemes = ("https",) if urlsplit(source.url or "").scheme == "https" else ("http", "https")
        settings.set("DOWNLOAD_HANDLERS", dict.fromkeys(schemes, PLAYWRIGHT_HANDLER), priority="spider")


class SourceSpider(Spider):
    """Base of every kind's spider; subclasses say where a crawl starts."""

    name = "source"
    kind: ClassVar[str] = ""
    accept: ClassVar[str | None] = None
    """The ``Accept`` header of page requests (None: Scrapy's default)."""

    def __init__(self, source: SourceConfig, job_id: str, max_pages: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.job_id = job_id
        self.max_pages = max_pages or source.limits.max_pages
        self.max_items = source.limits.max_items
        self.allowed_domains = self.domains()
        self.parser: Parser = PARSERS[source.kind]
        self._requested: set[str] = set()
        self._items = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, source: SourceConfig | str | None = None,
                     job_id: str | None = None, max_pages: int | str | None = None, **kwargs: Any) -> SourceSpider:
        config = resolve_source(source)
        if config.kind != cls.kind:
            raise ValueError(f"source {config.id!r} is a {config.kind} source, not {cls.kind}")
        apply_source_settings(crawler.settings, config)
        spider = super().from_crawler(crawler, *args, source=config, job_id=job_id or new_job_id(),
                                      max_pages=int(max_pages) if max_pages else None, **kwargs)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        return spider

    def opened(self) -> None:
        """Name the source and the job in the stats."""
        stats = self.crawler.stats
        stats.set_value("source/id", self.source.id)
        stats.set_value("source/kind", self.kind)
        stats.set_value("source/job_id", self.job_id)
        stats.set_value("limits/max_pages", self.max_pages)

    # --- what subclasses decide ----------------------------------------------------------------

    def start_urls_of_source(self) -> Sequence[str]:
        """The first pages of a crawl of this source."""
        return [self.source.url] if self.source.url else []

    def domains(self) -> list[str]:
        """Domains requests may go to (``allowed_domains``, else the host of the start URL)."""
        if self.source.allowed_domains:
            return list(self.source.allowed_domains)
        host = host_of(self.source.url)
        return [host.removeprefix("www.")] if host else []  # example.org also covers www.example.org

    def request_headers(self) -> dict[str, str]:
        """Headers of every page request."""
        return {"Accept": self.accept} if self.accept else {}

    # --- navigation -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Requests for the start pages."""
        for url in self.start_urls_of_source():
            request = self.page_request(url)
            if request is not None:
                yield request

    def page_request(self, url: str, **kwargs: Any) -> Request | None:
        """A request for a page of the source, or None when it was asked already or a limit is reached."""
        if url in self._requested:
            return None
        if self._items >= self.max_items:
            return None
        if len(self._requested) >= self.max_pages:
            self.crawler.stats.set_value("limits/max_pages_reached", self.max_pages)
            self.crawler.stats.inc_value("limits/pages_not_fetched")
            return None
        self._requested.add(url)
        meta = render_meta(self.source, screenshot=self.settings.getbool("RENDER_SCREENSHOT")) \
            if self.source.render else {}
        headers = {**self.request_headers(), **kwargs.pop("headers", {})}
        # dont_filter: the spider deduplicates page URLs itself, so a redirect loop (a -> b -> a) runs into
        # REDIRECT_MAX_TIMES and is counted as error/redirect_loop instead of vanishing in the dupefilter
        return Request(url, callback=self.parse, errback=self.on_error, meta={**meta, **kwargs.pop("meta", {})},
                       headers=headers, dont_filter=True, **kwargs)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Page -> parser -> records, then the links the parser says to follow."""
        stats = self.crawler.stats
        stats.inc_value("parse/pages")
        page = page_of(response, self.source.kind)
        result = self.parser(page, self.source)
        if result.empty_reason:
            stats.inc_value("parse/empty")
            log.warning("parse/empty %s (%s): %s", response.url, self.source.id, result.empty_reason)
        fetched_at = fetched_at_of(response, utc_now())
        kept = apply_since(result, self.source, fetched_at)
        if len(kept.posts) < len(result.posts):
            stats.inc_value("limits/since_skipped", len(result.posts) - len(kept.posts))
        evidence = evidence_of(response)
        for draft in kept.posts:
            if self._items >= self.max_items:
                stats.set_value("limits/max_items_reached", self.max_items)
                break
            self._items += 1
            stats.inc_value("parse/posts")
            yield build_record(draft, source=self.source, evidence=evidence, job_id=self.job_id, spider=self.name,
                               fetched_at=fetched_at)
        for url in (*kept.follow, *((kept.next_page,) if kept.next_page else ())):
            request = self.page_request(url)
            if request is not None:
                yield request

    def on_error(self, failure: Failure) -> None:
        """Count and log a failed request; the crawl goes on."""
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"error/{reason}")
        request = getattr(failure, "request", None)
        log.warning("error/%s %s (%s): %s", reason, request.url if request else "?", self.source.id,
                    str(failure.value) or type(failure.value).__name__)
