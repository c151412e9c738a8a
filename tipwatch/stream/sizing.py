"""Records that fit ``kafka.max_message_bytes``: shorten long text fields rather than lose a record.

The crawler shortens a raw post's ``text``; enrichment first shortens ``text_tokens`` (a search
aid derived from the text), then ``text``. ``RecordTooLarge`` is what ``Producer.send`` raises for
a record that still does not fit: a permanent problem, to be dead-lettered, not retried.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, Self, TypeVar

from tipwatch.config.settings import Settings

HEADROOM_BYTES = 16 * 1024
"""Room left under ``kafka.max_message_bytes`` for headers and batch overhead."""


class RecordTooLarge(ValueError):
    """A record over ``kafka.max_message_bytes``; the message names its size and the setting."""

    def __init__(self, topic: str, size: int, limit: int) -> None:
        super().__init__(f"record of {size} bytes for {topic} is over kafka.max_message_bytes ({limit} bytes); "
                         "raise it in settings.yaml (and the broker's message.max.bytes) or shorten the record")
        self.size = size
        self.limit = limit


class _Record(Protocol):
    def to_json(self) -> bytes: ...

    def model_copy(self, *, update: dict[str, object]) -> Self: ...


R = TypeVar("R", bound=_Record)


def record_limit(settings: Settings) -> int:
    """Largest serialised record a stage should produce (the setting minus headroom)."""
    limit = settings.kafka.max_message_bytes
    return limit - min(HEADROOM_BYTES, limit // 4)


def fit(record: R, max_bytes: int, fields: Sequence[str] = ("text",)) -> tuple[bytes, R, bool]:
    """The record as JSON of at most ``max_bytes``, shortening ``fields`` in order (each to what is
    needed, down to empty); the record sent, and whether it was shortened."""
    value = record.to_json()
    shortened = False
    for field in fields:
        while len(value) > max_bytes and getattr(record, field):
            text: str = getattr(record, field)
            per_char = max(1.0, len(text.encode("utf-8")) / len(text))
            drop = math.ceil((len(value) - max_bytes) / per_char) + len(text) // 1000 + 1
            keep = max(0, len(text) - drop)
            record = record.model_copy(update={field: text[:keep]})
            value = record.to_json()
            shortened = True
    return value, record, shortened
