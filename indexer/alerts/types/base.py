"""What every rule type shares: the Match it produces, its options, and windowed-search helpers.

A rule type is a small stateless object. Per-post types (``any``) turn the hits of the batch search
into matches; windowed types build one aggregation over ``[end - timeframe, end)`` and read the
buckets. Neither sends anything: the dispatcher turns matches into alerts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from indexer.alerts.fields import FieldInfo
from indexer.alerts.posts import SAMPLE_FIELDS, PostsIndex
from indexer.alerts.query import compile_query
from tipwatch.contract.times import format_time

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule

Finding = tuple[tuple[str | int, ...], str]
ALL_KEY = "_all"
"""The key of a match when the rule has no ``query_key``."""


@dataclass(frozen=True)
class Window:
    """A half-open time window ``[start, end)`` over the rule's timestamp field."""

    start: datetime
    end: datetime

    def as_doc(self) -> dict[str, str]:
        """RFC 3339 start and end."""
        return {"start": format_time(self.start), "end": format_time(self.end)}


@dataclass(frozen=True)
class Match:
    """One thing a rule found: a post (per-post rules) or a key in a window (windowed rules)."""

    rule: Rule
    id_parts: tuple[str, ...]
    keys: tuple[str, ...] = ()
    post_id: str | None = None
    window: Window | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    samples: tuple[Mapping[str, Any], ...] = ()
    highlights: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def alert_id(self) -> str:
        """Deterministic alert id: the same match always gives the same id (replays are harmless)."""
        return hashlib.sha256("\x1f".join(self.id_parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Evaluation:
    """What a windowed evaluation found, and a summary kept as the rule's ``previous`` window state."""

    matches: list[Match]
    summary: dict[str, Any]


class RuleType:
    """Base of every rule type; subclasses set the class attributes and override what they need."""

    name: ClassVar[str]
    per_post: ClassVar[bool] = False
    required_options: ClassVar[frozenset[str]] = frozenset()
    optional_options: ClassVar[frozenset[str]] = frozenset()
    description: ClassVar[str] = ""

    def check(self, rule: Rule, fields: FieldInfo) -> list[Finding]:
        """Type-specific problems beyond required options (field types, consistent thresholds)."""
        found: list[Finding] = []
        for option in ("query_key", "cardinality_field"):
            name = getattr(rule, option, None)
            if name and fields.known and not fields.has(name):
                found.append(((option,), f"unknown field {name!r} in the posts mapping"))
            elif name and not fields.aggregatable(name):
                found.append(((option,), f"field {name!r} cannot be aggregated (use a keyword field, "
                                         f"e.g. contacts.key or source.id)"))
        stamp = rule.timestamp_field
        if fields.known and fields.types.get(stamp) not in ("date", "date_nanos"):
            found.append((("timestamp_field",), f"{stamp!r} is not a date field of the posts mapping"))
        if rule.run_every and rule.timeframe and rule.run_every > rule.timeframe and not self.per_post:
            found.append((("run_every",), "run_every is longer than timeframe: some posts would never be counted"))
        return found

    def default_realert(self, rule: Rule) -> timedelta | None:
        """Throttle applied when the rule sets no ``realert``: one alert per key per timeframe."""
        return rule.timeframe

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Windowed types: evaluate the window ending at ``end``."""
        raise NotImplementedError(f"rule type {self.name!r} is evaluated per post")


def time_filter(rule: Rule, start: datetime, end: datetime) -> dict[str, Any]:
    """``start <= timestamp_field < end``."""
    return {"range": {rule.timestamp_field: {"gte": format_time(start), "lt": format_time(end),
                                             "format": "strict_date_optional_time"}}}


def window_query(rule: Rule, fields: FieldInfo, start: datetime, end: datetime) -> dict[str, Any]:
    """The rule's query restricted to ``[start, end)``."""
    query = compile_query(rule.query, rule.filters, fields)
    return {"bool": {**query["bool"], "filter": [*query["bool"]["filter"], time_filter(rule, start, end)]}}


def samples_agg(rule: Rule, size: int) -> dict[str, Any]:
    """A ``top_hits`` of the newest posts (root context)."""
    return {"top_hits": {"size": max(size, 1), "sort": [{rule.timestamp_field: {"order": "desc"}}],
                         "_source": {"includes": list(SAMPLE_FIELDS)}}}


def samples_of(bucket: Mapping[str, Any], size: int) -> tuple[Mapping[str, Any], ...]:
    """The sample posts of a bucket that has a ``samples`` sub-aggregation."""
    if not size or "samples" not in bucket:
        return ()
    return tuple(hit["_source"] for hit in bucket["samples"]["hits"]["hits"][:size])


def keyed_aggs(rule: Rule, fields: FieldInfo, sub: dict[str, Any], *, min_doc_count: int = 1,
               include: list[str] | None = None) -> dict[str, Any]:
    """Buckets per ``query_key`` value with ``sub`` aggregations in root (post) context.

    A nested key such as ``contacts.key`` goes through ``nested`` -> ``terms`` -> ``reverse_nested``
    so that every count is a count of posts, not of contacts.
    """
    key = rule.query_key
    if key is None:
        return sub
    terms: dict[str, Any] = {"field": key, "size": rule.max_keys, "min_doc_count": min_doc_count}
    if include is not None:
        terms["include"] = include
    elif rule.key_include:
        terms["include"] = rule.key_include
    path = fields.nested_path(key)
    if path is None:
        return {"keys": {"terms": terms, "aggs": sub}}
    return {"nested_keys": {"nested": {"path": path}, "aggs": {
        "keys": {"terms": terms, "aggs": {"posts": {"reverse_nested": {}, "aggs": sub}}}}}}


def buckets(rule: Rule, response: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(key, bucket in post context with ``doc_count`` = posts) for each key of a ``keyed_aggs`` search."""
    aggs = response.get("aggregations", {})
    if rule.query_key is None:
        yield ALL_KEY, {**aggs, "doc_count": response["hits"]["total"]["value"]}
        return
    if "nested_keys" in aggs:
        for bucket in aggs["nested_keys"]["keys"]["buckets"]:
            yield str(bucket["key"]), bucket["posts"]
        return
    for bucket in aggs["keys"]["buckets"]:
        yield str(bucket.get("key_as_string", bucket["key"])), bucket


def value_agg(kind: str, name: str, fields: FieldInfo, **options: Any) -> dict[str, Any]:
    """A metric or terms aggregation on ``name`` from root context (through ``nested`` when needed)."""
    agg = {kind: {"field": name, **options}}
    path = fields.nested_path(name)
    if path is None:
        return agg
    return {"nested": {"path": path}, "aggs": {"value": agg}}


def value_of(bucket: Mapping[str, Any]) -> Mapping[str, Any]:
    """The result of a ``value_agg`` (unwrapping the nested step)."""
    return bucket["value"] if "value" in bucket and isinstance(bucket["value"], Mapping) else bucket


def window_match(rule: Rule, window: Window, key: str, facts: Mapping[str, Any],
                 samples: tuple[Mapping[str, Any], ...]) -> Match:
    """A windowed match with id ``rule + window end + key``."""
    return Match(rule=rule, id_parts=(rule.name, "window", format_time(window.end), key),
                 keys=(key,) if key != ALL_KEY else (), window=window, facts=dict(facts), samples=samples)


def search_window(posts: PostsIndex, rule: Rule, start: datetime, end: datetime,
                  aggs: dict[str, Any]) -> dict[str, Any]:
    """Run a size-0 aggregation over the rule's query in ``[start, end)``."""
    return posts.search({"size": 0, "track_total_hits": True,
                         "query": window_query(rule, posts.fields, start, end), "aggs": aggs})


def summary(matches: Sequence[Match], keys_seen: int) -> dict[str, Any]:
    """The ``previous`` window state kept for a rule."""
    return {"keys": keys_seen, "matches": len(matches), "fired": [m.keys[0] if m.keys else ALL_KEY
                                                                  for m in matches][:50]}
