"""The consumer loop every worker runs: poll a batch, hand it to a sink, dead-letter rejects,
flush, and only then commit offsets (at-least-once by construction).

A sink raising ``Retryable`` (server down, 429) pauses consumption and retries the same batch
with exponential backoff; nothing is committed meanwhile. SIGTERM/SIGINT finish the batch in
hand, commit it and stop.

A sink with a ``prefetch`` method (``PrefetchingSink``) gets the next batch polled while it writes
the current one, so it can start the stateless part of its work early (the indexer validates the
next batch while the current one is written). That batch is handled next; it is committed only
after its own ``process`` returned, like any other. Stopping drops it uncommitted: it is delivered
again. While the current batch is written, the poll waits for records up to ``poll_timeout_ms``,
so its commit can come that much later when the topic is idle.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from tipwatch.config.settings import Settings
from tipwatch.stream.connection import kafka_options, unreachable
from tipwatch.stream.deadletter import DeadLetter
from tipwatch.stream.errors import DeliveryFailed, Retryable
from tipwatch.stream.message import Message, Rejected
from tipwatch.stream.producer import Producer

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Processes a batch and makes its results durable before returning."""

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        """Write the batch; return the messages to dead-letter. Raise Retryable to retry it all."""
        ...


class PrefetchingSink(Sink, Protocol):
    """A sink that can start on the next batch while it is still writing the current one."""

    def prefetch(self, batch: Sequence[Message]) -> None:
        """The batch ``process`` gets next (the same messages, in order, unless a retry intervenes);
        side-effect free: nothing may be written or committed for it yet."""
        ...


@dataclass
class LoopStats:
    """Counters of one loop, logged at the end."""

    batches: int = 0
    messages: int = 0
    rejected: int = 0
    retries: int = 0
    commits: int = 0
    first_batch_s: float | None = None
    """Seconds from ``run`` until the first batch arrived (joining the group, the first fetch)."""


METADATA_WAIT_S = 10.0
"""Longest wait for the topics' partitions before the first poll joins the group (``await_metadata``)."""


class ConsumerLoop:
    """Consumer group ``group`` over ``topics``, feeding ``sink``; stage name for dead letters."""

    def __init__(self, settings: Settings, *, group: str, topics: Sequence[str], stage: str, sink: Sink,
                 producer: Producer | None = None, **consumer_options: Any) -> None:
        self.settings = settings
        self.stage = stage
        self.sink = sink
        self.stats = LoopStats()
        self._stop = threading.Event()
        self._own_producer = producer is None
        self.producer = producer or Producer(settings, role=f"{stage}-deadletter")
        self.deadletter = DeadLetter(self.producer, settings, stage)
        self._ahead: list[Message] | None = None
        """The batch polled while the sink wrote the previous one (``PrefetchingSink``)."""
        self._runner: ThreadPoolExecutor | None = None
        options = {
            **kafka_options(settings, stage),
            "group_id": f"{settings.kafka.topic_prefix}{group}",
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": settings.kafka.max_poll_records,
            "session_timeout_ms": settings.kafka.session_timeout_ms,
            "heartbeat_interval_ms": max(1000, settings.kafka.session_timeout_ms // 3),
            "fetch_max_bytes": 64 * 1024 * 1024,
            "max_partition_fetch_bytes": 16 * 1024 * 1024,
            **consumer_options,
        }
        self.topics = list(topics)
        try:
            self.consumer = KafkaConsumer(*topics, **options)
        except KafkaError as exc:
            raise unreachable(settings, exc) from exc

    def await_metadata(self, timeout_s: float = METADATA_WAIT_S) -> list[str]:
        """Wait until the consumer knows the partitions of its topics (at most ``timeout_s``); the
        topics still unknown then, logged with what to do.

        kafka-python joins the group on the first poll. A member that joins before its topics'
        metadata arrived is assigned no partitions ("No partition metadata for topic …"), and one
        indexer was seen to stay so, idle, for six minutes (reliability suite). The metadata is
        fetched by the client's own network thread, so this only waits.
        """
        cluster = getattr(self.consumer, "_cluster", None)  # kafka-python's metadata cache (3.x)
        if cluster is None or not hasattr(cluster, "partitions_for_topic"):
            return []
        deadline = time.monotonic() + timeout_s
        while True:
            unknown = [topic for topic in self.topics if not cluster.partitions_for_topic(topic)]
            if not unknown or time.monotonic() >= deadline or self._stop.wait(0.05):
                break
        if unknown:
            log.warning("%s: no partitions known for %s after %.0f s; joining the group anyway (does the topic "
                        "exist? 'tipwatch setup' creates it)", self.stage, ", ".join(unknown), timeout_s)
        return unknown

    def stop(self) -> None:
        """Ask the loop to finish the batch in hand, commit and return."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once stop() was called."""
        return self._stop.is_set()

    def run(self, *, max_messages: int | None = None, idle_timeout_s: float | None = None,
            on_batch: Callable[[LoopStats], None] | None = None) -> LoopStats:
        """Loop until stopped, ``max_messages`` processed, or nothing arrived for ``idle_timeout_s``."""
        started = idle_since = time.monotonic()
        try:
            self.await_metadata()
            while not self._stop.is_set():
                batch, self._ahead = (self._ahead, None) if self._ahead is not None else (self._poll(), None)
                if not batch:
                    if idle_timeout_s is not None and time.monotonic() - idle_since >= idle_timeout_s:
                        break
                    continue
                idle_since = time.monotonic()
                if self.stats.first_batch_s is None:
                    self.stats.first_batch_s = idle_since - started
                last = max_messages is not None and self.stats.messages + len(batch) >= max_messages
                if not self._handle(batch, poll_ahead=not last):
                    break
                if on_batch:
                    on_batch(self.stats)
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
        finally:
            self.close()
        return self.stats

    def _poll(self) -> list[Message]:
        try:
            records = self.consumer.poll(timeout_ms=self.settings.kafka.poll_timeout_ms)
        except KafkaError as exc:
            log.warning("poll failed (%s); retrying", exc)
            self._stop.wait(1.0)
            return []
        batch = [
            Message(topic=r.topic, partition=r.partition, offset=r.offset, value=r.value, key=r.key,
                    headers=tuple((k, v) for k, v in (r.headers or [])), timestamp_ms=r.timestamp)
            for records_of_partition in records.values() for r in records_of_partition
        ]
        return batch

    def _split(self, batch: list[Message]) -> tuple[list[Rejected], list[Message]]:
        """Messages over ``kafka.max_message_bytes`` (rejected with the reason) and the others."""
        limit = self.settings.kafka.max_message_bytes
        oversized = [Rejected(m, f"too large: {len(m.value or b'')} bytes, over kafka.max_message_bytes ({limit})")
                     for m in batch if len(m.value or b"") > limit]
        return oversized, [m for m in batch if len(m.value or b"") <= limit] if oversized else batch

    def _process(self, accepted: list[Message], poll_ahead: bool) -> Sequence[Rejected]:
        """``sink.process``; for a ``PrefetchingSink`` in a helper thread while this one polls the
        next batch and hands it to ``prefetch`` (the consumer is only ever used by this thread)."""
        prefetch = getattr(self.sink, "prefetch", None)
        if not accepted:
            return []
        if prefetch is None or not poll_ahead or self._ahead is not None or self._stop.is_set():
            return self.sink.process(accepted)
        if self._runner is None:
            self._runner = ThreadPoolExecutor(1, thread_name_prefix=f"{self.stage}-sink")
        writing = self._runner.submit(self.sink.process, accepted)
        try:
            self._ahead = self._poll()
            if self._ahead:
                prefetch(self._split(self._ahead)[1])
        finally:
            rejected = writing.result()
        return rejected

    def _handle(self, batch: list[Message], *, poll_ahead: bool = False) -> bool:
        """Process, dead-letter, flush, commit. False when stopped before the batch was done."""
        backoff = 0.5
        paused = False
        oversized, accepted = self._split(batch)
        while True:
            try:
                rejected = [*oversized, *self._process(accepted, poll_ahead and not paused)]
                for item in rejected:
                    self.deadletter.send(item.message, item.reason)
                self.producer.flush()
                break
            except Retryable as exc:
                self.stats.retries += 1
                if not paused:
                    self.consumer.pause(*self.consumer.assignment())
                    paused = True
                log.warning("%s: %s; retrying the batch of %d in %.1f s", self.stage, exc, len(batch), backoff)
                if self._stop.wait(backoff):
                    return False
                self._keep_alive()
                backoff = min(backoff * 2, self.settings.kafka.retry_backoff_max_s)
        if paused:
            self.consumer.resume(*self.consumer.paused())
        self.stats.batches += 1
        self.stats.messages += len(batch)
        self.stats.rejected += len(rejected)
        self._commit(batch)
        return True

    def _keep_alive(self) -> None:
        """Poll while paused so the group does not evict this consumer during a long outage."""
        try:
            self.consumer.poll(timeout_ms=0)
        except KafkaError as exc:
            log.debug("keep-alive poll: %s", exc)

    def _commit(self, batch: list[Message]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for message in batch:
            tp = TopicPartition(message.topic, message.partition)
            if tp not in offsets or offsets[tp].offset <= message.offset:
                offsets[tp] = OffsetAndMetadata(message.offset + 1, "", -1)
        backoff = 0.5
        while True:
            try:
                self.consumer.commit(offsets=offsets)
                self.stats.commits += 1
                return
            except CommitFailedError as exc:
                log.warning("commit refused after a rebalance (%s); the batch will be re-delivered", exc)
                return
            except KafkaError as exc:
                log.warning("commit failed (%s); retrying in %.1f s", exc, backoff)
                if self._stop.wait(backoff):
                    return
                backoff = min(backoff * 2, self.settings.kafka.retry_backoff_max_s)

    def close(self) -> None:
        """Close the consumer (and the dead-letter producer if this loop made it)."""
        if self._runner is not None:
            self._runner.shutdown(wait=True)
            self._runner = None
        try:
            self.consumer.close(autocommit=False)
        except KafkaError as exc:
            log.warning("consumer close: %s", exc)
        if self._own_producer:
            self.producer.close()
        log.info("%s stopped: %s", self.stage, self.stats)


def stop_on_signals(loop: ConsumerLoop) -> None:
    """SIGTERM and SIGINT stop the loop gracefully (call from the main thread)."""

    def _handler(signum: int, _frame: object) -> None:
        log.info("%s: signal %d, finishing the batch in hand", loop.stage, signum)
        loop.stop()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)


__all__ = ["ConsumerLoop", "DeliveryFailed", "LoopStats", "PrefetchingSink", "Retryable", "Sink", "stop_on_signals"]
