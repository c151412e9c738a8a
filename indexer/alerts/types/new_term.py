"""``new_term``: a value of ``query_key`` (an identifier) seen for the first time in ``history``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from indexer.alerts.posts import PostsIndex
from indexer.alerts.types.base import (
    Evaluation,
    Match,
    RuleType,
    Window,
    buckets,
    keyed_aggs,
    samples_agg,
    samples_of,
    search_window,
    summary,
)
from tipwatch.contract.times import format_time

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule

DEFAULT_TIMEFRAME = timedelta(hours=1)
DEFAULT_HISTORY = timedelta(days=30)
INCLUDE_CHUNK = 1000


class NewTermRule(RuleType):
    """Candidates are the key values in ``[end - timeframe, end)``; a candidate is new when no post
    before the window carried it within ``history``. The alert id is ``rule + term``, so one term
    fires once, however many windows it stays new in."""

    name: ClassVar[str] = "new_term"
    required_options: ClassVar[frozenset[str]] = frozenset({"query_key"})
    optional_options: ClassVar[frozenset[str]] = frozenset(
        {"timeframe", "history", "key_include", "run_every", "timestamp_field", "max_keys"})
    description: ClassVar[str] = "a value of query_key seen for the first time (within history)"

    def default_realert(self, rule: Rule) -> timedelta | None:
        """No throttle: the id already makes each term fire once."""
        return None

    def evaluate(self, posts: PostsIndex, rule: Rule, end: datetime, sample_size: int) -> Evaluation:
        """Fire once for each term whose first post in ``history`` falls inside the window."""
        window = Window(end - (rule.timeframe or DEFAULT_TIMEFRAME), end)
        candidates = {
            key: samples_of(bucket, sample_size)
            for key, bucket in buckets(rule, search_window(
                posts, rule, window.start, window.end,
                keyed_aggs(rule, posts.fields, {"samples": samples_agg(rule, sample_size)})))
        }
        history_start = end - (rule.history or DEFAULT_HISTORY)
        terms = sorted(candidates)
        matches: list[Match] = []
        for offset in range(0, len(terms), INCLUDE_CHUNK):
            chunk = terms[offset:offset + INCLUDE_CHUNK]
            sub: dict[str, Any] = {"first": {"min": {"field": rule.timestamp_field}}}
            response = search_window(posts, rule, history_start, window.end,
                                     keyed_aggs(rule, posts.fields, sub, include=chunk))
            for key, bucket in buckets(rule, response):
                first = bucket["first"].get("value")
                if first is None or first < window.start.timestamp() * 1000:
                    continue
                first_seen = format_time(datetime.fromtimestamp(first / 1000, tz=end.tzinfo))
                matches.append(Match(rule=rule, id_parts=(rule.name, "term", key), keys=(key,), window=window,
                                     facts={"term": key, "first_seen": first_seen,
                                            "history": f"{int((rule.history or DEFAULT_HISTORY).total_seconds())}s"},
                                     samples=candidates.get(key, ())))
        return Evaluation(matches, summary(matches, len(candidates)))
