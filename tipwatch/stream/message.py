"""A consumed Kafka message, independent of the client library (so tests can build them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    """One record read from a topic: bytes untouched, plus where it came from."""

    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = field(default_factory=tuple)
    timestamp_ms: int | None = None

    def header(self, name: str) -> bytes | None:
        """The first header with this name."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Rejected:
    """A message a stage cannot process, and why (it goes to the dead-letter topic)."""

    message: Message
    reason: str
