"""Typed models of the ``tipwatch.post/1`` raw and enriched records (DESIGN.md, record contract)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from tipwatch.contract.times import format_time, parse_time

SCHEMA = "tipwatch.post/1"

UtcTime = Annotated[
    datetime,
    BeforeValidator(parse_time),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "RFC 3339, UTC"}),
]
"""An aware datetime, stored in UTC and written as RFC 3339 with a ``Z``."""

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
NonEmpty = Annotated[str, Field(min_length=1)]

ContactKind = Literal[
    "phone", "email", "telegram", "whatsapp", "line", "wechat", "signal", "url",
    "facebook", "instagram", "tiktok", "btc", "eth", "trx",
]
SourceKind = Literal["html", "feed", "telegram", "mastodon", "bluesky"]
RiskLevel = Literal["low", "medium", "high"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Source(_Model):
    """Where a post came from: the sources.yaml entry and its kind."""

    id: NonEmpty
    kind: SourceKind
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None


class Author(_Model):
    """The author as the page shows them."""

    name: str | None = None
    handle: str | None = None
    url: str | None = None


class Media(_Model):
    """An image in the post; ``sha256`` when it was fetched."""

    url: NonEmpty
    sha256: Sha256 | None = None


class Screenshot(_Model):
    """A full-page screenshot of a rendered page."""

    path: NonEmpty
    sha256: Sha256


class Evidence(_Model):
    """What proves the post was seen: the raw body's hash and where the bytes are kept."""

    sha256: Sha256
    warc_file: str | None = None
    warc_record_id: str | None = None
    http_status: int | None = Field(default=None, ge=100, le=599)
    rendered: bool = False
    screenshot: Screenshot | None = None


class Crawl(_Model):
    """The crawl job and spider that produced the record."""

    job_id: NonEmpty
    spider: NonEmpty


class RawPost(_Model):
    """A post as crawled (topic ``tipwatch.posts.raw``)."""

    schema_: Literal["tipwatch.post/1"] = Field(default=SCHEMA, alias="schema")
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    source: Source
    url: NonEmpty
    fetched_at: UtcTime
    published_at: UtcTime | None = None
    author: Author | None = None
    title: str | None = None
    text: Annotated[str, AfterValidator(_no_nul)]
    links: list[str] = Field(default_factory=list)
    media: list[Media] = Field(default_factory=list)
    evidence: Evidence
    crawl: Crawl

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict:
        """The wire form: JSON-ready dict with ``schema`` and RFC 3339 times."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> bytes:
        """The wire form as UTF-8 JSON bytes."""
        return self.model_dump_json(by_alias=True).encode("utf-8")


class Language(_Model):
    """The detected language of a post."""

    code: Annotated[str, Field(pattern=r"^([a-z]{2}|und)$")]
    script: Annotated[str, Field(pattern=r"^[A-Z][a-z]{3}$")] | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    method: NonEmpty


class Contact(_Model):
    """A contact identifier found in ``text`` (offsets are into the original text)."""

    kind: ContactKind
    value: NonEmpty
    raw: NonEmpty
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]


class Indicator(_Model):
    """A recruitment-risk indicator that matched, with the words that matched."""

    id: NonEmpty
    category: NonEmpty
    evidence: list[str] = Field(default_factory=list)


def _sketch(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("sketch is not base64") from exc
    if len(raw) % 8:
        raise ValueError("sketch is not a whole number of 64-bit hashes")
    return value


class NearDuplicate(_Model):
    """The post's near-duplicate fingerprint, computed by enrichment (``tipwatch.fingerprint``);
    the indexer clusters with it and recomputes it when ``method`` is not its own."""

    method: NonEmpty
    bands: list[NonEmpty]
    sketch: Annotated[str, AfterValidator(_sketch)]
    """Sorted unique shingle hashes, little-endian uint64, base64."""


class Risk(_Model):
    """The risk score, explained by the indicators."""

    score: Annotated[float, Field(ge=0.0, le=1.0)]
    level: RiskLevel


class EnrichedPost(RawPost):
    """A raw post plus what enrichment adds (topic ``tipwatch.posts.enriched``)."""

    language: Language
    text_tokens: str = ""
    contacts: list[Contact] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    risk: Risk
    enriched_at: UtcTime
    near_duplicate: NearDuplicate | None = None
