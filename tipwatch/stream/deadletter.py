"""The dead-letter writer: the original bytes untouched, the reason and the origin in headers.

A record too large for ``kafka.max_message_bytes`` (one a foreign producer put on a topic with a
larger limit) cannot be copied whole: its dead letter holds the first bytes that fit, with the
headers ``truncated: true`` and ``original_bytes``; ``tipwatch deadletter replay`` skips those.
"""

from __future__ import annotations

import logging

from tipwatch.config.settings import Settings
from tipwatch.stream.message import Message
from tipwatch.stream.producer import Producer
from tipwatch.stream.sizing import record_limit

log = logging.getLogger(__name__)

MAX_REASON = 2000


class DeadLetter:
    """Sends messages a stage cannot process to ``tipwatch.deadletter``."""

    def __init__(self, producer: Producer, settings: Settings, stage: str) -> None:
        self.producer = producer
        self.topic = settings.topic("deadletter")
        self.stage = stage
        self.max_bytes = record_limit(settings)
        self.count = 0

    def send(self, message: Message, reason: str) -> None:
        """Queue one dead letter (flushed with the producer before offsets are committed)."""
        headers = [
            ("stage", self.stage.encode()),
            ("reason", reason[:MAX_REASON].encode("utf-8", "replace")),
            ("original_topic", message.topic.encode()),
            ("original_partition", str(message.partition).encode()),
            ("original_offset", str(message.offset).encode()),
            *((f"original_header_{k}", v) for k, v in message.headers if not k.startswith("original_")),
        ]
        value = message.value or b""
        room = self.max_bytes - len(message.key or b"") - sum(len(k) + len(v) + 64 for k, v in headers)
        if len(value) > room:
            headers += [("truncated", b"true"), ("original_bytes", str(len(value)).encode())]
            value = value[:max(0, room - 128)]
        self.count += 1
        log.warning("dead-letter %s/%s@%s (%s): %s", message.topic, message.partition, message.offset,
                    self.stage, reason[:200])
        self.producer.send(self.topic, value=value, key=message.key, headers=headers)
