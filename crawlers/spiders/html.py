"""Job boards and classifieds: list pages, pagination and detail pages, by the source's ``html:`` selectors."""

from __future__ import annotations

from typing import ClassVar

from crawlers.spiders.base import SourceSpider


class HtmlSpider(SourceSpider):
    """Starts at ``url``; the parser says which links are detail pages and which is the next list page."""

    name = "html"
    kind: ClassVar[str] = "html"
    accept: ClassVar[str | None] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
