"""Server outages mid-stream, on the suite's private stack.

* Elasticsearch stopped for 60 s, then started: the indexer pauses (same process, no restart),
  catches up, every post is indexed once and every alert is sent and notified (duplicate
  notifications are counted in the message; the next test pins down why they happen).
* Elasticsearch killed while an alert's notification is in flight, down for longer than the alert
  lease: that alert must not be notified a second time once Elasticsearch is back.
* The Kafka broker restarted while a producer is sending and the workers consume: the producer
  delivers everything, the consumers resume in the same processes, nothing is lost or notified twice.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import demo
from demo.receiver import WebhookReceiver
from tests.reliability.corpus import build_corpus, produce
from tests.reliability.harness import STREAM, Pipeline, wait_for, worker_env
from tests.reliability.observer import Observer, exactly_once, stream_drained, stream_state
from tipwatch.config import Settings
from tipwatch.contract import RawPost
from tipwatch.stack import LocalStack
from tipwatch.stack.process import port_open, read_pid, tail
from tipwatch.stream import DeliveryFailed, Producer

pytestmark = [pytest.mark.slow, pytest.mark.stack]

POSTS = 5000
OUTAGE_S = 60.0
LEASE_S = 60.0
"""The alert worker's default lease (``TIPWATCH_ALERTS__LEASE_S``)."""


def elasticsearch_state(stack: LocalStack) -> str:
    """Whether the private Elasticsearch runs, and the end of its console log (for a timeout's message)."""
    server = stack.elasticsearch
    return (f"launcher pid {server.pid()}, port open {port_open(stack.settings.stack.elasticsearch_port)}; "
            f"end of {server.log}:\n{tail(server.log, 25)}")


def test_elasticsearch_down_for_60_s_pauses_the_indexer_and_loses_nothing(
        private_stack: LocalStack, rel_settings: Settings, pipeline: Pipeline, observer: Observer,
        receiver: WebhookReceiver) -> None:
    corpus = build_corpus(POSTS)
    pipeline.start(*STREAM)
    pids = {stage: pipeline.pid(stage) for stage in STREAM}
    half = POSTS // 2
    with Producer(rel_settings, role="reliability") as producer:
        produce(producer, rel_settings.topic("posts.raw"), corpus.records[:half])
        wait_for(lambda: observer.indexed_count() >= 500, 180, "500 posts indexed before the outage",
                 describe=lambda: stream_state(observer, receiver.received, pipeline))
        before = observer.indexed_count()
        assert private_stack.elasticsearch.stop()
        down_since = time.monotonic()
        produce(producer, rel_settings.topic("posts.raw"), corpus.records[half:])
        alive = 0
        while time.monotonic() - down_since < OUTAGE_S:
            assert pipeline.restart_dead() == [], f"a worker exited while Elasticsearch was down: {pipeline.restarts()}"
            alive += 1
            time.sleep(2.0)
        enriched_during = observer.lag("enrich")
    private_stack.elasticsearch.start()
    wait_for(private_stack.elasticsearch.ready, 180, "Elasticsearch to be ready again", interval_s=1.0,
             describe=lambda: elasticsearch_state(private_stack))

    wait_for(lambda: stream_drained(observer, receiver.received, corpus), 420, "the pipeline to drain",
             interval_s=2.0, describe=lambda: stream_state(observer, receiver.received, pipeline))
    time.sleep(3.0)
    outcome = exactly_once(observer, receiver.received, corpus)
    paused = pipeline.log("index").count("retrying the batch")
    counts = (f"{before} posts indexed before Elasticsearch stopped for {OUTAGE_S:.0f} s ({alive} liveness checks); "
              f"enrich lag {enriched_during} at the end of the outage; the indexer logged {paused} paused retries; "
              f"pids before {pids}, after {pipeline.supervisor.pids()}, restarts {pipeline.restarts()}; "
              f"{outcome.summary}")

    assert 0 < before < POSTS, counts
    assert pipeline.supervisor.pids() == pids and sum(pipeline.restarts().values()) == 0, counts
    assert paused > 0, counts
    assert not outcome.lost, f"{outcome.lost}: {counts}"
    print(counts)


class CrashOnFirstNotification(WebhookReceiver):
    """The demo's webhook receiver; the first notification runs ``crash`` before it is answered."""

    def __init__(self, out: Path, crash: Callable[[], None]) -> None:
        super().__init__(("127.0.0.1", 0), out)
        self.crash = crash
        self.crashed = threading.Event()
        self._first = threading.Lock()

    def record(self, path: str, payload: Any) -> None:
        """Keep the notification; on the first one, crash Elasticsearch (then answer 200)."""
        super().record(path, payload)
        with self._first:
            if not self.crashed.is_set():
                self.crash()
                self.crashed.set()


def kill_elasticsearch(stack: LocalStack) -> None:
    """SIGKILL the Elasticsearch server and its launcher (a crash: nothing is flushed or answered)."""
    for pid in (read_pid(stack.elasticsearch.server_pid_file), stack.elasticsearch.pid()):
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


def test_an_alert_notified_as_elasticsearch_goes_down_is_not_notified_again(
        private_stack: LocalStack, rel_settings: Settings, config_dir: Path, tmp_path: Path,
        observer: Observer) -> None:
    corpus = build_corpus(400)
    receiver = CrashOnFirstNotification(tmp_path / "notifications.jsonl", lambda: kill_elasticsearch(private_stack))
    receiver.thread = threading.Thread(target=receiver.serve_forever, name="crash-receiver", daemon=True)
    receiver.thread.start()
    pipeline = Pipeline(worker_env(rel_settings, config_dir, {demo.WEBHOOK_ENV: receiver.apprise_url}),
                        tmp_path / "logs")
    try:
        pipeline.start(*STREAM)
        with Producer(rel_settings, role="reliability") as producer:
            produce(producer, rel_settings.topic("posts.raw"), corpus.records)
        wait_for(receiver.crashed.is_set, 180, "the first notification", describe=lambda: stream_state(
            observer, receiver.received, pipeline))
        crashed_at = time.monotonic()
        wait_for(lambda: not port_open(rel_settings.stack.elasticsearch_port), 30, "Elasticsearch to be gone")
        time.sleep(max(0.0, LEASE_S + 5.0 - (time.monotonic() - crashed_at)))
        private_stack.elasticsearch.start()
        wait_for(private_stack.elasticsearch.ready, 180, "Elasticsearch to be ready again",
                 describe=lambda: elasticsearch_state(private_stack))
        wait_for(lambda: stream_drained(observer, receiver.received, corpus), 300, "the pipeline to drain",
                 interval_s=2.0, describe=lambda: stream_state(observer, receiver.received, pipeline))
        time.sleep(3.0)
        outcome = exactly_once(observer, receiver.received, corpus)
        counts = (f"Elasticsearch killed when the first notification arrived, down {LEASE_S + 5:.0f} s "
                  f"(alert lease {LEASE_S:.0f} s); restarts {pipeline.restarts()}; {outcome.summary}")
        assert not outcome.lost, f"{outcome.lost}: {counts}"
        assert not outcome.twice, f"{outcome.problems}: {counts}"
        print(counts)
    finally:
        pipeline.stop(grace_s=20)
        receiver.stop()


class SteadyProducer(threading.Thread):
    """Sends records at a steady rate from one ``Producer`` (kept across the broker restart), then flushes."""

    def __init__(self, settings: Settings, records: list[RawPost], per_second: float) -> None:
        super().__init__(name="steady-producer", daemon=True)
        self.settings = settings
        self.records = records
        self.interval = 1.0 / per_second
        self.sent = 0
        self.failure: DeliveryFailed | None = None
        self.delivered = 0

    def run(self) -> None:
        producer = Producer(self.settings, role="reliability-steady")
        topic = self.settings.topic("posts.raw")
        try:
            for record in self.records:
                producer.send(topic, record.to_json(), key=record.id.encode())
                self.sent += 1
                time.sleep(self.interval)
            producer.flush(timeout_s=180)
        except DeliveryFailed as exc:
            self.failure = exc
        finally:
            self.delivered = producer.delivered
            producer.close()


def test_kafka_restart_mid_stream_producers_and_consumers_recover(
        private_stack: LocalStack, rel_settings: Settings, pipeline: Pipeline, observer: Observer,
        receiver: WebhookReceiver) -> None:
    corpus = build_corpus(POSTS)
    pipeline.start(*STREAM)
    pids = {stage: pipeline.pid(stage) for stage in STREAM}
    sender = SteadyProducer(rel_settings, list(corpus.records), per_second=250)
    sender.start()
    wait_for(lambda: observer.indexed_count() >= 300 and sender.sent >= 1500, 180, "the stream to be under way",
             describe=lambda: f"sent {sender.sent}; " + stream_state(observer, receiver.received, pipeline))
    sent_before = sender.sent
    assert private_stack.kafka.stop()
    time.sleep(5.0)
    private_stack.kafka.start()
    wait_for(private_stack.kafka.ready, 180, "Kafka to be ready again", interval_s=1.0)
    sent_during = sender.sent - sent_before
    sender.join(timeout=300)
    assert not sender.is_alive(), "the producer did not finish within 300 s"

    wait_for(lambda: stream_drained(observer, receiver.received, corpus), 420, "the pipeline to drain",
             interval_s=2.0, describe=lambda: stream_state(observer, receiver.received, pipeline))
    time.sleep(3.0)
    outcome = exactly_once(observer, receiver.received, corpus)
    counts = (f"broker restarted after {sent_before} records were sent, {sent_during} sent while it restarted; "
              f"producer: {sender.sent} sent, {sender.delivered} acknowledged, failure {sender.failure}; pids "
              f"before {pids}, after {pipeline.supervisor.pids()}, restarts {pipeline.restarts()}; {outcome.summary}")

    assert sender.failure is None and sender.sent == sender.delivered == POSTS, counts
    assert pipeline.supervisor.pids() == pids and sum(pipeline.restarts().values()) == 0, counts
    assert not outcome.problems, f"{outcome.problems}: {counts}"
    print(counts)
