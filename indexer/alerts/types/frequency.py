"""``frequency``: at least ``num_events`` matching posts within ``timeframe`` (per ``query_key``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from indexer.alerts.posts import PostsIndex
from indexer.alerts.types.base import (
    Evaluation,
    RuleType,
    Window,
    buckets,
    keyed_aggs,
    samples_agg,
    samples_of,
    search_window,
    summary,
    window_match,
)

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule


class FrequencyRule(RuleType):
    """Counts posts per key in a sliding window; fires for each key at or above ``num_events``."""

    name: ClassVar[str] = "frequency"
    required_options: ClassVar[frozenset[str]] = frozenset({"num_events", "timeframe"})
    optional_options: ClassVar[frozenset[str]] = frozenset(
        {"query_key", "key_include", "run_every", "timestamp_field", "max_keys"})
    description: ClassVar[str] = ">= num_events matching posts within timeframe, optionally per query_key"

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Fire for every key with ``num_events`` or more posts in ``[end - timeframe, end)``."""
        assert rule.timeframe is not None and rule.num_events is not None
        window = Window(end - rule.timeframe, end)
        # The nested count (contacts) is >= the post count, so min_doc_count only prunes hopeless keys.
        aggs = keyed_aggs(rule, posts.fields, {"samples": samples_agg(rule, sample_size)},
                          min_doc_count=rule.num_events)
        response = search_window(posts, rule, window.start, window.end, aggs)
        matches, seen = [], 0
        for key, bucket in buckets(rule, response):
            seen += 1
            if bucket["doc_count"] >= rule.num_events:
                facts = {"count": bucket["doc_count"], "num_events": rule.num_events}
                matches.append(window_match(rule, window, key, facts, samples_of(bucket, sample_size)))
        return Evaluation(matches, summary(matches, seen))
