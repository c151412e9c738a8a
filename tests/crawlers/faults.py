"""Fault injection for the Kafka output: real producers that cannot reach a broker.

Used through the ``KAFKA_PRODUCER_FACTORY`` setting of a crawl (the only place the producer is chosen).
"""

from __future__ import annotations

from tests.crawlers.helpers import closed_port
from tipwatch.config import Settings
from tipwatch.stream import Producer


def unreachable_producer(settings: Settings, *, max_block_ms: int) -> Producer:
    """A real producer whose broker went away after the crawl's start-up check: nothing is delivered."""
    kafka = settings.kafka.model_copy(update={"bootstrap_servers": [f"127.0.0.1:{closed_port()}"]})
    # api_version given: the client does not probe the (absent) broker when it is built
    return Producer(settings.model_copy(update={"kafka": kafka}), role="crawler-test", max_block_ms=300,
                    api_version=(3, 0))
