"""Alert documents and alert state in Elasticsearch (no state in the worker process).

* ``tipwatch-alerts``: one document per alert, created with ``op_type=create``: a conflict means
  another run already handled the match. Status changes are partial updates; taking over an alert
  (a resend after a crash) is a conditional update on ``_seq_no``/``_primary_term``, so only one
  worker wins.
* ``tipwatch-alert_state``: ``window`` documents (a windowed rule's last run and previous window)
  and ``hold`` documents (realert throttles per rule and key), both read by id (real-time).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from indexer.alerts.alert import Alert
from tipwatch.config.settings import Settings
from tipwatch.contract.times import format_time

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


class StoreError(Exception):
    """Elasticsearch refused an alert write; ``transient`` when a retry may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Hold:
    """A realert throttle: ``alert_id`` holds ``key`` of ``rule`` until ``until``."""

    rule: str
    key: str
    alert_id: str
    until: str
    seq_no: int | None = None
    primary_term: int | None = None

    @property
    def doc_id(self) -> str:
        """Deterministic id of the hold document."""
        return hold_id(self.rule, self.key)


def hold_id(rule: str, key: str) -> str:
    """Id of the hold document of ``rule`` and ``key``."""
    return "hold-" + hashlib.sha256(f"{rule}\x1f{key}".encode()).hexdigest()[:32]


def _check_items(response: Mapping[str, Any], allowed: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    """Per-item results of a bulk request; raises StoreError for an unexpected failure."""
    results = []
    for item in response["items"]:
        (result,) = item.values()
        status = int(result.get("status", 500))
        if status >= 300 and status not in allowed:
            reason = result.get("error", {}).get("reason", str(result.get("error")))
            raise StoreError(f"alert store write failed ({status}): {reason}", transient=status in TRANSIENT_STATUS)
        results.append(result)
    return results


class AlertStore:
    """Reads and writes alerts and alert state through the shared Elasticsearch client."""

    def __init__(self, client: Elasticsearch, settings: Settings) -> None:
        self.client = client
        self.alerts = settings.index("alerts")
        self.state = settings.index("alert_state")

    # --- alerts -----------------------------------------------------------------------------
    def create(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Create each alert; returns those created now (an existing id was already handled)."""
        if not alerts:
            return []
        operations: list[dict[str, Any]] = []
        for alert in alerts:
            operations.extend(({"create": {"_index": self.alerts, "_id": alert.id}}, dict(alert.doc)))
        results = _check_items(self.client.bulk(operations=operations).body, frozenset({409}))
        created = []
        for alert, result in zip(alerts, results, strict=True):
            if int(result["status"]) == 409:
                log.debug("alert %s (%s) already exists: handled before", alert.id, alert.rule_name)
                continue
            created.append(Alert(alert.id, alert.doc, result.get("_seq_no"), result.get("_primary_term")))
        return created

    def save(self, alerts: Sequence[Alert]) -> None:
        """Write the changed documents of alerts this worker holds (partial updates)."""
        if not alerts:
            return
        operations: list[dict[str, Any]] = []
        for alert in alerts:
            operations.extend(({"update": {"_index": self.alerts, "_id": alert.id}}, {"doc": dict(alert.doc)}))
        _check_items(self.client.bulk(operations=operations).body)

    def claim(self, alert: Alert, owner: str, until: datetime) -> Alert | None:
        """Take over ``alert`` if nobody changed it since it was read; None if another worker did."""
        changes = {"lease_owner": owner, "lease_until": format_time(until)}
        try:
            response = self.client.update(index=self.alerts, id=alert.id, doc=changes,
                                          if_seq_no=alert.seq_no, if_primary_term=alert.primary_term)
        except ConflictError:
            return None
        return Alert(alert.id, {**alert.doc, **changes}, response["_seq_no"], response["_primary_term"])

    def due(self, now: datetime, limit: int) -> list[Alert]:
        """Alerts to deliver or publish whose lease has expired: due pending ones and unpublished ones."""
        stamp = format_time(now)
        query = {"bool": {
            "filter": [{"range": {"lease_until": {"lte": stamp}}}],
            "should": [
                {"bool": {"filter": [{"term": {"status": "pending"}},
                                     {"range": {"next_attempt_at": {"lte": stamp}}}]}},
                {"term": {"published": False}},
            ],
            "minimum_should_match": 1,
        }}
        response = self.client.search(index=self.alerts, query=query, size=limit, seq_no_primary_term=True,
                                      sort=[{"next_attempt_at": "asc"}])
        return [Alert(hit["_id"], hit["_source"], hit["_seq_no"], hit["_primary_term"])
                for hit in response["hits"]["hits"]]

    def get(self, alert_id: str) -> Alert | None:
        """One alert by id (real-time), or None."""
        try:
            hit = self.client.get(index=self.alerts, id=alert_id)
        except NotFoundError:
            return None
        return Alert(hit["_id"], hit["_source"], hit["_seq_no"], hit["_primary_term"])

    def find(self, *, rule: str | None = None, status: str | None = None, size: int = 1000) -> list[Alert]:
        """Alerts by rule and/or status, newest first (refreshes first: for tools and tests)."""
        self.client.indices.refresh(index=self.alerts)
        filters = [{"term": {name: value}} for name, value in (("rule.name", rule), ("status", status)) if value]
        response = self.client.search(index=self.alerts, query={"bool": {"filter": filters}}, size=size,
                                      sort=[{"created_at": "desc"}])
        return [Alert(hit["_id"], hit["_source"]) for hit in response["hits"]["hits"]]

    # --- windowed rule state ----------------------------------------------------------------
    def window_states(self, rules: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Rule name -> its window state document (rules never run are absent)."""
        names = list(rules)
        if not names:
            return {}
        response = self.client.mget(index=self.state, ids=[f"window-{name}" for name in names])
        return {doc["_source"]["rule"]: doc["_source"] for doc in response["docs"] if doc.get("found")}

    def put_window_state(self, rule: str, last_end: datetime, now: datetime, previous: Mapping[str, Any]) -> None:
        """Record that ``rule`` evaluated the window ending at ``last_end``."""
        self.client.index(index=self.state, id=f"window-{rule}", document={
            "kind": "window", "rule": rule, "last_end": format_time(last_end), "last_run": format_time(now),
            "previous": dict(previous), "updated_at": format_time(now)})

    # --- realert holds ------------------------------------------------------------------------
    def holds(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Hold]:
        """The current holds of (rule, key) pairs; absent pairs are free."""
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return {}
        response = self.client.mget(index=self.state, ids=[hold_id(rule, key) for rule, key in wanted])
        found = {}
        for (rule, key), doc in zip(wanted, response["docs"], strict=True):
            if doc.get("found"):
                source = doc["_source"]
                found[(rule, key)] = Hold(rule, key, source["alert_id"], source["until"],
                                          doc["_seq_no"], doc["_primary_term"])
        return found

    def put_holds(self, holds: Sequence[Hold]) -> list[Hold]:
        """Write new holds conditionally (create, or replace the version read); returns those lost to
        another worker."""
        if not holds:
            return []
        operations: list[dict[str, Any]] = []
        for hold in holds:
            meta: dict[str, Any] = {"_index": self.state, "_id": hold.doc_id}
            if hold.seq_no is None:
                action = "create"
            else:
                action = "index"
                meta.update(if_seq_no=hold.seq_no, if_primary_term=hold.primary_term)
            operations.extend(({action: meta}, {"kind": "hold", "rule": hold.rule, "key": hold.key,
                                                "alert_id": hold.alert_id, "until": hold.until}))
        results = _check_items(self.client.bulk(operations=operations).body, frozenset({409}))
        return [hold for hold, result in zip(holds, results, strict=True) if int(result["status"]) == 409]
