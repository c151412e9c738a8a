"""Delivery against real receivers: email and webhook, retries with backoff, failed after the last
try, and a worker killed between "pending" and "sent" resending exactly once after restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from elastic_transport import ConnectionError
from elasticsearch import Elasticsearch

from indexer.alerts.alert import Alert
from indexer.alerts.alerters import Notification, Outcome, build_alerters
from indexer.alerts.rules import NotifyTarget
from tests.indexer.alerts.conftest import WorkerFactory, index_posts, produce, published_alerts, rule
from tests.indexer.alerts.receivers import SmtpReceiver, WebhookReceiver
from tests.indexer.fixtures import contact, enriched, wire
from tipwatch.config import Settings
from tipwatch.stream import Message, Retryable

TEXT = "Casino jobs in Sihanoukville. Passport kept by the company. Call +855 12 345 678"


def _message(settings: Settings, record: dict, offset: int = 0) -> Message:
    return Message(topic=settings.topic("posts.enriched"), partition=0, offset=offset, value=wire(record))


def _until(condition: Callable[[], bool], step: Callable[[], object], what: str, timeout_s: float = 30) -> None:
    """Run ``step`` until ``condition`` holds (AssertionError after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        step()
        time.sleep(0.1)


def _post() -> dict:
    return enriched(1, text=TEXT, title="Urgent: casino staff", risk=(0.93, "high"), country="KH",
                    contacts=[contact("phone", "+85512345678", "+855 12 345 678", TEXT)],
                    indicators=[{"id": "passport-retention", "category": "coercion", "evidence": ["Passport kept"]}])


def test_email_and_webhook_receive_the_notification(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                                   make_worker: WorkerFactory, webhook: WebhookReceiver,
                                                   smtp: SmtpReceiver) -> None:
    record = _post()
    index_posts(es, alert_settings, [record])
    watch = rule(tmp_path, "sihanoukville", "type: any\nseverity: high\nquery: Sihanoukville\n"
                                            "notify: [{env: TEAM_MAIL}, {env: TEAM_HOOK}]\n")
    worker = make_worker([watch], environ={"TEAM_MAIL": smtp.url(), "TEAM_HOOK": webhook.url("/tipwatch")},
                         kibana_url="https://kibana.example.org")
    assert worker.process([_message(alert_settings, record)]) == []
    (mail,) = smtp.wait_for(1)
    (hook,) = webhook.messages
    title = "[tipwatch high] sihanoukville: high-risk post on demo-board: Urgent: casino staff"
    assert mail["Subject"] == hook["title"] == title
    assert mail["To"] == "team@example.org" and webhook.paths == ["/tipwatch"]
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Casino jobs in **Sihanoukville**." in hook["message"]
    assert "Casino jobs in <strong>Sihanoukville</strong>." in html, "Markdown becomes HTML in email"
    for body in (html, hook["message"]):
        assert "+85512345678" in body
        assert "coercion / passport-retention: Passport kept" in body
        assert record["evidence"]["sha256"] in body
        assert "https://kibana.example.org/app/discover#/?_g=" in body
    (alert,) = worker.store.find(rule="sihanoukville")
    assert alert.status == "sent"
    assert alert.doc["delivered_to"] == ["apprise:TEAM_HOOK", "apprise:TEAM_MAIL"]
    assert alert.doc["attempts"] == 1 and alert.doc["published"] is True


def test_failed_attempts_are_retried_then_marked_failed(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                                      make_worker: WorkerFactory, webhook: WebhookReceiver) -> None:
    record = _post()
    index_posts(es, alert_settings, [record])
    watch = rule(tmp_path, "watch", "type: any\nquery: Sihanoukville\nnotify: [{env: HOOK}, {alerter: log}]\n")
    worker = make_worker([watch], environ={"HOOK": webhook.url()}, max_attempts=3, backoff_s=0.2)
    webhook.status = 500
    worker.process([_message(alert_settings, record)])
    (alert,) = worker.store.find(rule="watch")
    assert (alert.status, alert.doc["attempts"], alert.doc["delivered_to"]) == ("pending", 1, ["log:-"])
    assert alert.doc["reason"].startswith("apprise:HOOK: ")

    def failed() -> bool:
        return worker.store.find(rule="watch")[0].status == "failed"

    _until(failed, worker.tick, "the last attempt")
    (alert,) = worker.store.find(rule="watch")
    assert webhook.failures == 3 and webhook.messages == []
    assert alert.doc["attempts"] == 3 and alert.doc["delivered_to"] == ["log:-"], "log is not sent again"
    assert alert.doc["reason"].startswith("after 3 attempts: apprise:HOOK: ")
    assert "500" in alert.doc["reason"]
    worker.tick()
    assert webhook.failures == 3, "a failed alert is final"


def test_a_retry_that_succeeds(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                               make_worker: WorkerFactory, webhook: WebhookReceiver) -> None:
    record = _post()
    index_posts(es, alert_settings, [record])
    watch = rule(tmp_path, "watch", "type: any\nquery: Sihanoukville\nnotify: [{env: HOOK}]\n")
    worker = make_worker([watch], environ={"HOOK": webhook.url()}, backoff_s=0.2)
    webhook.status = 503
    worker.process([_message(alert_settings, record)])
    webhook.status = 200
    _until(lambda: len(webhook.messages) == 1, worker.tick, "the retry")
    (alert,) = worker.store.find(rule="watch")
    assert (alert.status, alert.doc["attempts"], alert.doc["reason"]) == ("sent", 2, None)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs (not an Exception, so nothing catches it)."""


class KillingAlerter:
    """An alerter that 'kills the worker' after the alert was created as pending."""

    name: ClassVar[str] = "apprise"

    def send(self, target: NotifyTarget, notification: Notification) -> Outcome:
        raise WorkerKilled


def test_killed_between_pending_and_sent_resends_exactly_once(tmp_path: Path, es: Elasticsearch,
                                                              alert_settings: Settings, make_worker: WorkerFactory,
                                                              webhook: WebhookReceiver) -> None:
    record = _post()
    index_posts(es, alert_settings, [record])
    produce(alert_settings, [record])
    watch = rule(tmp_path, "watch", "type: any\nquery: Sihanoukville\nnotify: [{env: HOOK}]\n")
    doomed = make_worker([watch], alerters={"apprise": KillingAlerter()}, lease_s=2)
    with pytest.raises(WorkerKilled):
        doomed.run(max_messages=1, idle_timeout_s=30)
    (pending,) = doomed.store.find(rule="watch")
    assert (pending.status, pending.doc["lease_owner"]) == ("pending", doomed.owner)

    fresh = make_worker([watch], alerters=build_alerters({"HOOK": webhook.url()}))
    stats = fresh.run(max_messages=1, idle_timeout_s=30)
    assert stats.messages == 1, "the uncommitted batch is consumed again (its create conflicts: no new alert)"

    def sent() -> list[Alert]:
        return [a for a in fresh.store.find(rule="watch") if a.status == "sent"]

    _until(lambda: bool(sent()), fresh.tick, "the resend once the lease expired")
    for _ in range(3):
        fresh.tick()
    assert len(webhook.messages) == 1
    (alert,) = fresh.store.find(rule="watch")
    assert alert.id == pending.id and alert.doc["attempts"] == 1 and alert.doc["lease_owner"] is None
    assert {message["id"] for message in published_alerts(alert_settings)} == {alert.id}


def test_an_outcome_not_saved_while_elasticsearch_is_away_is_not_resent(
        tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory,
        webhook: WebhookReceiver) -> None:
    record = _post()
    index_posts(es, alert_settings, [record])
    watch = rule(tmp_path, "watch", "type: any\nquery: Sihanoukville\nnotify: [{env: HOOK}]\n")
    worker = make_worker([watch], environ={"HOOK": webhook.url()}, lease_s=1)
    real_save, failures = worker.store.save, []

    def save_while_away(alerts: list[Alert]) -> None:
        if len(failures) < 2:  # Elasticsearch goes away right after the notification, for two calls
            failures.append(len(alerts))
            raise ConnectionError("connection refused")
        real_save(alerts)

    worker.store.save = save_while_away  # type: ignore[method-assign]
    with pytest.raises(Retryable):
        worker.process([_message(alert_settings, record)])
    assert len(webhook.messages) == 1 and len(worker.outcomes) == 1
    time.sleep(1.5)  # the alert's lease (1 s) has expired meanwhile
    assert worker.store.find(rule="watch")[0].status == "pending"
    with pytest.raises(ConnectionError):
        worker.tick()  # still away: nothing is claimed or resent
    worker.tick()  # back: the kept outcome is recorded before any due alert is claimed
    for _ in range(3):
        worker.tick()
    assert worker.process([_message(alert_settings, record)]) == [], "the retried batch creates nothing"
    assert failures == [1, 1] and len(webhook.messages) == 1, f"{len(webhook.messages)} notifications"
    (alert,) = worker.store.find(rule="watch")
    assert (alert.status, alert.doc["attempts"]) == ("sent", 1)
