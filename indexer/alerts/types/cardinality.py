"""``cardinality``: one ``query_key`` value seen across ``min_cardinality`` distinct values of
``cardinality_field`` within ``timeframe`` (a handle across sources, a phone across countries)."""

from __future__ import annotations

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
    value_agg,
    value_of,
    window_match,
)

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule

SHOWN_VALUES = 20


class CardinalityRule(RuleType):
    """Per key: distinct ``cardinality_field`` values (and, optionally, at least ``num_events`` posts)."""

    name: ClassVar[str] = "cardinality"
    required_options: ClassVar[frozenset[str]] = frozenset(
        {"query_key", "cardinality_field", "min_cardinality", "timeframe"})
    optional_options: ClassVar[frozenset[str]] = frozenset(
        {"num_events", "key_include", "run_every", "timestamp_field", "max_keys"})
    description: ClassVar[str] = "query_key seen across >= min_cardinality distinct values of cardinality_field"

    def check(self, rule: Rule, fields: FieldInfo) -> list[Finding]:
        """Counting a key across itself is always 1."""
        found = super().check(rule, fields)
        if rule.query_key and rule.query_key == rule.cardinality_field:
            found.append((("cardinality_field",), "cardinality_field must differ from query_key"))
        return found

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Fire for every key spread over ``min_cardinality`` or more distinct values."""
        assert rule.timeframe is not None and rule.cardinality_field and rule.min_cardinality
        window = Window(end - rule.timeframe, end)
        field = rule.cardinality_field
        sub: dict[str, Any] = {
            "distinct": value_agg("cardinality", field, posts.fields),
            "values": value_agg("terms", field, posts.fields, size=SHOWN_VALUES),
            "samples": samples_agg(rule, sample_size),
        }
        response = search_window(posts, rule, window.start, window.end,
                                 keyed_aggs(rule, posts.fields, sub, min_doc_count=rule.num_events or 1))
        matches, seen = [], 0
        for key, bucket in buckets(rule, response):
            seen += 1
            distinct = int(value_of(bucket["distinct"])["value"])
            if distinct < rule.min_cardinality or bucket["doc_count"] < (rule.num_events or 1):
                continue
            values = [str(b["key"]) for b in value_of(bucket["values"])["buckets"]]
            facts = {"count": bucket["doc_count"], "cardinality": distinct, "cardinality_field": field,
                     "min_cardinality": rule.min_cardinality, "values": values}
            matches.append(window_match(rule, window, key, facts, samples_of(bucket, sample_size)))
        return Evaluation(matches, summary(matches, seen))
