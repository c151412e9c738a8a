"""Enriched ``tipwatch.post/1`` records for indexer tests (built here: no shared factory exists yet)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tipwatch.contract import parse_enriched, post_id


def sha(text: str) -> str:
    """A sha256 hex digest of some text."""
    return hashlib.sha256(text.encode()).hexdigest()


def contact(kind: str, value: str, raw: str | None = None, text: str = "") -> dict[str, Any]:
    """A contact; offsets point at ``raw`` in ``text`` when it occurs there."""
    raw = raw or value
    start = max(text.find(raw), 0)
    return {"kind": kind, "value": value, "raw": raw, "start": start, "end": start + len(raw)}


def enriched(n: int | str, *, text: str | None = None, source: str = "demo-board", kind: str = "html",
             country: str | None = "KH", fetched_at: str = "2026-11-01T08:00:00Z", language: str = "en",
             script: str = "Latn", tokens: str = "", contacts: list[dict[str, Any]] | None = None,
             risk: tuple[float, str] = (0.2, "low"), title: str | None = None,
             indicators: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """One valid enriched record (as the JSON dict on the wire); ``extra`` overrides top-level keys."""
    url = f"https://board.example.test/{source}/posts/{n}"
    body = text if text is not None else f"Post number {n}: hiring drivers in Phnom Penh, good salary."
    record: dict[str, Any] = {
        "schema": "tipwatch.post/1",
        "id": post_id(source, url=url),
        "source": {"id": source, "kind": kind, "country": country},
        "url": url,
        "fetched_at": fetched_at,
        "published_at": None,
        "author": {"name": "Recruiter", "handle": "agent_x", "url": None},
        "title": title if title is not None else f"Job {n}",
        "text": body,
        "links": [],
        "media": [],
        "evidence": {"sha256": sha(body), "warc_file": "crawl-1.warc.gz", "warc_record_id": f"<urn:uuid:{n}>",
                     "http_status": 200, "rendered": False, "screenshot": None},
        "crawl": {"job_id": "job-1", "spider": kind},
        "language": {"code": language, "script": script, "confidence": 0.97, "method": "test"},
        "text_tokens": tokens,
        "contacts": contacts or [],
        "indicators": indicators or [],
        "risk": {"score": risk[0], "level": risk[1]},
        "enriched_at": fetched_at,
    }
    record.update(extra)
    parse_enriched(record)
    return record


def wire(record: dict[str, Any]) -> bytes:
    """The Kafka message value of a record."""
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def index_records(client: Any, settings: Any, records: list[dict[str, Any]]) -> None:
    """Index records through the real sink and refresh (for search and aggregation tests)."""
    from indexer.sink import IndexSink
    from tipwatch.stream import Message

    sink = IndexSink(client, settings)
    rejected = sink.process([Message("posts.enriched", 0, i, wire(r)) for i, r in enumerate(records)])
    assert not rejected, rejected
    client.indices.refresh(index=settings.index("posts"))
