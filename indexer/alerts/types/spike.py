"""``spike``: the count in the current window is ``spike_height`` times the previous window's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from indexer.alerts.fields import FieldInfo
from indexer.alerts.posts import PostsIndex
from indexer.alerts.types.base import (
    Evaluation,
    Finding,
    RuleType,
    Window,
    buckets,
    keyed_aggs,
    samples_agg,
    samples_of,
    search_window,
    summary,
    time_filter,
    window_match,
)

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule


def spiked(rule: Rule, current: int, previous: int) -> bool:
    """True when ``current`` vs ``previous`` is a spike in the rule's direction."""
    assert rule.spike_height is not None
    height, kind = rule.spike_height, rule.spike_type or "up"
    reference = rule.threshold_ref if rule.threshold_ref is not None else 1
    minimum = rule.threshold_cur if rule.threshold_cur is not None else 1
    if previous < reference:
        return False
    up = current >= minimum and current >= height * previous
    down = current * height <= previous
    return {"up": up, "down": down, "both": up or down}[kind]


class SpikeRule(RuleType):
    """Compares ``[end - timeframe, end)`` with the window before it, per key."""

    name: ClassVar[str] = "spike"
    required_options: ClassVar[frozenset[str]] = frozenset({"spike_height", "timeframe"})
    optional_options: ClassVar[frozenset[str]] = frozenset({
        "spike_type", "threshold_ref", "threshold_cur", "query_key", "key_include", "run_every",
        "timestamp_field", "max_keys"})
    description: ClassVar[str] = "current window >= spike_height x the previous window (up, down or both)"

    def check(self, rule: Rule, fields: FieldInfo) -> list[Finding]:
        """A spike of height 1 or less would fire on any steady rate."""
        found = super().check(rule, fields)
        if rule.spike_height is not None and rule.spike_height <= 1:
            found.append((("spike_height",), "spike_height must be greater than 1 (e.g. 3 = three times)"))
        return found

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Fire for every key whose current count spiked against the previous window."""
        assert rule.timeframe is not None
        current = Window(end - rule.timeframe, end)
        previous = Window(end - 2 * rule.timeframe, current.start)
        sub: dict[str, Any] = {
            "current": {"filter": time_filter(rule, current.start, current.end),
                        "aggs": {"samples": samples_agg(rule, sample_size)}},
            "previous": {"filter": time_filter(rule, previous.start, previous.end)},
        }
        response = search_window(posts, rule, previous.start, current.end, keyed_aggs(rule, posts.fields, sub))
        matches, seen = [], 0
        for key, bucket in buckets(rule, response):
            seen += 1
            now_count, before = _count(bucket, "current"), _count(bucket, "previous")
            if spiked(rule, now_count, before):
                facts = {"count": now_count, "previous_count": before, "spike_height": rule.spike_height,
                         "ratio": round(now_count / before, 2) if before else None,
                         "previous_window": previous.as_doc()}
                matches.append(window_match(rule, current, key, facts, samples_of(bucket["current"], sample_size)))
        return Evaluation(matches, summary(matches, seen))


def _count(bucket: Mapping[str, Any], name: str) -> int:
    return int(bucket[name]["doc_count"])
