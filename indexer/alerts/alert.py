"""Alert documents (``tipwatch.alert/1``): built from a match, stored in ``tipwatch-alerts``,
published on ``tipwatch.alerts`` and rendered into notifications. Never mutated: changes make a
new ``Alert``.

Status: ``pending`` (to notify, maybe later: a digest or a retry) -> ``sent`` | ``failed``;
``suppressed`` when ``realert`` throttled it (kept for the record, never notified).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from indexer.alerts.options import AlertSettings
from indexer.alerts.types import Match
from tipwatch.contract import EnrichedPost
from tipwatch.contract.times import format_time, parse_time

SCHEMA = "tipwatch.alert/1"
EXCERPT_CHARS = 400


@dataclass(frozen=True)
class Alert:
    """One alert document plus the version it was read at (for conditional updates)."""

    id: str
    doc: Mapping[str, Any]
    seq_no: int | None = None
    primary_term: int | None = None

    @property
    def status(self) -> str:
        """pending, sent, failed or suppressed."""
        return str(self.doc["status"])

    @property
    def rule_name(self) -> str:
        """The rule's name."""
        return str(self.doc["rule"]["name"])

    @property
    def keys(self) -> tuple[str, ...]:
        """The query_key values (empty without query_key)."""
        return tuple(self.doc.get("keys") or ())

    @property
    def remaining_targets(self) -> tuple[str, ...]:
        """Targets (``alerter:ENV``) not yet delivered to."""
        done = set(self.doc.get("delivered_to") or ())
        return tuple(t for t in self.doc.get("targets") or () if t not in done)

    @property
    def digest_key(self) -> str | None:
        """The digest this alert is notified in, if the rule aggregates."""
        digest = self.doc.get("digest")
        return str(digest["key"]) if digest else None

    def changed(self, **changes: Any) -> Alert:
        """A copy with some document fields replaced (the version stays, for a conditional write)."""
        return replace(self, doc={**self.doc, **changes})

    def as_message(self) -> dict[str, Any]:
        """The JSON published on ``tipwatch.alerts``."""
        return {"id": self.id, **self.doc}


def kibana_link(options: AlertSettings, kql: str, start: datetime, end: datetime) -> str | None:
    """A Kibana Discover URL over the posts data view, for ``kql`` in ``[start, end]``."""
    if not options.kibana_url:
        return None
    rison_query = kql.replace("!", "!!").replace("'", "!'")
    app = (f"(dataSource:(dataViewId:'{options.kibana_data_view}',type:dataView),"
           f"query:(language:kuery,query:'{rison_query}'))")
    time = f"(time:(from:'{format_time(start)}',to:'{format_time(end)}'))"
    safe = "(),:'!"
    return (f"{options.kibana_url.rstrip('/')}/app/discover#/?_g={quote(time, safe=safe)}"
            f"&_a={quote(app, safe=safe)}")


def post_snapshot(post: EnrichedPost, highlights: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """What an investigator needs from the post, frozen at alert time (the post may change later)."""
    excerpt = post.text[:EXCERPT_CHARS] + ("…" if len(post.text) > EXCERPT_CHARS else "")
    return {
        "id": post.id, "url": post.url, "title": post.title, "excerpt": excerpt,
        "highlights": [fragment for name in ("title", "text", "text_tokens") for fragment in highlights.get(name, ())],
        "source": post.source.model_dump(mode="json"), "language": post.language.code,
        "author": post.author.model_dump(mode="json") if post.author else None,
        "risk": post.risk.model_dump(mode="json"),
        "indicators": [i.model_dump(mode="json") for i in post.indicators],
        "contacts": [{"kind": c.kind, "value": c.value, "key": f"{c.kind}:{c.value}"} for c in post.contacts],
        "evidence": {"sha256": post.evidence.sha256, "warc_file": post.evidence.warc_file,
                     "warc_record_id": post.evidence.warc_record_id},
        "fetched_at": format_time(post.fetched_at),
        "published_at": format_time(post.published_at) if post.published_at else None,
    }


def _kql_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _link(match: Match, options: AlertSettings, now: datetime) -> str | None:
    if match.post_id:
        return kibana_link(options, f"id:{_kql_value(match.post_id)}", now - timedelta(days=365), now)
    if match.window is None:
        return None
    key_field = match.rule.query_key
    kql = f"{key_field}:{_kql_value(match.keys[0])}" if key_field and match.keys else ""
    path = key_field.rsplit(".", 1) if key_field and "." in key_field else None
    if path and kql and path[0] in ("contacts", "indicators"):
        kql = f"{path[0]}:{{ {path[1]}:{_kql_value(match.keys[0])} }}"
    return kibana_link(options, kql, match.window.start, match.window.end)


def digest_of(rule_name: str, aggregate: timedelta, now: datetime) -> dict[str, str]:
    """The digest window ``now`` falls in (aligned to multiples of ``aggregate``)."""
    step = aggregate.total_seconds()
    start = datetime.fromtimestamp((now.timestamp() // step) * step, tz=now.tzinfo)
    end = start + aggregate
    key = hashlib.sha256(f"{rule_name}\x1fdigest\x1f{format_time(start)}".encode()).hexdigest()[:32]
    return {"key": key, "start": format_time(start), "end": format_time(end)}


def build_alert(match: Match, post: EnrichedPost | None, options: AlertSettings, now: datetime,
                owner: str) -> Alert:
    """A new pending alert for ``match``, leased to ``owner`` while it is being delivered."""
    rule = match.rule
    digest = digest_of(rule.name, rule.aggregate, now) if rule.aggregate else None
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "rule": {"name": rule.name, "type": rule.type, "severity": rule.severity, "owner": rule.owner,
                 "description": rule.description},
        "status": "pending", "reason": None,
        "created_at": format_time(now), "updated_at": format_time(now), "sent_at": None,
        "query_key": rule.query_key, "keys": list(match.keys),
        "post": post_snapshot(post, match.highlights) if post is not None else None,
        "window": match.window.as_doc() if match.window else None,
        "facts": dict(match.facts), "samples": [dict(sample) for sample in match.samples],
        "targets": [target.label for target in rule.notify], "delivered_to": [],
        "attempts": 0,
        "next_attempt_at": digest["end"] if digest else format_time(now),
        "lease_owner": owner, "lease_until": format_time(now + timedelta(seconds=options.lease_s)),
        "digest": digest, "published": False,
        "links": {"kibana": _link(match, options, now)},
    }
    return Alert(id=match.alert_id, doc=doc)


def backoff(options: AlertSettings, attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: ``backoff_s * 2**(attempts-1)``, capped."""
    return timedelta(seconds=min(options.backoff_s * 2 ** max(attempts - 1, 0), options.backoff_max_s))


def after_delivery(alert: Alert, delivered: Sequence[str], errors: Sequence[str], options: AlertSettings,
                   now: datetime) -> Alert:
    """The alert after one delivery attempt: sent, pending with a retry time, or failed."""
    done = sorted({*(alert.doc.get("delivered_to") or ()), *delivered})
    attempts = int(alert.doc.get("attempts") or 0) + 1
    common = {"delivered_to": done, "attempts": attempts, "updated_at": format_time(now),
              "lease_owner": None, "lease_until": format_time(now), "published": True}
    if not errors:
        return alert.changed(status="sent", sent_at=format_time(now), reason=None, **common)
    reason = "; ".join(errors)[:2000]
    if attempts >= options.max_attempts:
        return alert.changed(status="failed", reason=f"after {attempts} attempts: {reason}", **common)
    retry_at = now + backoff(options, attempts)
    return alert.changed(status="pending", reason=reason, next_attempt_at=format_time(retry_at), **common)


def is_due(alert: Alert, now: datetime) -> bool:
    """True when a pending alert's next attempt (or digest end) has come."""
    return alert.status == "pending" and parse_time(alert.doc["next_attempt_at"]) <= now
