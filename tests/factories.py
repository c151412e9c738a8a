"""Test factories: valid ``tipwatch.post/1`` records with as little typing as possible."""

from __future__ import annotations

import hashlib
from typing import Any

from tipwatch.contract import SCHEMA, RawPost, post_id

FETCHED_AT = "2026-11-24T10:00:00Z"


def make_raw(text: str = "A test post.", title: str | None = None, source_id: str = "test",
             country: str | None = None, **overrides: Any) -> RawPost:
    """A valid raw record for ``text``.

    The URL is derived from the text (so different texts get different ids), the id comes from
    ``post_id``, the evidence hash is the SHA-256 of the text, the crawl job is ``"test"``.
    ``overrides`` replace whole top-level fields: ``url="…"``, ``source={"id": …, "kind":
    "telegram"}``, ``published_at="…"``, ``links=[…]``.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    url = overrides.pop("url", f"https://example.org/{source_id}/{digest[:16]}")
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "id": post_id(source_id, url=url),
        "source": {"id": source_id, "kind": "html", "country": country},
        "url": url,
        "fetched_at": FETCHED_AT,
        "published_at": None,
        "author": None,
        "title": title,
        "text": text,
        "links": [],
        "media": [],
        "evidence": {"sha256": digest},
        "crawl": {"job_id": "test", "spider": "test"},
    }
    record.update(overrides)
    return RawPost.model_validate(record)


def raw_line(text: str = "A test post.", **kwargs: Any) -> str:
    """``make_raw(...)`` as one JSON line (no newline), as it travels on the wire."""
    return make_raw(text, **kwargs).to_json().decode("utf-8")
