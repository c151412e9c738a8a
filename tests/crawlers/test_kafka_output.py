"""RecordWriter: non-blocking sends, delivery callbacks, spooling of what Kafka did not take, the pause
after a send that could not even be queued, and the flush at close."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from crawlers.kafka_output import RecordWriter, WriterCounts
from crawlers.spool import Spool, SpooledRecord
from tipwatch.stream import DeliveryFailed

Callback = Callable[[Exception | None, Any], None]


class FakeProducer:
    """Holds sends until the test acknowledges or fails them; ``queueable=False`` is a broker gone away."""

    def __init__(self) -> None:
        self.pending: list[tuple[SpooledRecord, Callback]] = []
        self.queueable = True
        self.refuse: Exception | None = None
        self.closed = False
        self.sends = 0

    def send(self, topic: str, value: bytes, key: bytes | None = None, headers: Sequence[tuple[str, bytes]] = (),
             on_delivery: Callback | None = None) -> Any:
        assert on_delivery is not None
        self.sends += 1
        if self.refuse is not None:
            raise self.refuse
        if not self.queueable:
            on_delivery(KafkaTimeoutError("no metadata"), None)
            return None
        self.pending.append((SpooledRecord(topic, value, key, tuple(headers)), on_delivery))
        return object()

    def settle(self, error: Exception | None = None) -> None:
        pending, self.pending = self.pending, []
        for _record, callback in pending:
            callback(error, None if error else {"offset": 1})

    def flush(self, timeout_s: float | None = 60.0) -> None:
        if self.pending and not self.queueable:
            raise DeliveryFailed(["flush timed out"])

    def close(self, timeout_s: float = 30.0) -> None:
        self.closed = True


def record(n: int) -> SpooledRecord:
    return SpooledRecord("t.posts.raw", f'{{"id":"{n}"}}'.encode(), str(n).encode())


def spooled(spool: Spool) -> list[SpooledRecord]:
    path = spool.close()
    return Spool.read(path)[0] if path else []


def test_acknowledged_records_are_counted_failed_ones_spooled(tmp_path: Path) -> None:
    producer, spool = FakeProducer(), Spool(tmp_path)
    writer = RecordWriter(producer, spool)
    writer.send(record(1))
    writer.send(record(2))
    producer.settle()
    writer.send(record(3))
    producer.settle(KafkaTimeoutError("expired after delivery.timeout.ms"))

    assert writer.counts == WriterCounts(sent=3, delivered=2, spooled=1)
    assert spooled(spool) == [record(3)]


def test_close_spools_what_is_still_unacknowledged_and_closes_the_producer(tmp_path: Path) -> None:
    producer, spool = FakeProducer(), Spool(tmp_path)
    writer = RecordWriter(producer, spool)
    writer.send(record(1))
    producer.queueable = False  # the broker went away with record 1 in flight

    counts = writer.close(timeout_s=0.1)

    assert counts == WriterCounts(sent=1, spooled=1)
    assert producer.closed
    assert Spool.read(next(tmp_path.glob("*.jsonl")))[0] == [record(1)]
    producer.settle()  # a late acknowledgement after close changes nothing
    assert writer.counts == counts


def test_a_send_that_cannot_be_queued_pauses_sending_for_a_while(tmp_path: Path) -> None:
    now = [100.0]
    producer, spool = FakeProducer(), Spool(tmp_path)
    writer = RecordWriter(producer, spool, pause_s=30.0, clock=lambda: now[0])
    producer.queueable = False
    writer.send(record(1))
    writer.send(record(2))  # paused: spooled without asking the producer
    assert producer.sends == 1

    now[0] += 31
    producer.queueable = True
    writer.send(record(3), resent=True)
    producer.settle()

    assert producer.sends == 2
    assert writer.counts == WriterCounts(sent=2, delivered=1, spooled=2, resent=1)
    assert spooled(spool) == [record(1), record(2)]


def test_a_refused_record_is_spooled_not_lost(tmp_path: Path) -> None:
    producer, spool = FakeProducer(), Spool(tmp_path)
    producer.refuse = MessageSizeTooLargeError("too large")
    writer = RecordWriter(producer, spool)
    writer.send(record(1))

    assert writer.counts == WriterCounts(sent=1, spooled=1)


def test_a_record_that_cannot_be_spooled_either_is_counted_lost(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    producer = FakeProducer()
    writer = RecordWriter(producer, Spool(blocker))
    writer.send(record(1))
    producer.settle(KafkaTimeoutError("expired"))

    assert writer.counts == WriterCounts(sent=1, lost=1)
