"""Shared fixtures: one real local stack per test session, unique topic/index prefixes per test.

Tests that take ``stack_settings`` (or ``local_stack``) run against the real Kafka and
Elasticsearch started by ``tipwatch stack up``; the session starts the stack when it is not
running and stops what it started at the end (set ``TIPWATCH_KEEP_STACK=1`` to keep it).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tipwatch.config import Settings, load_settings
from tipwatch.stack import LocalStack

ROOT = Path(__file__).resolve().parents[1]


def base_settings() -> Settings:
    """Settings from the repository's config/settings.yaml (no environment overrides)."""
    return load_settings(ROOT / "config" / "settings.yaml", environ={})


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The running local stack (started once per session if needed)."""
    stack = LocalStack(base_settings())
    if all(server.pid() is None and server.ready() for server in stack.servers):
        yield stack  # servers started by another checkout answer on the configured ports: share them
        return
    was_running = all(server.pid() is not None for server in stack.servers)
    stack.up()
    yield stack
    if not was_running and os.environ.get("TIPWATCH_KEEP_STACK") != "1":
        stack.down()


def unique_settings(base: Settings) -> Settings:
    """A copy of ``base`` with topic and index prefixes no other test uses."""
    tag = uuid.uuid4().hex[:10]
    return base.model_copy(update={
        "kafka": base.kafka.model_copy(update={"topic_prefix": f"t{tag}.", "partitions": 2}),
        "elasticsearch": base.elasticsearch.model_copy(update={"index_prefix": f"t{tag}-"}),
    })


@pytest.fixture
def stack_settings(local_stack: LocalStack, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at the local stack with unique prefixes; topics and indices removed after."""
    settings = unique_settings(local_stack.settings)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={
        "evidence_dir": tmp_path / "evidence", "spool_dir": tmp_path / "spool"})})
    yield settings
    _cleanup(settings)


def _cleanup(settings: Settings) -> None:
    from elasticsearch import exceptions as es_errors
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    from tipwatch.es import make_client
    from tipwatch.stream.connection import kafka_options

    client = make_client(settings)
    with contextlib.suppress(es_errors.ApiError):
        client.indices.delete(index=f"{settings.elasticsearch.index_prefix}*", expand_wildcards="all")
    with contextlib.suppress(es_errors.ApiError):
        client.indices.delete_index_template(name=f"{settings.elasticsearch.index_prefix}*")
    client.close()
    admin = KafkaAdminClient(**kafka_options(settings, "test-cleanup"))
    try:
        topics = [t for t in admin.list_topics() if t.startswith(settings.kafka.topic_prefix)]
        if topics:
            admin.delete_topics(topics)
    except KafkaError:
        pass  # leftover test topics are harmless: they carry a unique prefix
    finally:
        admin.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the servers with ``stack``."""
    for item in items:
        if {"local_stack", "stack_settings"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.stack)
