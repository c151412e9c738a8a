"""Pure parsers: a fetched ``Page`` and its ``SourceConfig`` in, a ``ParseResult`` out.

``PARSERS`` maps each source kind of ``sources.yaml`` to its parser; spiders look the parser up here
and never carry selectors themselves. ``apply_since`` filters a result by ``limits.since``.
"""

from __future__ import annotations

from collections.abc import Callable

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.bluesky import parse_bluesky
from crawlers.parsers.feed import parse_feed
from crawlers.parsers.html import parse_html
from crawlers.parsers.mastodon import parse_mastodon
from crawlers.parsers.since import apply_since, drop_older
from crawlers.parsers.telegram import parse_telegram
from tipwatch.config.sources import SourceConfig

Parser = Callable[[Page, SourceConfig], ParseResult]

PARSERS: dict[str, Parser] = {
    "html": parse_html,
    "feed": parse_feed,
    "telegram": parse_telegram,
    "mastodon": parse_mastodon,
    "bluesky": parse_bluesky,
}
"""The parser of each source kind."""

__all__ = ["PARSERS", "Page", "ParseResult", "Parser", "PostDraft", "apply_since", "drop_older"]
