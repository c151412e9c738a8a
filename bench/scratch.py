"""What a benchmark creates on the local stack: settings with prefixes of their own, and their removal."""

from __future__ import annotations

from collections.abc import Sequence

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient

from tipwatch.config import Settings
from tipwatch.stream.connection import kafka_options


def with_prefix(settings: Settings, tag: str) -> Settings:
    """Settings whose topics start with ``bench<tag>.`` and indices with ``bench<tag>-``."""
    return settings.model_copy(update={
        "kafka": settings.kafka.model_copy(update={"topic_prefix": f"bench{tag}."}),
        "elasticsearch": settings.elasticsearch.model_copy(update={"index_prefix": f"bench{tag}-"}),
    })


def cleanup(client: Elasticsearch, used: Sequence[Settings]) -> None:
    """Delete the indices, index templates and topics of every settings in ``used``."""
    for settings in used:
        prefix = settings.elasticsearch.index_prefix
        client.indices.delete(index=f"{prefix}*", expand_wildcards="all", ignore_unavailable=True)
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}*")
    admin = KafkaAdminClient(**kafka_options(used[0], "bench-cleanup"))
    try:
        prefixes = tuple(settings.kafka.topic_prefix for settings in used)
        topics = [topic for topic in admin.list_topics() if topic.startswith(prefixes)]
        if topics:
            admin.delete_topics(topics)
    finally:
        admin.close()
