"""From matches to delivered notifications, at least once and without duplicates.

Order for new matches (``submit``):

1. build alert documents (deterministic ids), apply ``realert`` holds (a throttled post match is
   stored as ``suppressed``; a throttled window match, which repeats every run, is dropped);
2. create them in ``tipwatch-alerts`` with ``op_type=create``: an existing id was handled before;
3. publish the created ones on ``tipwatch.alerts`` and flush;
4. notify the pending, non-digest ones; 5. save each outcome (sent / retry later / failed).

A crash before 5 leaves the alert pending and leased; once the lease expires ``deliver_due`` (run
by any worker on its schedule) claims it with a conditional update, so one worker resends it.
``deliver_due`` also sends retries whose time has come and digests whose window has closed.

When Elasticsearch goes away between 4 and 5, the notification has gone out but its outcome is
not recorded: the outcome is kept in ``Outcomes`` (shared by the worker's dispatchers) and saved
before anything else once Elasticsearch answers again, so the alert is not resent when its lease
has expired meanwhile. (Only a worker killed while Elasticsearch is away loses that memory; its
alerts are then resent once — at least once, as promised.)
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from indexer.alerts.alert import Alert, after_delivery, build_alert, is_due
from indexer.alerts.notify import Notifier
from indexer.alerts.options import AlertSettings
from indexer.alerts.store import AlertStore
from indexer.alerts.throttle import Throttle
from indexer.alerts.types import Match
from tipwatch.contract import EnrichedPost
from tipwatch.contract.times import format_time
from tipwatch.stream import Producer

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Publisher:
    """Publishes alert documents on ``tipwatch.alerts`` (key = alert id, so consumers can dedupe)."""

    def __init__(self, producer: Producer, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    def publish(self, alerts: Sequence[Alert]) -> None:
        """Queue the alerts and wait until the broker has them (DeliveryFailed otherwise)."""
        for alert in alerts:
            self.producer.send(self.topic, json.dumps(alert.as_message(), ensure_ascii=False).encode("utf-8"),
                               key=alert.id.encode())
        if alerts:
            self.producer.flush()


class Outcomes:
    """Delivery outcomes not yet recorded in Elasticsearch, saved first by every dispatcher call."""

    def __init__(self, store: AlertStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._unsaved: dict[str, Alert] = {}

    def save(self, alerts: Sequence[Alert] = ()) -> None:
        """Record the earlier unsaved outcomes and ``alerts``; on failure keep all of them and raise."""
        with self._lock:
            self._unsaved.update((alert.id, alert) for alert in alerts)
            if not self._unsaved:
                return
            self.store.save(list(self._unsaved.values()))
            if len(self._unsaved) > len(alerts):
                log.info("recorded %d delivery outcome(s) kept while Elasticsearch was unavailable",
                         len(self._unsaved) - len(alerts))
            self._unsaved.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._unsaved)


class Dispatcher:
    """Creates, publishes, notifies and records alerts; one per thread (it holds a producer)."""

    def __init__(self, store: AlertStore, throttle: Throttle, notifier: Notifier, publisher: Publisher,
                 options: AlertSettings, owner: str, clock: Clock, outcomes: Outcomes | None = None) -> None:
        self.store = store
        self.outcomes = outcomes if outcomes is not None else Outcomes(store)
        self.throttle = throttle
        self.notifier = notifier
        self.publisher = publisher
        self.options = options
        self.owner = owner
        self.clock = clock

    def submit(self, matches: Sequence[Match], posts: Mapping[str, EnrichedPost] | None = None) -> list[Alert]:
        """Turn new matches into alerts and deliver the immediate ones; returns the alerts created now.
        ``posts`` holds the content of the posts of per-post matches (by id)."""
        if not matches:
            return []
        posts = posts or {}
        self.outcomes.save()
        now = self.clock()
        unique = {m.alert_id: m for m in matches}
        alerts = [build_alert(m, posts.get(m.post_id) if m.post_id else None, self.options, now, self.owner)
                  for m in unique.values()]
        # A throttled post is kept (suppressed) for the record; a throttled window repeats every run: dropped.
        kept = [a for a in self.throttle.apply(alerts, now) if a.status != "suppressed" or a.doc.get("post")]
        created = self.store.create(kept)
        self.publisher.publish(created)
        finished = [self._notify([alert]) if self._immediate(alert) else self._release(alert, now)
                    for alert in created]
        self.outcomes.save([alert for group in finished for alert in group])
        return [alert for group in finished for alert in group]

    def deliver_due(self) -> list[Alert]:
        """Claim and handle due alerts: resends after a crash, retries, closed digests, unpublished ones."""
        self.outcomes.save()
        now = self.clock()
        lease_end = now + timedelta(seconds=self.options.lease_s)
        claimed = [alert for alert in (self.store.claim(a, self.owner, lease_end)
                                       for a in self.store.due(now, self.options.due_batch)) if alert]
        if not claimed:
            return []
        self.publisher.publish([alert for alert in claimed if not alert.doc.get("published")])
        groups: dict[tuple[str, tuple[str, ...]], list[Alert]] = {}
        finished: list[Alert] = []
        for alert in claimed:
            if is_due(alert, now):
                groups.setdefault((alert.digest_key or alert.id, alert.remaining_targets), []).append(alert)
            else:
                finished.extend(self._release(alert, now))
        for group in groups.values():
            log.info("delivering %d due alert(s) of rule %s (attempt %d)", len(group), group[0].rule_name,
                     int(group[0].doc.get("attempts") or 0) + 1)
            finished.extend(self._notify(group))
        self.outcomes.save(finished)
        return finished

    def _immediate(self, alert: Alert) -> bool:
        return alert.status == "pending" and alert.digest_key is None

    def _release(self, alert: Alert, now: datetime) -> list[Alert]:
        """Published, not notified now (suppressed, or waiting for its digest): give the lease back."""
        return [alert.changed(published=True, lease_owner=None, lease_until=format_time(now))]

    def _notify(self, group: list[Alert]) -> list[Alert]:
        """Notify one alert or one digest and record the outcome (at the time it finished)."""
        targets = group[0].remaining_targets
        delivery = self.notifier.deliver(group, targets)
        done = self.clock()
        updated = [after_delivery(alert, delivery.delivered, delivery.errors, self.options, done)
                   for alert in group]
        if not group[0].doc.get("targets"):
            updated = [alert.changed(reason="the rule has no notify targets: recorded and published only")
                       for alert in updated]
        for alert in updated:
            log.info("alert %s (%s): %s%s", alert.id, alert.rule_name, alert.status,
                     f" ({alert.doc.get('reason')})" if alert.status != "sent" else "")
        return updated
