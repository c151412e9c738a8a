"""``limits.since`` applied to parse results."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.parsers import apply_since, drop_older
from crawlers.parsers.base import ParseResult, PostDraft
from tipwatch.config import SourceConfig

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


def _post(day: int | None) -> PostDraft:
    when = datetime(2026, 11, day, tzinfo=UTC) if day else None
    return PostDraft(url=f"https://x.example/{day}", text="t", published_at=when)


def test_older_posts_are_dropped_and_undated_ones_kept() -> None:
    result = ParseResult(posts=(_post(11), _post(2), _post(None)), next_page="https://x.example/?p=2")
    kept = drop_older(result, datetime(2026, 11, 5, tzinfo=UTC))
    assert [post.published_at.day if post.published_at else None for post in kept.posts] == [11, None]
    assert kept.next_page == "https://x.example/?p=2"
    assert len(result.posts) == 3  # the input is not changed


def test_a_page_of_only_older_posts_stops_the_pagination() -> None:
    result = ParseResult(posts=(_post(1), _post(2), _post(None)), next_page="https://x.example/?p=9")
    kept = drop_older(result, datetime(2026, 11, 5, tzinfo=UTC))
    assert [post.published_at for post in kept.posts] == [None] and kept.next_page is None


def test_apply_since_reads_the_source_limits() -> None:
    source = SourceConfig.model_validate({"id": "s", "kind": "telegram", "channel": "c", "limits": {"since": "7d"}})
    result = ParseResult(posts=(_post(1), _post(6)))
    assert [post.published_at.day for post in apply_since(result, source, NOW).posts if post.published_at] == [6]
    no_limit = source.model_copy(update={"limits": source.limits.model_copy(update={"since": None})})
    assert apply_since(result, no_limit, NOW) is result
