"""Mastodon's public REST API: hashtag timelines and account statuses (found by handle lookup)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import quote

from crawlers.spiders.base import SourceSpider

PAGE_SIZE = 40
"""Statuses asked per page (Mastodon's maximum)."""


class MastodonSpider(SourceSpider):
    """``url`` is the instance's base URL; ``max_id`` paging comes from the parser."""

    name = "mastodon"
    kind: ClassVar[str] = "mastodon"
    accept: ClassVar[str | None] = "application/json"

    def start_urls_of_source(self) -> Sequence[str]:
        base = str(self.source.url).rstrip("/")
        urls = [f"{base}/api/v1/timelines/tag/{quote(tag.lstrip('#'), safe='')}?limit={PAGE_SIZE}"
                for tag in self.source.hashtags]
        urls += [f"{base}/api/v1/accounts/lookup?acct={quote(handle.lstrip('@'), safe='@.')}"
                 for handle in self.source.accounts]
        return urls
