"""``tipwatch enrich`` on Kafka: consumer group ``enrich`` reads ``posts.raw``, writes ``posts.enriched``.

Offsets are committed only after every enriched record of the batch is acknowledged by the
broker; a record that is not valid JSON, breaks the contract, or cannot be enriched goes to the
dead-letter topic with the reason and the worker keeps going. An enriched record over
``kafka.max_message_bytes`` (``text_tokens`` repeats the text) is shortened — ``text_tokens`` first,
then ``text`` — and counted as truncated, never lost or retried forever.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from tipwatch.config import Settings, load_settings
from tipwatch.contract import ContractError, EnrichedPost, RawPost, parse_raw
from tipwatch.stream import (
    ConsumerLoop,
    LoopStats,
    Message,
    Producer,
    RecordTooLarge,
    Rejected,
    fit,
    record_limit,
    stop_on_signals,
)

log = logging.getLogger(__name__)

Enrich = Callable[[RawPost], EnrichedPost]


class EnrichSink:
    """Enriches a batch and produces it to ``posts.enriched`` with the same keys, then flushes."""

    def __init__(self, settings: Settings, producer: Producer, enrich: Enrich) -> None:
        self.topic = settings.topic("posts.enriched")
        self.producer = producer
        self.enrich = enrich
        self.max_bytes = record_limit(settings)
        self.enriched = 0
        self.truncated = 0

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        """Enrich each message; invalid ones are returned as rejected with the reason."""
        rejected: list[Rejected] = []
        for message in batch:
            if message.value is None:
                rejected.append(Rejected(message, "empty message (tombstone)"))
                continue
            try:
                raw = parse_raw(message.value)
            except ContractError as exc:
                rejected.append(Rejected(message, f"contract: {exc.reason}"))
                continue
            try:
                enriched = self.enrich(raw)
            except (ValueError, RuntimeError, UnicodeError) as exc:
                rejected.append(Rejected(message, f"enrichment failed: {type(exc).__name__}: {exc}"))
                continue
            key = message.key if message.key is not None else raw.id.encode()
            value, _, shortened = fit(enriched, self.max_bytes, ("text_tokens", "text"))
            if shortened:
                self.truncated += 1
                log.warning("enriched record %s shortened to fit kafka.max_message_bytes: %d bytes",
                            raw.id, len(value))
            try:
                self.producer.send(self.topic, value=value, key=key)
            except RecordTooLarge as exc:
                rejected.append(Rejected(message, f"enriched record too large: {exc}"))
                continue
            self.enriched += 1
        self.producer.flush()
        return rejected


def build_loop(settings: Settings, enrich: Enrich) -> ConsumerLoop:
    """The enrichment consumer loop (group ``enrich``)."""
    producer = Producer(settings, role="enrich")
    sink = EnrichSink(settings, producer, enrich)
    return ConsumerLoop(settings, group="enrich", topics=[settings.topic("posts.raw")], stage="enrich",
                        sink=sink, producer=producer)


def run_consumer(args: argparse.Namespace) -> int:
    """Entry of ``tipwatch enrich`` without ``--input``: run until SIGTERM/SIGINT (or idle timeout)."""
    from pipelines.enrich.enricher import Enricher

    settings = load_settings()
    config = Path(getattr(args, "config", None) or "config")
    enricher = Enricher.from_config(config)
    loop = build_loop(settings, enricher.enrich)
    stop_on_signals(loop)
    idle = getattr(args, "idle_exit", None)
    stats: LoopStats = loop.run(idle_timeout_s=idle)
    log.info("enrich: %d messages, %d dead-lettered, %d batches", stats.messages, stats.rejected, stats.batches)
    return 0
