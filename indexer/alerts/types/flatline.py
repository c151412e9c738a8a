"""``flatline``: fewer than ``threshold`` posts within ``timeframe`` (a source or a search went quiet)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from indexer.alerts.posts import PostsIndex
from indexer.alerts.types.base import (
    Evaluation,
    RuleType,
    Window,
    buckets,
    keyed_aggs,
    search_window,
    summary,
    time_filter,
    window_match,
)
from tipwatch.contract.times import format_time

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule

DEFAULT_LOOKBACK = timedelta(days=7)


class FlatlineRule(RuleType):
    """Without ``query_key``: the whole query went quiet. With it: each key seen in the ``lookback``
    before the window (e.g. each source that used to post) that went quiet."""

    name: ClassVar[str] = "flatline"
    required_options: ClassVar[frozenset[str]] = frozenset({"threshold", "timeframe"})
    optional_options: ClassVar[frozenset[str]] = frozenset(
        {"query_key", "key_include", "lookback", "run_every", "timestamp_field", "max_keys"})
    description: ClassVar[str] = "fewer than threshold posts within timeframe, optionally per query_key"

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Fire when the window (or a previously active key) has fewer than ``threshold`` posts."""
        assert rule.timeframe is not None and rule.threshold is not None
        window = Window(end - rule.timeframe, end)
        start = window.start - (rule.lookback or DEFAULT_LOOKBACK) if rule.query_key else window.start
        sub: dict[str, Any] = {"current": {"filter": time_filter(rule, window.start, window.end)},
                               "last": {"max": {"field": rule.timestamp_field}}}
        response = search_window(posts, rule, start, window.end, keyed_aggs(rule, posts.fields, sub))
        matches, seen = [], 0
        for key, bucket in buckets(rule, response):
            seen += 1
            count = int(bucket["current"]["doc_count"])
            if count < rule.threshold:
                last = bucket["last"].get("value")
                facts = {"count": count, "threshold": rule.threshold,
                         "last_post_at": format_time(datetime.fromtimestamp(last / 1000, tz=end.tzinfo))
                         if last is not None else None}
                matches.append(window_match(rule, window, key, facts, ()))
        return Evaluation(matches, summary(matches, seen))
