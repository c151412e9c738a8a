"""Reading and replaying the dead-letter topic (``tipwatch deadletter list | replay``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from tipwatch.config.settings import Settings
from tipwatch.errors import BrokerUnavailable
from tipwatch.stream.connection import kafka_options
from tipwatch.stream.producer import Producer


@dataclass(frozen=True)
class DeadLetterRecord:
    """One dead letter with its reason and origin."""

    partition: int
    offset: int
    stage: str
    reason: str
    original_topic: str
    original_partition: int
    original_offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    original_bytes: int
    """Size of the record that was refused (more than ``len(value)`` when ``truncated``)."""
    truncated: bool = False
    """Only the first bytes of a record too large to copy are kept; such a letter cannot be replayed."""


def _decode(record) -> DeadLetterRecord:
    headers = {k: v for k, v in (record.headers or [])}

    def text(name: str) -> str:
        return headers.get(name, b"").decode("utf-8", "replace")

    return DeadLetterRecord(
        partition=record.partition, offset=record.offset, stage=text("stage"), reason=text("reason"),
        original_topic=text("original_topic"), original_partition=int(text("original_partition") or -1),
        original_offset=int(text("original_offset") or -1), key=record.key, value=record.value or b"",
        headers=tuple(record.headers or ()), truncated=text("truncated") == "true",
        original_bytes=int(text("original_bytes") or len(record.value or b"")),
    )


def read_dead_letters(settings: Settings, *, timeout_s: float = 5.0) -> Iterator[DeadLetterRecord]:
    """Every dead letter currently in the topic, oldest first per partition (no group, no commit)."""
    topic = settings.topic("deadletter")
    try:
        consumer = KafkaConsumer(**kafka_options(settings, "deadletter-reader"), enable_auto_commit=False,
                                 consumer_timeout_ms=int(timeout_s * 1000))
    except KafkaError as exc:
        raise BrokerUnavailable(f"cannot reach Kafka to read {topic}: {exc}") from exc
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        remaining = {tp: end for tp, end in ends.items() if end > 0}
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp]:
                        yield _decode(record)
                    if record.offset + 1 >= ends[tp]:
                        remaining.pop(tp, None)
    finally:
        consumer.close()


def replay(settings: Settings, *, select: Callable[[DeadLetterRecord], bool],
           skipped: list[DeadLetterRecord] | None = None) -> int:
    """Re-send selected dead letters to their original topic, unchanged; how many were sent.
    Truncated letters are not re-sent (only their head was kept); they are added to ``skipped``."""
    producer = Producer(settings, role="deadletter-replay")
    sent = 0
    try:
        for letter in read_dead_letters(settings):
            if not select(letter) or not letter.original_topic:
                continue
            if letter.truncated:
                if skipped is not None:
                    skipped.append(letter)
                continue
            headers = [(k, v) for k, v in letter.headers if k.startswith("original_header_")]
            headers = [(k.removeprefix("original_header_"), v) for k, v in headers]
            headers.append(("replayed_from", f"{letter.partition}:{letter.offset}".encode()))
            producer.send(letter.original_topic, value=letter.value, key=letter.key, headers=headers)
            sent += 1
        producer.flush()
    finally:
        producer.close()
    return sent
