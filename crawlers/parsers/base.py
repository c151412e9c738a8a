"""What every parser takes and returns: a fetched page in, post drafts and links out.

Parsers are pure functions (no network, no Scrapy objects): spiders navigate, parsers extract.
The spider turns each ``PostDraft`` into a ``tipwatch.post/1`` raw record by adding the id,
the evidence, the crawl and the fetch time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Page:
    """A fetched page as the parser sees it."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    text: str
    """The body decoded with the detected charset (see ``crawlers/encoding.py``)."""
    rendered: bool = False


@dataclass(frozen=True)
class PostDraft:
    """The fields of a post a parser can see on a page (the rest is added by the spider)."""

    url: str
    text: str
    platform_id: str | None = None
    """The platform's own post id (Telegram message id, status id…); None for html pages."""
    title: str | None = None
    published_at: datetime | None = None
    author_name: str | None = None
    author_handle: str | None = None
    author_url: str | None = None
    links: tuple[str, ...] = ()
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParseResult:
    """What one page yields: posts, detail pages to visit, and the next list page."""

    posts: tuple[PostDraft, ...] = ()
    follow: tuple[str, ...] = ()
    next_page: str | None = None
    empty_reason: str | None = field(default=None)
    """Set when selectors found nothing on a page that should have posts (``parse/empty``)."""
