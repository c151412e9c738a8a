"""The tipwatch producer: acks=all, idempotent, non-blocking sends with delivery callbacks, flush on close."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError

from tipwatch.config.settings import Settings
from tipwatch.stream.connection import kafka_options, unreachable
from tipwatch.stream.errors import DeliveryFailed
from tipwatch.stream.sizing import RecordTooLarge

log = logging.getLogger(__name__)

DeliveryCallback = Callable[[Exception | None, Any], None]
"""Called once per record from the producer's I/O thread: (error or None, metadata or None)."""


class Producer:
    """Sends records without blocking; failures are counted and reported by ``flush``."""

    def __init__(self, settings: Settings, *, role: str = "producer", **overrides: Any) -> None:
        self.settings = settings
        options = {
            **kafka_options(settings, role),
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "max_request_size": settings.kafka.max_message_bytes,
            "retries": 2**31 - 1,
            "delivery_timeout_ms": 120_000,
            **overrides,
        }
        try:
            self._producer = KafkaProducer(**options)
        except KafkaError as exc:
            raise unreachable(settings, exc) from exc
        self._lock = threading.Lock()
        self._failures: list[str] = []
        self.sent = 0
        self.delivered = 0

    def send(self, topic: str, value: bytes, key: bytes | None = None,
             headers: Sequence[tuple[str, bytes]] = (), on_delivery: DeliveryCallback | None = None) -> Any:
        """Queue one record; returns at once. ``on_delivery`` runs when the broker acknowledges it.

        Raises ``RecordTooLarge`` (a permanent problem: dead-letter or shorten, never retry) for a
        record over ``kafka.max_message_bytes``."""
        try:
            future = self._producer.send(topic, value=value, key=key, headers=list(headers))
        except MessageSizeTooLargeError as exc:
            size = len(value) + len(key or b"") + sum(len(k) + len(v) for k, v in headers)
            raise RecordTooLarge(topic, size, self.settings.kafka.max_message_bytes) from exc
        except KafkaTimeoutError as exc:
            self._record_failure(f"{topic}: buffer full or metadata unavailable ({exc})")
            if on_delivery:
                on_delivery(exc, None)
            return None
        self.sent += 1
        future.add_callback(self._on_success, on_delivery)
        future.add_errback(self._on_error, topic, on_delivery)
        return future

    def _on_success(self, on_delivery: DeliveryCallback | None, metadata: Any) -> None:
        with self._lock:
            self.delivered += 1
        if on_delivery:
            on_delivery(None, metadata)

    def _on_error(self, topic: str, on_delivery: DeliveryCallback | None, error: Exception) -> None:
        self._record_failure(f"{topic}: {type(error).__name__}: {error}")
        if on_delivery:
            on_delivery(error, None)

    def _record_failure(self, text: str) -> None:
        with self._lock:
            self._failures.append(text)
        log.warning("delivery failed: %s", text)

    def flush(self, timeout_s: float | None = 60.0) -> None:
        """Wait until every queued record is acknowledged; DeliveryFailed if any failed since last flush."""
        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaTimeoutError as exc:
            self._record_failure(f"flush timed out after {timeout_s} s ({exc})")
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            raise DeliveryFailed(failures)

    def close(self, timeout_s: float = 30.0) -> None:
        """Flush what is queued, then close; failures are logged, not raised."""
        try:
            self.flush(timeout_s)
        except DeliveryFailed as exc:
            log.error("closing with undelivered records: %s", exc)
        try:
            self._producer.close(timeout=timeout_s)
        except KafkaError as exc:
            log.warning("producer close: %s", exc)

    def __enter__(self) -> Producer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
