"""Refreshes of the posts index (``indexer.visibility``) against the real Elasticsearch: the first one
is waited for, later ones run in the background, and a failed one fails the next batch."""

from __future__ import annotations

import pytest
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import Elasticsearch

from indexer.sink import IndexSink
from indexer.visibility import Visibility
from tests.indexer.faults import GatedClient, GatedIndices
from tests.indexer.fixtures import enriched, wire
from tipwatch.config import Settings
from tipwatch.es import client_options
from tipwatch.stream import Message, Retryable


def _count(es: Elasticsearch, settings: Settings) -> int:
    return int(es.count(index=settings.index("posts"))["count"])


def _index_one(es: Elasticsearch, settings: Settings, n: int) -> None:
    record = enriched(n)
    es.index(index=settings.index("posts"), id=record["id"], document={"id": record["id"]}, refresh=False)


def test_the_first_refresh_is_waited_for_and_later_ones_run_in_the_background(
        es: Elasticsearch, stack_settings: Settings) -> None:
    client = GatedClient(**client_options(stack_settings))
    indices = client.indices
    assert isinstance(indices, GatedIndices)
    visibility = Visibility(client, stack_settings.index("posts"), every_s=0.0)
    try:
        _index_one(es, stack_settings, 1)  # written before the first refresh
        visibility.wrote(3)
        visibility.refresh_if_due()
        assert visibility.visible_upto == 3
        assert _count(es, stack_settings) == 1

        indices.gate.clear()
        indices.started.clear()
        _index_one(es, stack_settings, 2)  # before the second
        visibility.wrote(5)
        visibility.refresh_if_due()  # returns at once: the refresh waits for the gate in its thread
        assert indices.started.wait(10)
        visibility.wrote(7)  # written after the refresh started: not made visible by it
        visibility.refresh_if_due()  # one refresh at a time: nothing more is started
        assert visibility.visible_upto == 3
        indices.gate.set()
    finally:
        indices.gate.set()
        visibility.close()
    assert visibility.visible_upto == 5
    assert visibility.seconds["refresh"] > 0 and visibility.seconds["background_refresh"] > 0
    assert _count(es, stack_settings) == 2
    client.close()


def test_a_failed_background_refresh_is_raised_by_the_next_call(es: Elasticsearch, stack_settings: Settings) -> None:
    client = GatedClient(**client_options(stack_settings))
    indices = client.indices
    assert isinstance(indices, GatedIndices)
    visibility = Visibility(client, stack_settings.index("posts"), every_s=0.0)
    try:
        visibility.refresh_if_due()
        indices.fail.set()
        indices.gate.clear()
        visibility.wrote(2)
        visibility.refresh_if_due()  # fails in the background
        indices.gate.set()
        visibility.wait()  # the failed refresh has ended
        with pytest.raises(TransportConnectionError):
            visibility.refresh_if_due()
        assert visibility.visible_upto == 0
        indices.fail.clear()
        visibility.refresh_if_due()
    finally:
        visibility.close()
    assert visibility.visible_upto == 2
    client.close()


def test_the_sink_retries_the_batch_after_a_failed_background_refresh(
        es: Elasticsearch, stack_settings: Settings) -> None:
    client = GatedClient(**client_options(stack_settings))
    indices = client.indices
    assert isinstance(indices, GatedIndices)
    sink = IndexSink(client, stack_settings, refresh_every_s=0.0)
    records = [enriched(n) for n in range(3)]
    batches = [[Message("posts.enriched", 0, n, wire(record))] for n, record in enumerate(records)]
    try:
        assert sink.process(batches[0]) == []  # the first refresh, waited for
        indices.fail.set()
        assert sink.process(batches[1]) == []  # the second refresh starts, and fails, in the background
        sink.visibility.wait()
        with pytest.raises(Retryable, match="refresh of the posts index failed, Elasticsearch unreachable"):
            sink.process(batches[2])
        indices.fail.clear()
        assert sink.process(batches[2]) == []
    finally:
        sink.close()
    es.indices.refresh(index=stack_settings.index("posts"))
    assert _count(es, stack_settings) == 3
    client.close()
