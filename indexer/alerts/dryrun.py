"""``tipwatch alerts test RULE``: what a rule would fire, sending and recording nothing.

* ``--input FILE``: enriched JSONL is indexed into a temporary index with the posts template's
  mapping (the same analyzers as production), the rule runs there, the index is deleted;
* ``--since 7d``: the rule runs over the live posts index (read only).

Per-post rules see every post; windowed rules are replayed over windows spanning the data. Realert
is applied in memory, in time order, so the output shows what would be notified and what suppressed.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from indexer.alerts.alert import Alert, build_alert
from indexer.alerts.fields import fields_from_index, fields_from_mapping, posts_template
from indexer.alerts.options import AlertSettings
from indexer.alerts.perpost import PerPostEvaluator
from indexer.alerts.posts import PostsIndex
from indexer.alerts.query import compile_query
from indexer.alerts.rules import Rule
from indexer.alerts.throttle import MemoryHolds, Throttle
from indexer.alerts.types import Match
from indexer.alerts.windowed import aligned_end
from indexer.documents import post_document
from tipwatch.config.settings import Settings
from tipwatch.config.sources import interval_seconds
from tipwatch.contract import ContractError, EnrichedPost, format_time, parse_enriched
from tipwatch.contract.times import utc_now
from tipwatch.errors import UserError

log = logging.getLogger(__name__)

MAX_WINDOWS = 500
MAX_POSTS = 10_000
IDS_CHUNK = 1000
OWNER = "dry-run"


@dataclass
class DryRunResult:
    """What would have fired: alerts in time order (status pending or suppressed)."""

    rule: Rule
    alerts: list[Alert] = field(default_factory=list)
    posts: int = 0
    windows: int = 0
    skipped_lines: list[str] = field(default_factory=list)

    @property
    def notified(self) -> list[Alert]:
        """Alerts that would be notified."""
        return [alert for alert in self.alerts if alert.status != "suppressed"]


def read_jsonl(lines: Iterable[str]) -> tuple[list[EnrichedPost], list[str]]:
    """Enriched records from JSON lines, and a note for each line that is not one."""
    posts, skipped = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            posts.append(parse_enriched(line))
        except ContractError as exc:
            skipped.append(f"line {number}: {exc.reason}")
    return posts, skipped


def replay_ends(rule: Rule, first: datetime, last: datetime) -> list[datetime]:
    """Window ends on multiples of ``run_every`` after ``first`` up to ``last``; at most MAX_WINDOWS
    (coarser steps, multiples of ``run_every``, when the span is long)."""
    step = rule.interval
    start = aligned_end(first, step, timedelta(0)) + step
    count = int((last - start) / step) + 1
    if count > MAX_WINDOWS:
        step = step * (count // MAX_WINDOWS + 1)
    ends, end = [], start
    while end <= last:
        ends.append(end)
        end += step
    return ends


class DryRun:
    """Evaluates one rule against a posts index and simulates throttling; writes nothing."""

    def __init__(self, posts: PostsIndex, rule: Rule, options: AlertSettings) -> None:
        self.posts = posts
        self.rule = rule
        self.options = options

    def run(self, records: Mapping[str, EnrichedPost], first: datetime, last: datetime) -> DryRunResult:
        """Every alert the rule would raise: per-post rules over ``records`` (the posts by id),
        windowed rules over windows ending between ``first`` and ``last``."""
        result = DryRunResult(rule=self.rule, posts=len(records))
        timed: list[tuple[datetime, Match]] = []
        if self.rule.per_post:
            evaluator = PerPostEvaluator(self.posts, [self.rule], self.options)
            ids = sorted(records)
            for offset in range(0, len(ids), IDS_CHUNK):
                for match in evaluator.evaluate(ids[offset:offset + IDS_CHUNK]):
                    timed.append((records[match.post_id or ""].fetched_at, match))
        else:
            ends = replay_ends(self.rule, first, last)
            result.windows = len(ends)
            for end in ends:
                evaluation = self.rule.rule_type.evaluate(self.posts, self.rule, end, self.options.sample_size)
                timed.extend((end, match) for match in evaluation.matches)
        throttle = Throttle(MemoryHolds(), lambda _name: self.rule.effective_realert)
        seen: set[str] = set()
        for moment, match in sorted(timed, key=lambda item: item[0]):
            if match.alert_id in seen:
                continue
            seen.add(match.alert_id)
            alert = build_alert(match, records.get(match.post_id or ""), self.options, moment, OWNER)
            result.alerts.extend(throttle.apply([alert], moment))
        return result


def _temporary_index(client: Elasticsearch, settings: Settings, posts: list[EnrichedPost]) -> PostsIndex:
    template = posts_template()
    if template is None:
        raise UserError("indexer/templates/posts.json is missing: cannot build a temporary posts index")
    index = settings.index(f"alerts-dryrun-{uuid.uuid4().hex[:12]}")
    client.indices.create(index=index, settings=template.get("settings", {}), mappings=template["mappings"])
    actions = ({"_index": index, "_id": post.id, "_source": {
        **post_document(post), "first_seen": format_time(post.fetched_at), "last_seen": format_time(post.fetched_at)}}
        for post in posts)
    for ok, item in helpers.streaming_bulk(client, actions, raise_on_error=False):
        if not ok:
            log.warning("dry run: post not indexed: %s", item)
    client.indices.refresh(index=index)
    return PostsIndex(client, index, fields_from_mapping(template["mappings"]))


def run_on_records(client: Elasticsearch, settings: Settings, rule: Rule, lines: Iterable[str],
                   options: AlertSettings) -> DryRunResult:
    """Dry-run ``rule`` over enriched JSON lines in a temporary index (deleted afterwards)."""
    posts, skipped = read_jsonl(lines)
    latest: dict[str, EnrichedPost] = {}
    for post in posts:
        if post.id not in latest or post.fetched_at >= latest[post.id].fetched_at:
            latest[post.id] = post
    if not latest:
        return DryRunResult(rule=rule, skipped_lines=skipped)
    target = _temporary_index(client, settings, list(latest.values()))
    try:
        stamps = [post.fetched_at for post in latest.values()]
        span = rule.timeframe or rule.interval
        result = DryRun(target, rule, options).run(latest, min(stamps), max(stamps) + span)
    finally:
        client.indices.delete(index=target.index)
    result.skipped_lines = skipped
    return result


def post_from_source(source: Mapping[str, Any]) -> EnrichedPost:
    """The enriched record inside an indexed posts document (dropping what the indexer added)."""
    allowed = {f.alias or name for name, f in EnrichedPost.model_fields.items()}
    record = {key: value for key, value in source.items() if key in allowed}
    record["contacts"] = [{k: v for k, v in c.items() if k != "key"} for c in record.get("contacts", [])]
    return parse_enriched(record)


def _scan(posts: PostsIndex, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from helpers.scan(posts.client, index=posts.index, query={"query": query}, size=500)


def run_on_index(client: Elasticsearch, settings: Settings, rule: Rule, since: timedelta,
                 options: AlertSettings, now: datetime | None = None) -> DryRunResult:
    """Dry-run ``rule`` over the live posts index for the posts first seen in the last ``since``."""
    now = now or utc_now()
    posts = PostsIndex(client, settings.index("posts"), fields_from_index(client, settings.index("posts")))
    start = now - since
    time_range = {"range": {rule.timestamp_field: {"gte": format_time(start), "lte": format_time(now)}}}
    records: dict[str, EnrichedPost] = {}
    if rule.per_post:
        query = compile_query(rule.query, rule.filters, posts.fields)
        query = {"bool": {**query["bool"], "filter": [*query["bool"]["filter"], time_range]}}
        for hit in _scan(posts, query):
            records[hit["_id"]] = post_from_source(hit["_source"])
            if len(records) >= MAX_POSTS:
                log.warning("dry run: stopping at %d matching posts", MAX_POSTS)
                break
    result = DryRun(posts, rule, options).run(records, start, now)
    result.posts = len(records) if rule.per_post else posts.search(
        {"size": 0, "query": time_range, "track_total_hits": True})["hits"]["total"]["value"]
    return result


def describe(alert: Alert) -> str:
    """One line per alert for the terminal."""
    doc = alert.doc
    state = "would notify" if alert.status != "suppressed" else "suppressed  "
    if doc.get("post"):
        post = doc["post"]
        what = f"post {post['id']} {post['source']['id']} risk={post['risk']['level']} {post['url']}"
    else:
        window = doc.get("window") or {}
        facts = ", ".join(f"{k}={v}" for k, v in (doc.get("facts") or {}).items() if not isinstance(v, list | dict))
        what = f"{', '.join(doc.get('keys') or ['(all)'])} [{window.get('start')} .. {window.get('end')}) {facts}"
    when = doc.get("created_at")
    return f"{state} {when} {doc['rule']['name']}: {what}"


def as_json(alert: Alert) -> str:
    """The alert document as one JSON line."""
    return json.dumps(alert.as_message(), ensure_ascii=False)


def parse_since(text: str) -> timedelta:
    """``7d`` -> 7 days (``--since``)."""
    try:
        return timedelta(seconds=interval_seconds(text))
    except ValueError as exc:
        raise UserError(f"--since {text!r}: {exc}") from exc


def load_lines(path: str) -> Iterable[str]:
    """Lines of ``path`` (``-``: stdin)."""
    if path == "-":
        return sys.stdin
    file = Path(path)
    if not file.is_file():
        raise UserError(f"--input {path}: no such file")
    return file.read_text(encoding="utf-8").splitlines()


