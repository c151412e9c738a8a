"""``tipwatch enrich`` on the real broker: raw in, enriched out with the same key, poison dead-lettered."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipelines.enrich.consumer import build_loop
from pipelines.enrich.enricher import Enricher
from tests.factories import make_raw
from tipwatch.config import Settings
from tipwatch.contract import parse_enriched
from tipwatch.setup import create_topics
from tipwatch.stream import ConsumerLoop, Message, Producer, RecordTooLarge, Rejected
from tipwatch.stream.deadletter_tools import read_dead_letters

ROOT = Path(__file__).resolve().parents[3]


class Keep:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        self.messages.extend(batch)
        return []


def test_enrich_consumer_end_to_end(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    posts = [
        make_raw(text="รับสมัครพนักงานแอดมินออนไลน์ ทำงานที่กัมพูชา เงินเดือนสูง ติดต่อ Telegram @hr_jenny88",
                 country="TH", source_id="demo-th"),
        make_raw(text="Hiring a certified accountant in Manila. Email hr@acme.example. Call +63 917 555 0123.",
                 source_id="demo-ph"),
    ]
    with Producer(stack_settings) as producer:
        for post in posts:
            producer.send(stack_settings.topic("posts.raw"), value=post.to_json(), key=post.id.encode())
        producer.send(stack_settings.topic("posts.raw"), value=b"{definitely not json", key=b"bad")
        producer.flush()
    loop = build_loop(stack_settings, Enricher.from_config(ROOT / "config").enrich)
    stats = loop.run(idle_timeout_s=5.0)
    assert stats.messages == 3 and stats.rejected == 1, stats

    out = Keep()
    ConsumerLoop(stack_settings, group="check", topics=[stack_settings.topic("posts.enriched")], stage="test",
                 sink=out).run(idle_timeout_s=4.0)
    enriched = {m.key: parse_enriched(m.value or b"") for m in out.messages}
    assert set(enriched) == {post.id.encode() for post in posts}, "same keys as the raw records"
    thai = enriched[posts[0].id.encode()]
    assert thai.language.code == "th"
    assert any(c.kind == "telegram" and c.value == "hr_jenny88" for c in thai.contacts)
    assert thai.risk.level == "high", thai.indicators
    manila = enriched[posts[1].id.encode()]
    assert manila.language.code == "en"
    assert {("email", "hr@acme.example"), ("phone", "+639175550123")} <= {(c.kind, c.value) for c in manila.contacts}
    assert manila.risk.level == "low"
    letters = list(read_dead_letters(stack_settings))
    assert [(letter.stage, letter.value) for letter in letters] == [("enrich", b"{definitely not json")]
    assert "not JSON" in letters[0].reason


def test_an_enriched_record_over_the_size_limit_is_shortened_not_lost(stack_settings: Settings) -> None:
    settings = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(
        update={"max_message_bytes": 64 * 1024})})
    create_topics(settings)
    long_thai = make_raw(text="รับสมัครพนักงานแอดมินออนไลน์ทำงานที่กัมพูชาเงินเดือนสูง " * 250, source_id="demo-th")
    small = make_raw(text="Hiring a certified accountant in Manila.", source_id="demo-ph")
    assert len(long_thai.to_json()) < 64 * 1024 - 16 * 1024, "the raw record itself fits"
    with Producer(settings) as producer:
        for post in (long_thai, small):
            producer.send(settings.topic("posts.raw"), value=post.to_json(), key=post.id.encode())
    loop = build_loop(settings, Enricher.from_config(ROOT / "config").enrich)
    stats = loop.run(idle_timeout_s=5.0)
    assert stats.messages == 2 and stats.rejected == 0, stats
    assert loop.sink.truncated == 1  # type: ignore[attr-defined]

    out = Keep()
    ConsumerLoop(settings, group="check", topics=[settings.topic("posts.enriched")], stage="test",
                 sink=out).run(idle_timeout_s=4.0)
    sizes = {m.key: len(m.value or b"") for m in out.messages}
    enriched = {m.key: parse_enriched(m.value or b"") for m in out.messages}
    shortened = enriched[long_thai.id.encode()]
    assert shortened.text == long_thai.text, "the text is kept whole"
    assert 0 < len(shortened.text_tokens) < len(long_thai.text), "text_tokens shortened"
    assert sizes[long_thai.id.encode()] <= 64 * 1024 - 16 * 1024, sizes
    assert enriched[small.id.encode()].text == small.text
    assert list(read_dead_letters(settings)) == []


def test_producer_names_the_setting_for_a_record_too_large(stack_settings: Settings) -> None:
    settings = stack_settings.model_copy(update={"kafka": stack_settings.kafka.model_copy(
        update={"max_message_bytes": 2048})})
    create_topics(settings)
    with Producer(settings) as producer:
        try:
            producer.send(settings.topic("posts.raw"), value=b"x" * 10_000)
        except RecordTooLarge as exc:
            assert "kafka.max_message_bytes (2048 bytes)" in str(exc) and exc.size >= 10_000
        else:
            raise AssertionError("a 10 kB record was accepted under a 2 kB limit")


def test_a_record_the_producer_still_refuses_is_rejected_with_the_reason(stack_settings: Settings) -> None:
    from pipelines.enrich.consumer import EnrichSink

    class Refusing:
        def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
            raise RecordTooLarge(topic, len(value), 1024)

        def flush(self) -> None:
            pass

    post = make_raw(text="Hiring a certified accountant in Manila.", source_id="demo-ph")
    sink = EnrichSink(stack_settings, Refusing(), Enricher.from_config(ROOT / "config").enrich)  # type: ignore[arg-type]
    (rejected,) = sink.process([Message("posts.raw", 0, 7, post.to_json())])
    assert rejected.reason.startswith("enriched record too large: record of ") and "kafka.max_message_bytes" in \
        rejected.reason and sink.enriched == 0
