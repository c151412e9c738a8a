"""Realert per query_key (across batches and restarts) and aggregate (digest) windows."""

from __future__ import annotations

from pathlib import Path

from elasticsearch import Elasticsearch

from tests.indexer.alerts.conftest import Clock, WorkerFactory, index_posts, rule
from tests.indexer.alerts.receivers import WebhookReceiver
from tests.indexer.fixtures import contact, enriched, wire
from tipwatch.config import Settings
from tipwatch.stream import Message

A, B, C = "+85511111111", "+85522222222", "+85533333333"
RULE = "type: any\nquery_key: contact_keys\nrealert: 1h\nfilters: {contact_kinds: [phone]}\nnotify: [{env: HOOK}]\n"


def _phones(n: int, *phones: str) -> dict:
    return enriched(n, text=f"Driver jobs, call {' or '.join(phones)}", contacts=[contact("phone", p) for p in phones])


def _batch(settings: Settings, *records: dict) -> list[Message]:
    return [Message(topic=settings.topic("posts.enriched"), partition=0, offset=i, value=wire(r))
            for i, r in enumerate(records)]


def test_realert_per_key_across_batches_and_restarts(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                                     make_worker: WorkerFactory, webhook: WebhookReceiver) -> None:
    watch = rule(tmp_path, "phones", RULE)
    environ = {"HOOK": webhook.url()}
    posts = [_phones(1, A), _phones(2, A), _phones(3, B), _phones(4, A, C), _phones(5, A), _phones(6, A)]
    index_posts(es, alert_settings, posts)
    clock = Clock("2026-11-24T10:00:00Z")
    make_worker([watch], environ=environ, clock=clock).process(_batch(alert_settings, *posts[:3]))
    clock.advance(minutes=30)
    make_worker([watch], environ=environ, clock=clock).process(_batch(alert_settings, *posts[3:5]))
    clock.advance(hours=2)
    worker = make_worker([watch], environ=environ, clock=clock)
    worker.process(_batch(alert_settings, posts[5]))

    status = {alert.doc["post"]["id"]: alert for alert in worker.store.find(rule="phones")}
    by_post = [(status[p["id"]].status, status[p["id"]].keys) for p in posts]
    assert by_post == [
        ("sent", (f"phone:{A}",)),
        ("suppressed", (f"phone:{A}",)),        # same key, same batch
        ("sent", (f"phone:{B}",)),
        ("sent", (f"phone:{A}", f"phone:{C}")),  # A is held, but C is new
        ("suppressed", (f"phone:{A}",)),        # 30 min later: still held (after a restart)
        ("sent", (f"phone:{A}",)),              # 2 h later: free again
    ]
    assert len(webhook.messages) == 4
    first = status[posts[0]["id"]]
    assert status[posts[1]["id"]].doc["reason"] == (
        f"realert: phone:{A} already alerted by {first.id} until 2026-11-24T11:00:00Z")


def test_aggregate_sends_one_digest_when_the_window_closes(tmp_path: Path, es: Elasticsearch,
                                                           alert_settings: Settings, make_worker: WorkerFactory,
                                                           webhook: WebhookReceiver) -> None:
    digest = rule(tmp_path, "digest", "type: any\nquery: driver\naggregate: 10m\nnotify: [{env: HOOK}]\n")
    posts = [_phones(n, A) for n in range(1, 4)] + [enriched(9, text="Cooks wanted")]
    index_posts(es, alert_settings, posts)
    clock = Clock("2026-11-24T10:03:00Z")
    worker = make_worker([digest], environ={"HOOK": webhook.url()}, clock=clock)
    worker.process(_batch(alert_settings, *posts))
    alerts = worker.store.find(rule="digest")
    assert sorted(a.doc["digest"]["end"] for a in alerts) == ["2026-11-24T10:10:00Z"] * 3
    assert {a.status for a in alerts} == {"pending"} and webhook.messages == []
    clock.advance(minutes=5)
    worker.tick()
    assert webhook.messages == [], "the digest window is still open"
    clock.advance(minutes=2)
    es.indices.refresh(index=alert_settings.index("alerts"))
    worker.tick()
    (message,) = webhook.messages
    assert message["title"] == "[tipwatch medium] digest: 3 alerts"
    assert "3 alerts between 2026-11-24T10:00:00Z and 2026-11-24T10:10:00Z:" in message["message"]
    assert {a.status for a in worker.store.find(rule="digest")} == {"sent"}
    worker.tick()
    assert len(webhook.messages) == 1
