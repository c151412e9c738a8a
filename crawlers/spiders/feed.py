"""RSS 2.0, Atom and JSON Feed sources."""

from __future__ import annotations

from typing import ClassVar

from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    """Fetches the feed at ``url`` (and its next pages when the feed is paged)."""

    name = "feed"
    kind: ClassVar[str] = "feed"
    accept: ClassVar[str | None] = (
        "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    )
