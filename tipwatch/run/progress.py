"""Pipeline progress from Kafka offsets and Elasticsearch counts (posts per stage, lag, alerts, errors)."""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import ApiError, Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from tipwatch.config import Settings
from tipwatch.stream.connection import kafka_options

STAGES = (("crawl", "crawl.jobs"), ("enrich", "posts.raw"), ("index", "posts.enriched"),
          ("alert", "posts.enriched"))
"""(consumer group, topic it reads) of each stage."""


@dataclass(frozen=True)
class Progress:
    """One snapshot of the pipeline."""

    produced: dict[str, int]
    lag: dict[str, int]
    indexed: int
    alerts: dict[str, int]
    dead_letters: int

    @property
    def drained(self) -> bool:
        """True when no stage has anything left to read."""
        return all(value == 0 for value in self.lag.values())


class ProgressProbe:
    """Reads topic end offsets, consumer-group offsets and index counts."""

    def __init__(self, settings: Settings, client: Elasticsearch) -> None:
        self.settings = settings
        self.client = client
        self.admin = KafkaAdminClient(**kafka_options(settings, "progress"))
        self.consumer = KafkaConsumer(**kafka_options(settings, "progress-offsets"), enable_auto_commit=False)

    def _ends(self, topic: str) -> dict[TopicPartition, int]:
        partitions = self.consumer.partitions_for_topic(self.settings.topic(topic)) or set()
        tps = [TopicPartition(self.settings.topic(topic), p) for p in partitions]
        return self.consumer.end_offsets(tps) if tps else {}

    def _lag(self, group: str, topic: str) -> int:
        ends = self._ends(topic)
        group_id = f"{self.settings.kafka.topic_prefix}{group}"
        committed = self.admin.list_group_offsets(group_id).get(group_id, {})
        lag = 0
        for tp, end in ends.items():
            offset = committed.get(tp)
            done = offset.offset if offset is not None and offset.offset >= 0 else 0
            lag += max(0, end - done)
        return lag

    def _count(self, index: str, **query: object) -> int:
        try:
            return int(self.client.count(index=self.settings.index(index), **query)["count"])
        except ApiError:
            return 0

    def snapshot(self) -> Progress:
        """Read everything once."""
        try:
            produced = {topic: sum(self._ends(topic).values())
                        for topic in ("crawl.jobs", "posts.raw", "posts.enriched", "alerts", "deadletter")}
            lag = {group: self._lag(group, topic) for group, topic in STAGES}
        except KafkaError:
            produced, lag = {}, {group: -1 for group, _ in STAGES}
        alerts = {}
        for status in ("sent", "pending", "failed"):
            alerts[status] = self._count("alerts", query={"term": {"status": status}})
        return Progress(produced=produced, lag=lag, indexed=self._count("posts"), alerts=alerts,
                        dead_letters=produced.get("deadletter", 0))

    def close(self) -> None:
        """Close the Kafka clients."""
        self.admin.close()
        self.consumer.close()
