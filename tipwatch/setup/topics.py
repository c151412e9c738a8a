"""Creating the DESIGN.md topics with partitions and replication from settings."""

from __future__ import annotations

import logging

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from tipwatch.config.settings import TOPICS, Settings
from tipwatch.stream.connection import admin_client

log = logging.getLogger(__name__)

TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    "posts.raw": {"max.message.bytes": "8388608"},
    "posts.enriched": {"max.message.bytes": "8388608"},
    "deadletter": {"max.message.bytes": "8388608", "retention.ms": str(30 * 86400 * 1000)},
}
"""Per-topic configs beyond the broker defaults."""


def create_topics(settings: Settings, names: tuple[str, ...] = TOPICS) -> dict[str, bool]:
    """Create every missing topic; topic name -> True if created now, False if it existed."""
    admin = admin_client(settings, "setup")
    created: dict[str, bool] = {}
    try:
        existing = set(admin.list_topics())
        for name in names:
            topic = settings.topic(name)
            if topic in existing:
                created[topic] = False
                continue
            new = NewTopic(
                name=topic, num_partitions=settings.kafka.partitions,
                replication_factor=settings.kafka.replication_factor, topic_configs=TOPIC_CONFIGS.get(name, {}),
            )
            try:
                admin.create_topics([new])
                created[topic] = True
            except TopicAlreadyExistsError:
                created[topic] = False
    finally:
        admin.close()
    return created
