"""Spiders, one per source kind, in an explicit registry (``scrapy list`` reads it too)."""

from __future__ import annotations

from crawlers.spiders.base import SourceSpider
from crawlers.spiders.bluesky import BlueskySpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.html import HtmlSpider
from crawlers.spiders.mastodon import MastodonSpider
from crawlers.spiders.telegram import TelegramSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "html": HtmlSpider,
    "feed": FeedSpider,
    "telegram": TelegramSpider,
    "mastodon": MastodonSpider,
    "bluesky": BlueskySpider,
}
"""Source kind -> spider class."""

__all__ = ["SPIDERS", "SourceSpider"]
