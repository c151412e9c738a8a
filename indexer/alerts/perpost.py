"""Per-post rules over one batch: wait until the batch's posts are searchable in the posts index
(the indexer consumes the same topic in its own group), then run the per-post rules' queries
restricted to the batch's ids (an ``ids`` filter). No percolator.

Rules are combined: one search holds ``rules_per_search`` rules, each a named clause of a ``should``,
and each hit's ``matched_queries`` names the rules it matched (about 20x faster than one search per
rule at 1,000 rules). Highlights are then fetched only for the (rule, post) pairs that matched."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from indexer.alerts.options import AlertSettings
from indexer.alerts.posts import PostsIndex
from indexer.alerts.query import compile_query
from indexer.alerts.rules import Rule
from indexer.alerts.types import AnyRule, Match
from tipwatch.contract import EnrichedPost
from tipwatch.contract.times import parse_time

log = logging.getLogger(__name__)

HIGHLIGHT: dict[str, Any] = {
    "pre_tags": ["**"], "post_tags": ["**"], "require_field_match": False,
    "fields": {"title": {"number_of_fragments": 0},
               "text": {"fragment_size": 160, "number_of_fragments": 3},
               "text_tokens": {"fragment_size": 160, "number_of_fragments": 2}},
}
"""Matches are marked ``**like this**`` (Markdown bold) in the notification's excerpt."""
NAME_PREFIX = "tipwatch-rule:"
"""Name of each rule's clause in a combined search (``matched_queries``)."""
HIGHLIGHT_CHUNK = 200


def field_values(source: Any, path: str) -> list[str]:
    """Every value at a dotted ``path`` of a document, walking through lists (nested objects)."""
    values: list[Any] = [source]
    for part in path.split("."):
        step: list[Any] = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            step.extend(item[part] for item in items if isinstance(item, Mapping) and part in item)
        values = step
    flat: list[str] = []
    for value in values:
        flat.extend(str(v) for v in (value if isinstance(value, list) else [value]) if v is not None)
    return sorted(set(flat))


class PerPostEvaluator:
    """Runs the per-post rules against the ids of a batch."""

    def __init__(self, posts: PostsIndex, rules: Sequence[Rule], options: AlertSettings,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.posts = posts
        self.rules = [rule for rule in rules if rule.per_post]
        self.options = options
        self.sleep = sleep
        self.monotonic = monotonic
        self.queries = {rule.name: compile_query(rule.query, rule.filters, posts.fields) for rule in self.rules}
        self.errors: dict[str, int] = {}

    def _indexed(self, records: Mapping[str, EnrichedPost]) -> set[str]:
        """Ids whose indexed version is at least as new as the record in the batch."""
        response = self.posts.search({"query": {"ids": {"values": list(records)}}, "size": len(records),
                                      "_source": ["fetched_at", "last_seen"]})
        ready = set()
        for hit in response["hits"]["hits"]:
            source = hit.get("_source") or {}
            stamps = [parse_time(source[name]) for name in ("fetched_at", "last_seen") if source.get(name)]
            record = records.get(hit["_id"])
            if record is not None and stamps and max(stamps) >= record.fetched_at:
                ready.add(hit["_id"])
        return ready

    def wait_searchable(self, records: Mapping[str, EnrichedPost]) -> tuple[list[str], list[str]]:
        """(searchable ids, ids still missing after ``searchable_timeout_s``)."""
        pending = dict(records)
        ready: list[str] = []
        deadline = self.monotonic() + self.options.searchable_timeout_s
        delay, rounds = 0.05, 0
        while pending:
            found = self._indexed(pending)
            ready.extend(found)
            pending = {key: value for key, value in pending.items() if key not in found}
            if not pending or self.monotonic() >= deadline:
                break
            if rounds:
                self.sleep(delay)
                delay = min(delay * 2, 1.0)
            self.posts.refresh()
            rounds += 1
        found_all = set(ready)
        return [post_id for post_id in records if post_id in found_all], list(pending)

    def _restricted(self, rule: Rule, ids: Sequence[str]) -> dict[str, Any]:
        """The rule's query limited to ``ids``."""
        query = self.queries[rule.name]
        return {"bool": {**query["bool"], "filter": [{"ids": {"values": list(ids)}}, *query["bool"]["filter"]]}}

    def _combined(self, chunk: Sequence[tuple[int, Rule]], ids: Sequence[str]) -> dict[str, Any]:
        """One search for several rules: each rule a named clause; ``matched_queries`` tells which matched."""
        should = [{"bool": {**self.queries[rule.name]["bool"], "_name": f"{NAME_PREFIX}{index}"}}
                  for index, rule in chunk]
        keys = sorted({rule.query_key for _, rule in chunk if rule.query_key})
        return {"query": {"bool": {"filter": [{"ids": {"values": list(ids)}},
                                              {"bool": {"should": should, "minimum_should_match": 1}}]}},
                "size": len(ids), "track_total_hits": False, "_source": {"includes": keys} if keys else False}

    def _one_by_one(self, chunk: Sequence[tuple[int, Rule]], ids: Sequence[str]) -> list[tuple[Rule, dict[str, Any]]]:
        """A combined search failed: run its rules separately to find (and log) the failing ones."""
        bodies = [{"query": self._restricted(rule, ids), "size": len(ids), "track_total_hits": False,
                   "_source": {"includes": [rule.query_key]} if rule.query_key else False} for _, rule in chunk]
        pairs: list[tuple[Rule, dict[str, Any]]] = []
        for (_, rule), response in zip(chunk, self.posts.msearch(bodies), strict=True):
            if "error" in response:
                self.errors[rule.name] = self.errors.get(rule.name, 0) + 1
                log.error("rule %s: search failed: %s", rule.name, str(response["error"])[:500])
                continue
            pairs.extend((rule, hit) for hit in response["hits"]["hits"])
        return pairs

    def _hits(self, ids: Sequence[str]) -> list[tuple[Rule, dict[str, Any]]]:
        """(rule, hit) for every rule that matched a post among ``ids``."""
        indexed = list(enumerate(self.rules))
        step = self.options.rules_per_search
        chunks = [indexed[offset:offset + step] for offset in range(0, len(indexed), step)]
        pairs: list[tuple[Rule, dict[str, Any]]] = []
        for chunk, response in zip(chunks, self.posts.msearch([self._combined(c, ids) for c in chunks]), strict=True):
            if "error" in response:
                log.warning("a search of %d rules failed (%s); running them one by one", len(chunk),
                            str(response["error"])[:300])
                pairs.extend(self._one_by_one(chunk, ids))
                continue
            for hit in response["hits"]["hits"]:
                names = hit.get("matched_queries") or []
                for name in names:  # a list, or a dict of scores with include_named_queries_score
                    if name.startswith(NAME_PREFIX):
                        pairs.append((self.rules[int(name[len(NAME_PREFIX):])], hit))
        return pairs

    def _highlights(self, pairs: Sequence[tuple[Rule, dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Highlighted fragments of each (rule, post) that matched, for rules with a query."""
        matched: dict[str, list[str]] = {}
        for rule, hit in pairs:
            if rule.query is not None:
                matched.setdefault(rule.name, []).append(hit["_id"])
        rules = {rule.name: rule for rule, _ in pairs}
        bodies = [{"query": self._restricted(rules[name], post_ids), "size": len(post_ids), "_source": False,
                   "track_total_hits": False, "highlight": HIGHLIGHT} for name, post_ids in matched.items()]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        names = list(matched)
        for offset in range(0, len(bodies), HIGHLIGHT_CHUNK):
            responses = self.posts.msearch(bodies[offset:offset + HIGHLIGHT_CHUNK])
            for name, response in zip(names[offset:offset + HIGHLIGHT_CHUNK], responses, strict=True):
                for hit in response.get("hits", {}).get("hits", []):
                    found[(name, hit["_id"])] = hit.get("highlight", {})
        return found

    def evaluate(self, ids: Sequence[str]) -> list[Match]:
        """Every (rule, post) match among ``ids``, in the order of ``ids``; a rule whose search fails is
        logged and skipped."""
        if not ids or not self.rules:
            return []
        pairs = self._hits(ids)
        highlights = self._highlights(pairs)
        any_type = AnyRule()
        matches = [any_type.post_match(rule, hit["_id"],
                                       field_values(hit.get("_source") or {}, rule.query_key) if rule.query_key else [],
                                       highlights.get((rule.name, hit["_id"]), {}))
                   for rule, hit in pairs]
        position = {post_id: index for index, post_id in enumerate(ids)}
        return sorted(matches, key=lambda match: position[match.post_id or ""])  # batch order: realert is fair
