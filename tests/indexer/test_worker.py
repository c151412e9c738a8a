"""``tipwatch index`` end to end: Kafka -> indexer -> Elasticsearch, dead letters, commits, outages."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from indexer.worker import run_indexer
from tests.indexer.faults import flaky_client
from tests.indexer.fixtures import enriched, wire
from tipwatch.cli import main
from tipwatch.config import Settings
from tipwatch.setup import create_topics
from tipwatch.stream import Producer
from tipwatch.stream.deadletter_tools import read_dead_letters


def produce(settings: Settings, values: list[bytes]) -> None:
    with Producer(settings) as producer:
        for i, value in enumerate(values):
            producer.send(settings.topic("posts.enriched"), value=value, key=f"k{i % 7}".encode())
        producer.flush()


def count(es: Elasticsearch, settings: Settings) -> int:
    es.indices.refresh(index=settings.index("posts"))
    return int(es.count(index=settings.index("posts"))["count"])


def test_indexes_dead_letters_and_commits(es: Elasticsearch, stack_settings: Settings) -> None:
    create_topics(stack_settings)
    good = [enriched(i) for i in range(120)]
    bad = {**enriched(500), "language": {"code": "en", "script": "Latn", "confidence": 0.9, "method": "m" * 40_000}}
    produce(stack_settings, [wire(r) for r in good[:60]] + [b"not json", wire(bad)] + [wire(r) for r in good[60:]])
    report = run_indexer(stack_settings, client=es, idle_timeout_s=5.0)
    assert report.loop.messages == 122 and report.loop.rejected == 2
    assert report.counters["index/written"] == 120
    assert count(es, stack_settings) == 120
    letters = list(read_dead_letters(stack_settings))
    assert sorted(letter.reason.split(":")[0] for letter in letters) == ["contract", "elasticsearch"]
    assert all(letter.stage == "index" for letter in letters)
    assert any("language.method" in letter.reason for letter in letters)
    again = run_indexer(stack_settings, client=es, idle_timeout_s=3.0)
    assert again.loop.messages == 0, "offsets were committed after the batches were written"


def test_outage_pauses_and_loses_nothing(es: Elasticsearch, stack_settings: Settings) -> None:
    create_topics(stack_settings)
    records = [enriched(i) for i in range(50)]
    produce(stack_settings, [wire(r) for r in records])
    client = flaky_client(stack_settings, ["down", "429", "down"])
    report = run_indexer(stack_settings, client=client, idle_timeout_s=5.0)
    # connection loss -> the loop pauses and retries; the 429 is retried inside streaming_bulk
    assert report.loop.retries == 2 and report.loop.rejected == 0 and report.loop.commits == 1
    assert [len(ids) for ids in type(client).sent] == [50]
    assert count(es, stack_settings) == 50
    client.close()


def test_cli_index_command(es: Elasticsearch, stack_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    create_topics(stack_settings)
    produce(stack_settings, [wire(enriched(i)) for i in range(10)])
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", stack_settings.elasticsearch.index_prefix)
    monkeypatch.setenv("TIPWATCH_KAFKA__TOPIC_PREFIX", stack_settings.kafka.topic_prefix)
    assert main(["index", "--idle-timeout", "4", "--max-messages", "10"]) == 0
    assert "indexed 10 messages" in capsys.readouterr().err
    assert count(es, stack_settings) == 10
