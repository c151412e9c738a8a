"""``limits.since`` applied to a parse result: the spider calls ``drop_older`` with the fetch time.

Parsers stay pure (they do not know "now"); this step is separate so that a relative ``since: 7d`` is
measured from the moment the page was fetched.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from crawlers.parsers.base import ParseResult
from tipwatch.config.sources import SourceConfig


def drop_older(result: ParseResult, cutoff: datetime | None) -> ParseResult:
    """``result`` without posts published before ``cutoff``; posts without a date are kept.

    When every dated post on the page is older, ``next_page`` is dropped too: timelines and list pages
    go back in time, so the following pages can only be older still.
    """
    if cutoff is None:
        return result
    dates = [post.published_at for post in result.posts if post.published_at is not None]
    kept = tuple(post for post in result.posts if post.published_at is None or post.published_at >= cutoff)
    all_older = bool(dates) and max(dates) < cutoff
    return replace(result, posts=kept, next_page=None if all_older else result.next_page)


def apply_since(result: ParseResult, source: SourceConfig, fetched_at: datetime) -> ParseResult:
    """``drop_older`` with the cutoff of ``source.limits.since`` at ``fetched_at``."""
    return drop_older(result, source.limits.cutoff(fetched_at))
