"""Scrapy settings of tipwatch's crawlers (``scrapy.cfg`` points here; ``run_crawl`` starts from them).

Every setting is documented beside its value; ``docs/crawlers.md`` explains the choices. Components
are listed in ordered dicts and each can be switched off with its ``<NAME>_ENABLED`` setting.
Per-source choices (robots override, rendering) are applied by the spider from ``sources.yaml``.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    _VERSION = version("tipwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    _VERSION = "dev"

BOT_NAME = "tipwatch"

# Spiders come from the explicit registry ``crawlers.spiders.SPIDERS`` (one per source kind).
SPIDER_LOADER_CLASS = "crawlers.spiderloader.RegistrySpiderLoader"

# --- identity and politeness -------------------------------------------------------------------

CONTACT = os.environ.get("TIPWATCH_CRAWL_CONTACT", "").strip()
"""Who to contact about the crawler (a URL or an e-mail address): put it in the User-Agent."""
USER_AGENT = os.environ.get("TIPWATCH_CRAWL_USER_AGENT") or (
    f"tipwatch/{_VERSION} (counter-trafficking research crawler"
    + (f"; +{CONTACT})" if CONTACT else ")")
)
"""Identifying User-Agent; ``TIPWATCH_CRAWL_USER_AGENT`` replaces it, ``TIPWATCH_CRAWL_CONTACT`` extends it."""

ROBOTSTXT_OBEY = True
"""robots.txt is obeyed; a source may override it only with a written reason (``robots:``)."""

CONCURRENT_REQUESTS = 16
"""Requests in flight over all domains of one crawl."""
CONCURRENT_ITEMS = 16
"""Posts of one response processed in parallel. Scrapy starts this many workers for every response,
and a page yields at most a few dozen posts: 16 instead of Scrapy's 100 saves ~1 ms a page."""
CONCURRENT_REQUESTS_PER_DOMAIN = 4
"""Requests in flight to one domain."""
DOWNLOAD_DELAY = 0.25
"""Smallest delay between two requests to one domain (AutoThrottle never goes below it)."""

AUTOTHROTTLE_ENABLED = True
"""Adapt the delay to the server's latency."""
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
"""Average requests in flight AutoThrottle aims at, per domain."""

# --- failures, sizes, redirects ----------------------------------------------------------------

DOWNLOAD_TIMEOUT = 30
"""Seconds before a download is abandoned (and retried)."""
RETRY_ENABLED = True
RETRY_TIMES = 3
"""Retries after the first attempt, for the codes below and for timeouts / connection errors."""
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
BACKOFF_ENABLED = True
"""Wait before each retry (``crawlers.downloadermiddlewares.backoff``) and slow the whole domain on 429/503."""
BACKOFF_BASE_S = 2.0
"""First retry waits this long, then twice as long each time (with jitter)."""
BACKOFF_MAX_S = 60.0
"""Longest wait before one retry, also the cap on a server's ``Retry-After``."""

DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
"""Bodies above this are cancelled, counted as ``error/maxsize`` and logged; the crawl goes on."""
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
"""Bodies above this are logged."""
REDIRECT_MAX_TIMES = 5
"""Redirects followed per request; a loop ends there (``error/redirect_loop``)."""
DOWNLOAD_FAIL_ON_DATALOSS = True

# --- components ---------------------------------------------------------------------------------

DOWNLOADER_MIDDLEWARES = {
    # after RetryMiddleware (550) in process_response: it sees a 429/503 first and sets the wait
    "crawlers.downloadermiddlewares.backoff.BackoffMiddleware": 560,
    # next to the downloader: every exchange, raw bytes, before decompression and redirects
    "crawlers.downloadermiddlewares.evidence.EvidenceMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawlers.item_pipelines.MediaPipeline": 300,
    "crawlers.item_pipelines.KafkaPipeline": 800,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
"""No listening ports: a crawl worker is controlled through Kafka jobs, not a console."""

# --- evidence (WARC) ---------------------------------------------------------------------------

EVIDENCE_ENABLED = True
"""Write every exchange to WARC files under ``paths.evidence_dir/<job_id>/``."""
EVIDENCE_WARC_MAX_BYTES = 256 * 1024 * 1024
"""A WARC file is closed and the next one started when it reaches this size (compressed)."""
EVIDENCE_GZIP_LEVEL = 6
"""zlib level of the per-record gzip members (9 costs about three times the CPU for ~3% less disk)."""

# --- output to Kafka ---------------------------------------------------------------------------

KAFKA_ENABLED = True
"""Send records to ``<prefix>posts.raw``; when off, records are only validated and counted."""
KAFKA_PRODUCER_FACTORY = "crawlers.kafka_output.make_producer"
"""Dotted path of ``factory(settings, *, max_block_ms) -> Producer``: the only place the producer is chosen
(tests put a fault-injecting one here)."""
KAFKA_MAX_BLOCK_MS = 2000
"""Longest a send may wait for topic metadata or buffer space before the record is spooled."""
KAFKA_PAUSE_S = 30.0
"""After a send could not even be queued, spool directly for this long instead of trying again."""
KAFKA_FLUSH_TIMEOUT_S = 60.0
"""How long closing a crawl waits for the broker's acknowledgements; the rest is spooled."""

MEDIA_ENABLED = True
"""Fetch images of posts of ``fetch_media: true`` sources and record their sha256."""
MEDIA_MAX_PER_POST = 10
"""Images fetched per post (the others are listed without a hash)."""

# --- rendering (scrapy-playwright, only for sources with ``render: true``) -----------------------

PLAYWRIGHT_BROWSER_TYPE = "chromium"
CHROMIUM = os.environ.get("TIPWATCH_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium; ``TIPWATCH_CHROMIUM`` points elsewhere (Playwright's own build when it does not exist)."""
_CHROMIUM_ARGS = [
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu",
    "--no-first-run", "--disable-dev-shm-usage",
]
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": _CHROMIUM_ARGS + (["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    **({"executable_path": CHROMIUM} if Path(CHROMIUM).exists() else {}),
}
PLAYWRIGHT_MAX_CONTEXTS = 1
"""Browser contexts open at once: one per crawl (one source), so memory stays flat over a long crawl."""
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
"""Pages open at once in one context; each page is closed after its response is read."""
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
RENDER_SCREENSHOT = True
"""Take a full-page screenshot of every rendered page and keep it as evidence."""

# --- misc ---------------------------------------------------------------------------------------

LOG_LEVEL = "INFO"
STATS_DUMP = True
"""Crawl stats are logged when a crawl ends (and returned by ``run_crawl``)."""
FEED_EXPORT_ENCODING = "utf-8"
