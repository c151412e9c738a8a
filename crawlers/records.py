"""From a Scrapy response to a parser's ``Page``, and from a parser's ``PostDraft`` to a raw record.

Pure functions: the spider calls them, the tests call them directly. Records leave here as the
JSON-ready dict of ``tipwatch.post/1``; ``item_pipelines.KafkaPipeline`` validates them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapy.http import Response

from crawlers.encoding import decode_body
from crawlers.evidence import EvidenceRef, sha256_hex
from crawlers.parsers.base import Page, PostDraft
from tipwatch.config.sources import SourceConfig
from tipwatch.contract import SCHEMA, format_time, post_id

_JSON_KINDS = frozenset({"mastodon", "bluesky"})


def page_of(response: Response, kind: str) -> Page:
    """The parser's view of a response: headers as text, the body decoded (see ``crawlers.encoding``)."""
    headers = {
        name.decode("latin-1").lower(): values[0].decode("latin-1")
        for name, values in response.headers.items() if values
    }
    text, _encoding = decode_body(response.body, headers.get("content-type"), html_meta=kind not in _JSON_KINDS)
    return Page(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        text=text,
        rendered="playwright" in response.flags,
    )


def evidence_of(response: Response) -> dict[str, Any]:
    """The ``evidence`` object for records from ``response`` (a bare hash when evidence is switched off)."""
    ref = response.meta.get("evidence")
    if isinstance(ref, EvidenceRef):
        return ref.as_record()
    return {"sha256": sha256_hex(response.body), "http_status": response.status,
            "rendered": "playwright" in response.flags}


def fetched_at_of(response: Response, default: datetime) -> datetime:
    """When the response arrived (the WARC record's date), else ``default``."""
    ref = response.meta.get("evidence")
    return ref.fetched_at if isinstance(ref, EvidenceRef) else default


def build_record(draft: PostDraft, *, source: SourceConfig, evidence: dict[str, Any], job_id: str, spider: str,
                 fetched_at: datetime) -> dict[str, Any]:
    """A ``tipwatch.post/1`` raw record (JSON-ready dict) from what a parser saw on a page."""
    author = None
    if draft.author_name or draft.author_handle or draft.author_url:
        author = {"name": draft.author_name, "handle": draft.author_handle, "url": draft.author_url}
    return {
        "schema": SCHEMA,
        "id": post_id(source.id, platform_id=draft.platform_id, url=draft.url),
        "source": {"id": source.id, "kind": source.kind, "country": source.country},
        "url": draft.url,
        "fetched_at": format_time(fetched_at),
        "published_at": format_time(draft.published_at) if draft.published_at else None,
        "author": author,
        "title": draft.title,
        "text": draft.text,
        "links": list(draft.links),
        "media": [{"url": url, "sha256": None} for url in draft.media],
        "evidence": dict(evidence),
        "crawl": {"job_id": job_id, "spider": spider},
    }
