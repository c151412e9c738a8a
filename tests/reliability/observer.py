"""What the reliability suite's worker processes produced, read from the outside.

    Observer(settings)                     lag per consumer group, indexed ids, alerts, dead letters
    exactly_once(observer, received, corpus)   every post indexed once, every alert notified once?
    stream_drained / stream_state          the end condition of a stream test, and its timeout message
    deadletter_cli / deadletter_list       ``tipwatch deadletter …`` run as a user runs it
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from tests.reliability.corpus import Corpus
from tests.reliability.harness import ALERT_ID, GROUP_TOPICS, RULE_NAME, STREAM, Pipeline
from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.stream.connection import kafka_options


@dataclass(frozen=True)
class DeadLetterRow:
    """One line of ``tipwatch deadletter list --json``."""

    stage: str
    reason: str
    original_topic: str
    original_offset: int
    bytes: int
    truncated: bool


class Observer:
    """Reads what the pipeline did: group lag, index contents, alerts, dead letters."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: Elasticsearch = make_client(settings, request_timeout=10, max_retries=0)
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def _kafka(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            self._admin = KafkaAdminClient(**kafka_options(self.settings, "reliability-observer"))
            self._consumer = KafkaConsumer(**kafka_options(self.settings, "reliability-offsets"),
                                           enable_auto_commit=False)
        return self._admin, self._consumer

    def _reset_kafka(self) -> None:
        for client in (self._admin, self._consumer):
            if client is not None:
                with contextlib.suppress(KafkaError, OSError):
                    client.close()
        self._admin = self._consumer = None

    def end_offsets(self, topic: str) -> dict[int, int]:
        """Partition -> end offset of a topic."""
        _, consumer = self._kafka()
        name = self.settings.topic(topic)
        partitions = consumer.partitions_for_topic(name) or set()
        tps = [TopicPartition(name, p) for p in sorted(partitions)]
        return {tp.partition: end for tp, end in consumer.end_offsets(tps).items()} if tps else {}

    def lag(self, group: str) -> int:
        """Messages of the group's topic not yet committed by the group (-1 when Kafka does not answer)."""
        try:
            admin, _ = self._kafka()
            ends = self.end_offsets(GROUP_TOPICS[group])
            group_id = f"{self.settings.kafka.topic_prefix}{group}"
            committed = admin.list_group_offsets(group_id).get(group_id, {})
        except (KafkaError, OSError):
            self._reset_kafka()
            return -1
        done = {tp.partition: meta.offset for tp, meta in committed.items()
                if tp.topic == self.settings.topic(GROUP_TOPICS[group]) and meta.offset >= 0}
        return sum(max(0, end - done.get(partition, 0)) for partition, end in ends.items())

    def lags(self, *groups: str) -> dict[str, int]:
        """Lag of each group."""
        return {group: self.lag(group) for group in groups}

    def _refresh(self, name: str) -> None:
        with contextlib.suppress(ApiError, TransportError):
            self.client.indices.refresh(index=self.settings.index(name))

    def indexed_count(self) -> int:
        """Documents in the posts alias (-1 when Elasticsearch does not answer)."""
        try:
            self._refresh("posts")
            return int(self.client.count(index=self.settings.index("posts"))["count"])
        except (ApiError, TransportError):
            return -1

    def indexed_ids(self) -> list[str]:
        """The id of every document in the posts alias (duplicates kept, if there were any)."""
        self._refresh("posts")
        return [hit["_id"] for hit in helpers.scan(self.client, index=self.settings.index("posts"),
                                                   query={"query": {"match_all": {}}, "_source": False},
                                                   size=1000)]

    def alerts(self, rule: str | None = None) -> list[dict[str, Any]]:
        """Every alert document (id included), optionally of one rule."""
        self._refresh("alerts")
        query = {"term": {"rule.name": rule}} if rule else {"match_all": {}}
        return [{"id": hit["_id"], **hit["_source"]}
                for hit in helpers.scan(self.client, index=self.settings.index("alerts"),
                                        query={"query": query}, size=500)]

    def alert_statuses(self, rule: str | None = None) -> Counter[str]:
        """Alerts by status."""
        try:
            return Counter(alert["status"] for alert in self.alerts(rule))
        except (ApiError, TransportError):
            return Counter({"unreachable": 1})

    def dead_letters(self) -> int:
        """Records on the dead-letter topic."""
        try:
            return sum(self.end_offsets("deadletter").values())
        except (KafkaError, OSError):
            self._reset_kafka()
            return -1

    def close(self) -> None:
        """Close every client."""
        self._reset_kafka()
        self.client.close()


def notified_alert_ids(received: list[dict[str, Any]]) -> list[str]:
    """The alert id of every notification the webhook receiver got (duplicates kept)."""
    ids = []
    for entry in received:
        payload = entry.get("payload") or {}
        text = f"{payload.get('title', '')}\n{payload.get('message', '')}" if isinstance(payload, dict) else ""
        ids.extend(ALERT_ID.findall(text))
    return ids


def deadletter_cli(env: dict[str, str], *args: str) -> str:
    """Run ``tipwatch deadletter ARGS`` as a user would; its standard output."""
    done = subprocess.run([sys.executable, "-m", "tipwatch.cli", "deadletter", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, f"tipwatch deadletter {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def deadletter_list(env: dict[str, str]) -> list[DeadLetterRow]:
    """``tipwatch deadletter list --json``, parsed."""
    rows = [json.loads(line) for line in deadletter_cli(env, "list", "--json").splitlines() if line.startswith("{")]
    return [DeadLetterRow(stage=row["stage"], reason=row["reason"], original_topic=row["original_topic"],
                          original_offset=row["original_offset"], bytes=row["bytes"],
                          truncated=row["truncated"]) for row in rows]


@contextlib.contextmanager
def observing(settings: Settings) -> Iterator[Observer]:
    """An Observer closed at the end."""
    observer = Observer(settings)
    try:
        yield observer
    finally:
        observer.close()


@dataclass(frozen=True)
class Outcome:
    """What a stream test checks at the end, with the counts for its assertion message."""

    summary: str
    lost: tuple[str, ...]
    """What is missing or wrong apart from duplicate notifications (posts, alerts, dead letters)."""
    twice: tuple[str, ...]
    """Alert ids the webhook receiver got more than once."""

    @property
    def problems(self) -> tuple[str, ...]:
        """Everything that is not exactly once."""
        return self.lost + ((f"{len(self.twice)} alerts notified twice, e.g. {list(self.twice[:3])}",)
                            if self.twice else ())


def stream_drained(observer: Observer, received: list[dict[str, Any]], corpus: Corpus) -> bool:
    """Every post indexed, every stream group caught up, every expected alert sent and notified."""
    alerts = len(corpus.canary_ids)
    return (observer.indexed_count() == len(corpus.records)
            and all(lag == 0 for lag in observer.lags(*STREAM).values())
            and observer.alert_statuses(RULE_NAME).get("sent", 0) == alerts
            and len(received) >= alerts)


def stream_state(observer: Observer, received: list[dict[str, Any]], pipeline: Pipeline) -> str:
    """The pipeline's state, for a timeout message."""
    return (f"indexed {observer.indexed_count()}, lag {observer.lags(*STREAM)}, alerts "
            f"{dict(observer.alert_statuses(RULE_NAME))}, notifications {len(received)}, "
            f"restarts {pipeline.restarts()}; logs in {pipeline.log_dir}")


def exactly_once(observer: Observer, received: list[dict[str, Any]], corpus: Corpus) -> Outcome:
    """Every post in the index exactly once, every canary alert sent and notified exactly once,
    nothing dead-lettered; the counts, and what is wrong."""
    ids = observer.indexed_ids()
    expected = set(corpus.ids)
    duplicated = [post_id for post_id, n in Counter(ids).items() if n > 1]
    missing, extra = expected - set(ids), set(ids) - expected
    alerts = observer.alerts(RULE_NAME)
    sent = {alert["id"] for alert in alerts if alert["status"] == "sent"}
    alerted_posts = {alert["post"]["id"] for alert in alerts}
    notified = notified_alert_ids(received)
    twice = [alert_id for alert_id, n in Counter(notified).items() if n > 1]
    dead = observer.dead_letters()
    summary = (f"{len(corpus.records)} posts produced, {len(ids)} documents, {len(set(ids))} unique ids, "
               f"{len(missing)} missing, {len(extra)} unexpected, {len(duplicated)} duplicated; "
               f"{len(corpus.canary_ids)} canary posts, {len(alerts)} alerts ({len(sent)} sent), {len(notified)} "
               f"notifications for {len(set(notified))} alert ids, {len(twice)} notified twice; {dead} dead letters")
    lost = [text for failed, text in (
        (len(ids) != len(expected) or missing or extra or duplicated, "the index does not hold each post once"),
        (alerted_posts != corpus.canary_ids or len(alerts) != len(corpus.canary_ids), "alerts differ from canaries"),
        (len(sent) != len(alerts), "not every alert was sent"),
        (set(notified) != sent, "notified alerts differ from the sent alerts"),
        (dead != 0, "records were dead-lettered"),
    ) if failed]
    return Outcome(summary=summary, lost=tuple(lost), twice=tuple(sorted(twice)))
