"""``any``: every post that matches the query is an alert (throttled per ``query_key`` if asked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from indexer.alerts.types.base import Match, RuleType

if TYPE_CHECKING:
    from indexer.alerts.rules import Rule


class AnyRule(RuleType):
    """Per post: the rule's query runs against the batch just indexed (an ``ids`` filter)."""

    name: ClassVar[str] = "any"
    per_post: ClassVar[bool] = True
    optional_options: ClassVar[frozenset[str]] = frozenset({"query_key"})
    description: ClassVar[str] = "every post matching the query"

    def default_realert(self, rule: Rule) -> timedelta | None:
        """No throttle unless the rule sets ``realert``: each matching post is an alert."""
        return None

    def post_match(self, rule: Rule, post_id: str, keys: Sequence[str],
                   highlights: Mapping[str, Sequence[str]]) -> Match:
        """The match for one post, with id ``rule + post``."""
        return Match(rule=rule, id_parts=(rule.name, "post", post_id), keys=tuple(keys), post_id=post_id,
                     highlights=dict(highlights))
