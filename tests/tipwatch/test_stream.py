"""The Kafka adapter against the real broker: round trip, commit after the sink, dead letters."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tipwatch.config import Settings
from tipwatch.contract import ContractError, parse_raw
from tipwatch.errors import BrokerUnavailable
from tipwatch.setup import create_topics
from tipwatch.stream import ConsumerLoop, Message, Producer, Rejected, Retryable
from tipwatch.stream.deadletter_tools import read_dead_letters, replay

ROOT = Path(__file__).resolve().parents[2]


class CollectSink:
    """Keeps every message it is given; optionally fails the first ``fail_times`` calls."""

    def __init__(self, fail_times: int = 0) -> None:
        self.messages: list[Message] = []
        self.fail_times = fail_times
        self.calls = 0

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        self.calls += 1
        if self.calls <= self.fail_times:
            raise Retryable("sink down (test)")
        self.messages.extend(batch)
        return []


class ContractSink(CollectSink):
    """Rejects anything that is not a valid raw record."""

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        rejected = []
        for message in batch:
            try:
                parse_raw(message.value or b"")
                self.messages.append(message)
            except ContractError as exc:
                rejected.append(Rejected(message, f"contract: {exc.reason}"))
        return rejected


def produce(settings: Settings, values: list[bytes], topic: str = "posts.raw") -> None:
    with Producer(settings) as producer:
        for i, value in enumerate(values):
            producer.send(settings.topic(topic), value=value, key=f"k{i}".encode())
        producer.flush()


def consume(settings: Settings, sink: CollectSink, group: str = "it", **run: object) -> ConsumerLoop:
    loop = ConsumerLoop(settings, group=group, topics=[settings.topic("posts.raw")], stage="test", sink=sink)
    loop.run(**{"idle_timeout_s": 4.0, **run})
    return loop


def test_round_trip_commits_after_the_sink(stack_settings: Settings) -> None:
    assert all(create_topics(stack_settings).values())
    assert not any(create_topics(stack_settings).values()), "setup must be idempotent"
    values = [f"message {i}".encode() for i in range(50)]
    delivered: list[object] = []
    with Producer(stack_settings) as producer:
        for value in values:
            producer.send(stack_settings.topic("posts.raw"), value=value,
                          on_delivery=lambda err, meta: delivered.append(err or meta))
        producer.flush()
    assert len(delivered) == 50 and all(not isinstance(d, Exception) for d in delivered)
    first = CollectSink()
    stats = consume(stack_settings, first).stats
    assert sorted(m.value for m in first.messages) == sorted(values)
    assert stats.messages == 50 and stats.commits >= 1
    again = CollectSink()
    consume(stack_settings, again, idle_timeout_s=3.0)
    assert again.messages == [], "committed messages must not be re-delivered to the same group"


def test_the_group_is_joined_once_every_partition_is_known(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    loop = ConsumerLoop(stack_settings, group="join", topics=[stack_settings.topic("posts.raw")], stage="test",
                        sink=CollectSink())
    try:
        assert loop.await_metadata() == []
        deadline = time.monotonic() + 30
        while not loop.consumer.assignment() and time.monotonic() < deadline:
            loop.consumer.poll(timeout_ms=200)  # the first poll joins the group
        assert {tp.partition for tp in loop.consumer.assignment()} == set(range(stack_settings.kafka.partitions))
    finally:
        loop.close()


def test_a_topic_without_partitions_is_named_after_the_wait(stack_settings: Settings,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    missing = stack_settings.topic("not-set-up")
    loop = ConsumerLoop(stack_settings, group="join", topics=[missing], stage="test", sink=CollectSink())
    try:
        started = time.monotonic()
        assert loop.await_metadata(timeout_s=1.0) == [missing]
        assert time.monotonic() - started < 10
    finally:
        loop.close()
    assert f"test: no partitions known for {missing} after 1 s" in caplog.text and "'tipwatch setup'" in caplog.text


def test_retryable_sink_retries_the_same_batch(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    produce(stack_settings, [b"a", b"b", b"c"])
    sink = CollectSink(fail_times=2)
    loop = consume(stack_settings, sink)
    assert sorted(m.value for m in sink.messages) == [b"a", b"b", b"c"]
    assert loop.stats.retries == 2


class PrefetchSink(CollectSink):
    """Records what it was handed ahead (``prefetch``) and what it processed, in order."""

    def __init__(self, fail_times: int = 0) -> None:
        super().__init__(fail_times)
        self.events: list[tuple[str, tuple[int, ...]]] = []

    def prefetch(self, batch: Sequence[Message]) -> None:
        self.events.append(("prefetch", tuple(m.offset for m in batch)))

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        self.events.append(("process", tuple(m.offset for m in batch)))
        return super().process(batch)


@pytest.mark.parametrize("fail_times", [0, 2])
def test_a_prefetching_sink_gets_the_next_batch_ahead_and_everything_once(
        stack_settings: Settings, fail_times: int) -> None:
    one = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(update={"partitions": 1})})
    create_topics(one)
    values = [f"m{i}".encode() for i in range(45)]
    produce(one, values)
    sink = PrefetchSink(fail_times)
    loop = ConsumerLoop(one, group="it", topics=[one.topic("posts.raw")], stage="test", sink=sink,
                        max_poll_records=10)
    stats = loop.run(idle_timeout_s=4.0)
    assert [m.value for m in sink.messages] == values, "every message once, in order"
    processed = [offsets for kind, offsets in sink.events if kind == "process"]
    prefetched = [offsets for kind, offsets in sink.events if kind == "prefetch"]
    batches = list(dict.fromkeys(processed))
    assert [o for batch in batches for o in batch] == list(range(45))
    assert len(processed) == len(batches) + fail_times and stats.retries == fail_times
    assert len(batches) >= 5 and stats.commits == len(batches)
    assert stats.first_batch_s is not None and 0 <= stats.first_batch_s < 60
    assert set(prefetched) == set(batches[1:]), "every batch after the first was handed over ahead"
    for batch in prefetched:  # ahead: while the batch before it was being written
        assert sink.events.index(("prefetch", batch)) < sink.events.index(("process", batch))
    again = CollectSink()
    consume(one, again, idle_timeout_s=3.0)
    assert again.messages == [], "every batch was committed"


def test_stopping_drops_the_batch_polled_ahead_uncommitted(stack_settings: Settings) -> None:
    one = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(update={"partitions": 1})})
    create_topics(one)
    values = [f"m{i}".encode() for i in range(30)]
    produce(one, values)
    sink = PrefetchSink()
    loop = ConsumerLoop(one, group="it", topics=[one.topic("posts.raw")], stage="test", sink=sink,
                        max_poll_records=10)
    stats = loop.run(idle_timeout_s=4.0, on_batch=lambda _stats: loop.stop())
    (first,) = [offsets for kind, offsets in sink.events if kind == "process"]
    (ahead,) = [offsets for kind, offsets in sink.events if kind == "prefetch"]
    assert stats.commits == 1 and ahead[0] == first[-1] + 1, "the next batch was polled, then dropped"
    again = CollectSink()
    consume(one, again, idle_timeout_s=3.0)
    assert [m.value for m in again.messages] == values[len(first):], "delivered again: it was not committed"


def test_consumer_killed_before_commit_gets_the_batch_again(stack_settings: Settings, tmp_path: Path) -> None:
    create_topics(stack_settings)
    values = [f"m{i}".encode() for i in range(20)]
    produce(stack_settings, values)
    seen = tmp_path / "seen.json"
    child = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("consumer_that_dies.py")), stack_settings.model_dump_json(),
         str(seen)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    died_with = json.loads(seen.read_text())
    assert died_with, "the dying consumer saw a batch"
    survivor = CollectSink()
    consume(stack_settings, survivor, idle_timeout_s=stack_settings.kafka.session_timeout_ms / 1000 + 10)
    got = {(m.partition, m.offset) for m in survivor.messages}
    assert {tuple(p) for p in died_with} <= got, "the uncommitted batch was re-delivered"
    assert sorted(m.value for m in survivor.messages) == sorted(values)


def test_poison_messages_go_to_the_dead_letter_topic(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    poison = [b"\xff\xfe not utf-8", b"{not json", json.dumps({"schema": "tipwatch.post/1"}).encode()]
    produce(stack_settings, poison)
    sink = ContractSink()
    loop = consume(stack_settings, sink)
    assert sink.messages == [] and loop.stats.rejected == 3
    letters = list(read_dead_letters(stack_settings))
    assert sorted(letter.value for letter in letters) == sorted(poison), "original bytes untouched"
    reasons = {letter.value: letter.reason for letter in letters}
    assert "not UTF-8" in reasons[poison[0]]
    assert "not JSON" in reasons[poison[1]]
    assert "id: Field required" in reasons[poison[2]]
    for letter in letters:
        assert letter.stage == "test"
        assert letter.original_topic == stack_settings.topic("posts.raw")
        assert letter.original_offset >= 0
    assert replay(stack_settings, select=lambda letter: b"not json" in letter.value) == 1
    again = CollectSink()
    consume(stack_settings, again, group="replay-check")
    assert [m.value for m in again.messages].count(b"{not json") == 2
    assert any(m.header("replayed_from") for m in again.messages)


def test_a_record_over_the_size_limit_is_dead_lettered_truncated_and_not_replayed(stack_settings: Settings) -> None:
    create_topics(stack_settings)  # topics accept 8 MiB; this deployment's limit is 64 KiB
    small = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(
        update={"max_message_bytes": 64 * 1024})})
    huge = b'{"text": "' + b"x" * 300_000 + b'"}'
    with Producer(stack_settings) as foreign:  # a producer with a larger limit, e.g. another team's
        foreign.send(stack_settings.topic("posts.raw"), value=huge, key=b"huge")
        foreign.send(stack_settings.topic("posts.raw"), value=b"fine", key=b"fine")
    sink = CollectSink()
    loop = consume(small, sink)
    assert [m.value for m in sink.messages] == [b"fine"] and loop.stats.rejected == 1
    (letter,) = read_dead_letters(small)
    assert letter.reason == f"too large: {len(huge)} bytes, over kafka.max_message_bytes (65536)"
    assert letter.truncated and letter.original_bytes == len(huge)
    assert huge.startswith(letter.value) and 32 * 1024 < len(letter.value) < 64 * 1024
    skipped: list = []
    assert replay(small, select=lambda _: True, skipped=skipped) == 0 and skipped == [letter]


def test_stop_finishes_the_batch_and_commits(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    produce(stack_settings, [b"x"] * 10)
    sink = CollectSink()
    loop = ConsumerLoop(stack_settings, group="it", topics=[stack_settings.topic("posts.raw")], stage="test",
                        sink=sink)
    timer = threading.Timer(6.0, loop.stop)
    timer.start()
    stats = loop.run()
    timer.cancel()
    assert stats.messages == 10 and stats.commits >= 1


def test_unreachable_broker_is_one_clear_sentence(stack_settings: Settings) -> None:
    dead = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(
        update={"bootstrap_servers": ["127.0.0.1:1"], "connect_timeout_s": 2.0})})
    with pytest.raises(BrokerUnavailable, match=r"cannot reach Kafka at 127\.0\.0\.1:1"):
        Producer(dead)
