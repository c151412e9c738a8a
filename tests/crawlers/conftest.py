"""Fixtures of the crawler tests: the local site and the sources that point at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.crawlers.mockserver import MockServer
from tipwatch.config import SourceConfig

FAST: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "BACKOFF_BASE_S": 0.05,
    "BACKOFF_MAX_S": 2.0,
    "DOWNLOAD_TIMEOUT": 20,
    "KAFKA_FLUSH_TIMEOUT_S": 20,
}
"""Scrapy settings for tests: no politeness delays against our own server, short backoff."""


def site_sources(base: str) -> dict[str, SourceConfig]:
    """One source of each kind (and the bad-input mirror) on the local site at ``base``."""
    job_rules = {"detail_links": "a.job-link", "next_page": "a.next", "title": "h1.job-title", "text": ".job-body",
                 "author": ".employer", "published_at": "time", "media": ".job-body img"}
    raw: list[dict[str, Any]] = [
        {"id": "asiajobs", "kind": "html", "url": f"{base}/jobs/index.html", "country": "TH", "html": job_rules,
         "fetch_media": True},
        {"id": "mirror-bad", "kind": "html", "url": f"{base}/bad/index.html", "country": "MY", "html": job_rules},
        {"id": "vieclam-rss", "kind": "feed", "url": f"{base}/feed/rss.xml", "country": "VN"},
        {"id": "khjobs-atom", "kind": "feed", "url": f"{base}/feed/atom.atom", "country": "KH"},
        {"id": "zhaopin-json", "kind": "feed", "url": f"{base}/feed/feed.json", "country": "CN"},
        {"id": "tg-tuyendung", "kind": "telegram", "url": f"{base}/s/tuyendung_cam", "country": "VN",
         "fetch_media": True},
        {"id": "masto-kerja", "kind": "mastodon", "url": base, "country": "ID", "hashtags": ["lowongankerja"],
         "accounts": ["recruiter"]},
        {"id": "bsky-vieclam", "kind": "bluesky", "url": base, "country": "VN", "query": "tuyển dụng"},
        {"id": "bsky-author", "kind": "bluesky", "url": base, "accounts": ["vieclam.bsky.social"]},
        {"id": "js-listing", "kind": "html", "url": f"{base}/js/listing.html", "render": True, "country": "MM",
         "html": {"item": "div.job-card", "title": "h3.title", "text": "p.desc", "item_id": "span.ref"},
         "page_actions": [{"action": "wait_for_selector", "selector": "div.job-card"},
                          {"action": "click", "selector": "#more:not([hidden])", "times": 5, "ms": 300}]},
        {"id": "js-listing-http", "kind": "html", "url": f"{base}/js/listing.html", "country": "MM",
         "html": {"item": "div.job-card", "title": "h3.title", "text": "p.desc", "item_id": "span.ref"}},
    ]
    return {entry["id"]: SourceConfig.model_validate(entry) for entry in raw}


@pytest.fixture
def site() -> Iterator[MockServer]:
    """The local site, on a free port, for one test."""
    with MockServer() as server:
        yield server


@pytest.fixture
def sources(site: MockServer) -> dict[str, SourceConfig]:
    """Sources of every kind pointing at ``site``."""
    return site_sources(site.base)
