"""Fixtures of the alert tests: the local stack with topics and templates, loopback receivers,
a worker factory, and helpers to write rules and index crafted posts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaConsumer

from indexer.alerts.alerters import Alerter, build_alerters
from indexer.alerts.fields import fields_from_template
from indexer.alerts.options import AlertSettings
from indexer.alerts.rules import Rule, load_rule
from indexer.alerts.worker import AlertWorker
from indexer.documents import post_document
from tests.indexer.alerts.receivers import SmtpReceiver, WebhookReceiver
from tipwatch.config import Settings
from tipwatch.contract import format_time, parse_enriched, parse_time
from tipwatch.setup import create_topics
from tipwatch.stream import Producer
from tipwatch.stream.connection import kafka_options


class Clock:
    """A settable clock for workers (windowed rules, realert, retries)."""

    def __init__(self, now: str | datetime) -> None:
        self.now = parse_time(now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``; the new time."""
        self.now += timedelta(**delta)
        return self.now


def write_rule(directory: Path, name: str, text: str) -> Path:
    """Write ``text`` as ``directory/name.yaml``."""
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def rule(tmp_path: Path, name: str, text: str) -> Rule:
    """A rule loaded through the real loader from YAML text."""
    return load_rule(write_rule(tmp_path, name, text), fields_from_template())


def index_posts(es: Elasticsearch, settings: Settings, records: Sequence[Mapping[str, Any]]) -> None:
    """Index enriched records as the indexer would (first_seen = last_seen = fetched_at), then refresh."""
    actions = []
    for record in records:
        doc = post_document(parse_enriched(dict(record)))
        doc.update(first_seen=record["fetched_at"], last_seen=record["fetched_at"], cluster_id=doc["id"])
        actions.append({"_index": settings.index("posts"), "_id": doc["id"], "_source": doc})
    helpers.bulk(es, actions, refresh=True)


def produce(settings: Settings, records: Sequence[Mapping[str, Any]]) -> None:
    """Send enriched records to ``posts.enriched`` (key = post id)."""
    with Producer(settings, role="test") as producer:
        for record in records:
            producer.send(settings.topic("posts.enriched"), json.dumps(record).encode(), key=record["id"].encode())


def published_alerts(settings: Settings, timeout_s: float = 5.0) -> list[dict[str, Any]]:
    """Every message on ``tipwatch.alerts`` so far."""
    consumer = KafkaConsumer(settings.topic("alerts"), **kafka_options(settings, "test-read"),
                             auto_offset_reset="earliest", consumer_timeout_ms=int(timeout_s * 1000),
                             enable_auto_commit=False)
    try:
        return [json.loads(message.value) for message in consumer]
    finally:
        consumer.close()


def at(base: str, **delta: float) -> str:
    """``base`` + ``timedelta(**delta)`` as RFC 3339."""
    return format_time(parse_time(base) + timedelta(**delta))


@pytest.fixture
def alert_settings(stack_settings: Settings, es: Elasticsearch) -> Settings:
    """Settings whose topics exist and whose templates (posts, alerts, alert_state) are installed."""
    create_topics(stack_settings)
    return stack_settings


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """An HTTP receiver on loopback (Apprise ``json://`` URL)."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """An SMTP server on loopback (Apprise ``mailto://`` URL)."""
    with SmtpReceiver() as receiver:
        yield receiver


WorkerFactory = Callable[..., AlertWorker]


@pytest.fixture
def make_worker(alert_settings: Settings, es: Elasticsearch) -> Iterator[WorkerFactory]:
    """Build workers on the test stack; ``environ`` feeds the Apprise alerter, options override defaults."""
    workers: list[AlertWorker] = []

    def factory(rules: Sequence[Rule], *, environ: Mapping[str, str] | None = None,
                alerters: Mapping[str, Alerter] | None = None, clock: Callable[[], datetime] | None = None,
                **options: Any) -> AlertWorker:
        settings = AlertSettings(**{"settle_s": 0, "tick_s": 0.2, "backoff_s": 0.2, "lease_s": 30, **options})
        extra: dict[str, Any] = {"clock": clock} if clock else {}
        worker = AlertWorker(alert_settings, rules, settings, client=es,
                             alerters=alerters if alerters is not None else build_alerters(environ or {}), **extra)
        workers.append(worker)
        return worker

    yield factory
    for worker in workers:
        worker.close()
