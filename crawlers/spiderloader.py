"""Scrapy's spider loader backed by the explicit registry ``crawlers.spiders.SPIDERS``.

``scrapy list`` shows one spider per source kind; ``scrapy crawl html -a source=SOURCE_ID`` runs one.
No module scanning: a spider exists because it is listed.
"""

from __future__ import annotations

import builtins

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from crawlers.spiders import SPIDERS


class RegistrySpiderLoader:
    """``SPIDER_LOADER_CLASS``: spider names are the source kinds."""

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RegistrySpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class of a kind; KeyError names the known kinds."""
        try:
            return SPIDERS[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name} (known: {', '.join(SPIDERS)})") from None

    def list(self) -> builtins.list[str]:
        """Every kind."""
        return sorted(SPIDERS)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        """No spider claims URLs by itself: each crawl is given its source."""
        return []
