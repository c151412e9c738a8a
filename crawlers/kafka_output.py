"""Kafka output without Scrapy: a broker check, the producer factory, and a writer that never loses a record.

``RecordWriter.send`` hands a record to the producer and returns at once; the delivery callback (on
the producer's I/O thread) either counts it delivered or spools it. When a send cannot even be
queued (no metadata, buffer full: the broker is gone), the writer spools directly for
``pause_s`` seconds instead of waiting on the broker again. ``close`` flushes, spools whatever is
still unacknowledged, and returns the counts. Records are re-sent from the spool at the next start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kafka.errors import KafkaError

from crawlers.spool import Spool, SpooledRecord
from tipwatch.config.settings import Settings
from tipwatch.errors import BrokerUnavailable, UserError
from tipwatch.stream import DeliveryFailed, Producer
from tipwatch.stream.connection import admin_client

log = logging.getLogger(__name__)


class TopicMissing(UserError):
    """The output topic does not exist (``tipwatch setup`` creates it)."""


class ProducerLike(Protocol):
    """What the writer needs of ``tipwatch.stream.Producer`` (tests wrap a real one to inject faults)."""

    def send(self, topic: str, value: bytes, key: bytes | None = None, headers: Sequence[tuple[str, bytes]] = (),
             on_delivery: Callable[[Exception | None, Any], None] | None = None) -> Any: ...

    def flush(self, timeout_s: float | None = 60.0) -> None: ...

    def close(self, timeout_s: float = 30.0) -> None: ...


LINGER_MS = 200
"""Records wait up to this long to share a batch: a crawl is not latency-bound, and fewer batches mean
fewer wake-ups of the producer's I/O thread (each one costs the crawler's thread the GIL)."""


def make_producer(settings: Settings, *, max_block_ms: int = 2000) -> Producer:
    """The crawlers' producer (``KAFKA_PRODUCER_FACTORY``): a send waits at most ``max_block_ms``."""
    return Producer(settings, role="crawler", max_block_ms=max_block_ms, linger_ms=LINGER_MS)


def check_topic(settings: Settings, topic: str) -> None:
    """Fail fast, in one sentence, when Kafka is unreachable or ``topic`` does not exist."""
    servers = ", ".join(settings.kafka.bootstrap_servers)
    admin = admin_client(settings, "crawler-check")
    try:
        topics = set(admin.list_topics())
    except KafkaError as exc:
        raise BrokerUnavailable(f"Kafka at {servers} does not answer ({type(exc).__name__})") from exc
    finally:
        admin.close()
    if topic not in topics:
        raise TopicMissing(f"Kafka topic {topic!r} does not exist at {servers}; create it with 'tipwatch setup'")


@dataclass(frozen=True)
class WriterCounts:
    """What happened to the records handed to a writer."""

    sent: int = 0
    delivered: int = 0
    spooled: int = 0
    resent: int = 0
    lost: int = 0
    """Records that could neither be delivered nor spooled (the spool folder is unwritable)."""


class RecordWriter:
    """Non-blocking sends with delivery callbacks; undelivered records go to the spool (thread-safe)."""

    def __init__(self, producer: ProducerLike, spool: Spool, *, pause_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.producer = producer
        self.spool = spool
        self.pause_s = pause_s
        self.clock = clock
        self._lock = threading.Lock()
        self._pending: dict[int, SpooledRecord] = {}
        self._next = 0
        self._paused_until = 0.0
        self._counts = {"sent": 0, "delivered": 0, "spooled": 0, "resent": 0, "lost": 0}

    @property
    def counts(self) -> WriterCounts:
        """A snapshot of the counters."""
        with self._lock:
            return WriterCounts(**self._counts)

    def send(self, record: SpooledRecord, *, resent: bool = False) -> None:
        """Queue one record for Kafka; returns at once."""
        with self._lock:
            if resent:
                self._counts["resent"] += 1
            paused = self.clock() < self._paused_until
            sequence = self._next
            if not paused:
                self._next += 1
                self._pending[sequence] = record
                self._counts["sent"] += 1
        if paused:
            self._spool(record)
            return
        try:
            future = self.producer.send(record.topic, value=record.value, key=record.key, headers=record.headers,
                                        on_delivery=lambda error, _metadata: self._delivered(sequence, error))
        except KafkaError as exc:  # refused before queueing (e.g. too large): keep it for a later run
            log.error("Kafka refused a record for %s: %s", record.topic, exc)
            self._delivered(sequence, exc)
            return
        if future is None:  # could not be queued: the broker is away
            with self._lock:
                self._paused_until = self.clock() + self.pause_s
            log.warning("Kafka cannot take records now; spooling for %.0f s before trying again", self.pause_s)

    def _delivered(self, sequence: int, error: Exception | None) -> None:
        with self._lock:
            record = self._pending.pop(sequence, None)
            if record is not None and error is None:
                self._counts["delivered"] += 1
        if record is not None and error is not None:
            self._spool(record)

    def _spool(self, record: SpooledRecord) -> None:
        try:
            self.spool.append(record)
        except OSError as exc:
            log.error("a record for %s could neither be delivered nor spooled to %s: %s",
                      record.topic, self.spool.directory, exc)
            with self._lock:
                self._counts["lost"] += 1
            return
        with self._lock:
            self._counts["spooled"] += 1

    def close(self, timeout_s: float = 60.0) -> WriterCounts:
        """Flush (blocking: call it off the reactor thread), spool what is still unacknowledged, close."""
        try:
            self.producer.flush(timeout_s)
        except DeliveryFailed as exc:
            log.warning("closing the Kafka output: %s (spooled)", exc)
        with self._lock:
            leftovers = list(self._pending.values())
            self._pending.clear()
        for record in leftovers:
            self._spool(record)
        try:
            self.spool.close()
        except OSError as exc:
            log.error("the spool file %s cannot be made durable: %s", self.spool.path, exc)
        self.producer.close(timeout_s=min(timeout_s, 5.0))
        return self.counts
