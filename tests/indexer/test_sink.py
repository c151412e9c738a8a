"""The indexer sink against the real Elasticsearch: idempotent writes, rejects, transient failures."""

from __future__ import annotations

import logging
import re

import pytest
from elasticsearch import Elasticsearch

from indexer.bulk import BulkWriter
from indexer.sink import IndexSink
from tests.indexer.faults import flaky_client
from tests.indexer.fixtures import enriched, wire
from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.stream import Message, Retryable


def messages(records: list[dict], start: int = 0, partition: int = 0) -> list[Message]:
    return [Message("posts.enriched", partition, start + i, wire(r), key=r["id"].encode())
            for i, r in enumerate(records)]


def stored(es: Elasticsearch, settings: Settings) -> dict[str, dict]:
    alias = settings.index("posts")
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=1000, version=True, seq_no_primary_term=True)["hits"]["hits"]
    return {hit["_id"]: {**hit["_source"], "_version": hit["_version"]} for hit in hits}


def test_recrawl_updates_last_seen_and_replay_changes_nothing(es: Elasticsearch, stack_settings: Settings) -> None:
    sink = IndexSink(es, stack_settings)
    first = [enriched(i, fetched_at="2026-11-01T08:00:00Z") for i in range(40)]
    assert sink.process(messages(first)) == []
    recrawl = [enriched(i, fetched_at="2026-11-03T09:30:00Z", text=f"Edited advert {i}: drivers wanted")
               for i in range(20)]
    assert sink.process(messages(recrawl, start=40)) == []
    docs = stored(es, stack_settings)
    assert len(docs) == 40
    assert es.count(index=stack_settings.index("posts"))["count"] == 40
    for record in first[:20]:
        doc = docs[record["id"]]
        assert doc["first_seen"] == "2026-11-01T08:00:00Z" and doc["last_seen"] == "2026-11-03T09:30:00Z"
        assert doc["text"].startswith("Edited advert") and doc["fetched_at"] == "2026-11-03T09:30:00Z"
    for record in first[20:]:
        assert docs[record["id"]]["last_seen"] == "2026-11-01T08:00:00Z"
    before = stored(es, stack_settings)
    replay = IndexSink(es, stack_settings)
    assert replay.process(messages(first + recrawl)) == []
    assert stored(es, stack_settings) == before, "replaying the topic must change nothing"
    assert replay.stats["index/written"] == 0 and replay.stats["index/unchanged"] == 40


def test_malformed_document_is_rejected_with_the_reason_and_the_rest_indexed(
        es: Elasticsearch, stack_settings: Settings) -> None:
    good = [enriched(i) for i in range(10)]
    bad = enriched(99, evidence={"sha256": "a" * 64, "warc_record_id": "x" * 40_000})
    batch = [*messages([*good[:5], bad, *good[5:]]), Message("posts.enriched", 0, 50, b"{not json")]
    sink = IndexSink(es, stack_settings)
    rejected = sink.process(batch)
    reasons = {r.message.offset: r.reason for r in rejected}
    assert set(reasons) == {5, 50}
    assert reasons[5].startswith("elasticsearch: document_parsing_exception")
    assert "immense term" in reasons[5] and len(reasons[5]) < 2000
    assert reasons[50].startswith("contract: <message>: not JSON")
    assert set(stored(es, stack_settings)) == {r["id"] for r in good}


def test_elasticsearch_down_raises_retryable(stack_settings: Settings) -> None:
    settings = stack_settings.model_copy(update={"elasticsearch": stack_settings.elasticsearch.model_copy(
        update={"hosts": ["http://127.0.0.1:9"], "request_timeout_s": 2.0})})
    client = make_client(settings, max_retries=0)
    with pytest.raises(Retryable, match="unreachable"):
        IndexSink(client, settings).process(messages([enriched(1)]))
    client.close()


def test_only_the_rejected_documents_are_retried(es: Elasticsearch, stack_settings: Settings) -> None:
    client = flaky_client(stack_settings, ["half"])
    sink = IndexSink(client, stack_settings, writer=BulkWriter(client, max_retries=0))
    records = [enriched(i) for i in range(10)]
    batch = messages(records)
    with pytest.raises(Retryable, match="5 of 10 posts not indexed yet: 429"):
        sink.process(batch)
    assert len(stored(es, stack_settings)) == 5
    assert sink.process(batch) == []
    first_call, second_call = type(client).sent
    assert len(first_call) == 5 and sorted(second_call) == sorted({r["id"] for r in records} - set(first_call))
    assert set(stored(es, stack_settings)) == {r["id"] for r in records}
    client.close()


def test_whole_request_429_and_connection_loss_are_retryable(es: Elasticsearch, stack_settings: Settings) -> None:
    client = flaky_client(stack_settings, ["429", "down"])
    sink = IndexSink(client, stack_settings, writer=BulkWriter(client, max_retries=0))
    batch = messages([enriched(i) for i in range(3)])
    with pytest.raises(Retryable, match="429"):
        sink.process(batch)
    with pytest.raises(Retryable, match="unreachable"):
        sink.process(batch)
    assert sink.process(batch) == []
    assert len(stored(es, stack_settings)) == 3
    client.close()


def test_streaming_bulk_retries_per_document_429_itself(es: Elasticsearch, stack_settings: Settings) -> None:
    client = flaky_client(stack_settings, ["half"])
    sink = IndexSink(client, stack_settings, writer=BulkWriter(client, max_retries=2, initial_backoff_s=0.05))
    records = [enriched(i) for i in range(6)]
    assert sink.process(messages(records)) == []
    assert [len(ids) for ids in type(client).sent] == [3, 3]
    assert set(stored(es, stack_settings)) == {r["id"] for r in records}
    client.close()


def test_create_refused_because_another_writer_created_the_post_becomes_an_update(
        es: Elasticsearch, stack_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    first = [enriched(i, fetched_at="2026-11-02T08:00:00Z") for i in range(3)]
    assert IndexSink(es, stack_settings).process(messages(first)) == []
    late = IndexSink(es, stack_settings)
    looked_up: list[list[str]] = []
    real = late._stored

    def stale_first_lookup(ids: list[str]) -> dict:
        looked_up.append(list(ids))
        return {} if len(looked_up) == 1 else real(ids)  # as if the other writer came right after our lookup

    monkeypatch.setattr(late, "_stored", stale_first_lookup)
    older = [enriched(i, fetched_at="2026-11-01T08:00:00Z", text=f"older text {i}") for i in range(3)]
    assert late.process(messages(older, start=10)) == []
    assert late.stats["index/create_conflicts"] == 3 and len(looked_up) == 2
    docs = stored(es, stack_settings)
    for record in first:
        doc = docs[record["id"]]
        assert doc["first_seen"] == "2026-11-01T08:00:00Z" and doc["last_seen"] == "2026-11-02T08:00:00Z"
        assert doc["text"] == record["text"], "the newer crawl's content stays"


def test_one_post_in_two_parts_of_a_batch_ends_like_one_fold(es: Elasticsearch, stack_settings: Settings) -> None:
    newer = enriched(1, fetched_at="2026-11-03T00:00:00Z", text="newest version")
    older = enriched(1, fetched_at="2026-11-01T00:00:00Z", text="oldest version")
    others = [enriched(i) for i in range(2, 8)]
    sink = IndexSink(es, stack_settings, part_size=4)  # parts of 1, 2, 4 messages
    assert sink.process(messages([newer, *others[:3], older, *others[3:]])) == []
    doc = stored(es, stack_settings)[newer["id"]]
    assert doc["text"] == "newest version"
    assert doc["first_seen"] == "2026-11-01T00:00:00Z" and doc["last_seen"] == "2026-11-03T00:00:00Z"
    assert len(stored(es, stack_settings)) == 7


def test_a_prefetched_batch_is_prepared_once_and_a_stale_prefetch_is_not_used(
        es: Elasticsearch, stack_settings: Settings) -> None:
    sink = IndexSink(es, stack_settings, part_size=8)
    submitted: list[int] = []
    submit = sink.preparers.submit
    sink.preparers.submit = lambda values: submitted.append(len(values)) or submit(values)  # type: ignore[method-assign]
    batch = messages([enriched(i) for i in range(20)])
    sink.prefetch(batch)
    assert submitted == [2, 4, 8, 6], "the parts of process(), prepared ahead"
    assert sink.process(batch) == []
    assert submitted == [2, 4, 8, 6], "process() used the prefetched preparation"
    later = messages([enriched(i) for i in range(20, 30)], start=20)
    sink.prefetch(later)
    assert sink.process(later[:4]) == [], "a different batch (a retry) is prepared anew"
    assert submitted[4:] == [2, 4, 4, 2, 2]
    assert sink.process(later) == [] and len(submitted) == 9, "the prefetch still matches the whole batch"
    assert len(stored(es, stack_settings)) == 30


def test_a_transient_failure_drops_what_was_looked_up_ahead(es: Elasticsearch, stack_settings: Settings) -> None:
    client = flaky_client(stack_settings, ["429"])
    sink = IndexSink(client, stack_settings, writer=BulkWriter(client, max_retries=0))
    try:
        current = messages([enriched(i) for i in range(6)])
        following = messages([enriched(i) for i in range(6, 12)], start=6)
        sink.prefetch(following)
        with pytest.raises(Retryable, match="429"):
            sink.process(current)
        assert sink._prefetched == {}, "looked up before the failure: not used for the retry"
        submitted: list[int] = []
        submit = sink.preparers.submit
        sink.preparers.submit = lambda values: submitted.append(len(values)) or submit(values)  # type: ignore[method-assign]
        assert sink.process(current) == [] and sink.process(following) == []
        assert sum(submitted) == 12, "both batches prepared (and looked up) anew"
    finally:
        sink.close()
        client.close()
    assert len(stored(es, stack_settings)) == 12


def test_preparation_in_worker_processes(es: Elasticsearch, stack_settings: Settings,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="indexer.preparers")
    sink = IndexSink(es, stack_settings, prepare_workers=1)
    try:
        assert sink.preparers.ready(timeout=120) and sink.preparers.running
        ready = [r.getMessage() for r in caplog.records if "ready after" in r.getMessage()]
        assert len(ready) == 1 and re.fullmatch(r"indexer: 1 preparation worker process\(es\) ready after "
                                                r"\d+\.\d\d s", ready[0]), ready
        batch = [*messages([enriched(i) for i in range(20)]), Message("posts.enriched", 0, 99, b"{not json")]
        rejected = sink.process(batch)
        assert sink.preparers._pool is not None
        for process in list(sink.preparers._pool._processes.values()):  # a worker killed, e.g. for memory
            process.kill()
            process.join()
        assert sink.process(messages([enriched(i) for i in range(20, 30)], start=100)) == []
        assert sink.preparers._pool is None, "falls back to preparing in the consumer process"
        assert any(r.levelno == logging.WARNING and "preparation worker process died" in r.getMessage()
                   for r in caplog.records)
    finally:
        sink.close()
    assert [r.message.offset for r in rejected] == [99] and rejected[0].reason.startswith("contract: <message>")
    assert len(stored(es, stack_settings)) == 30
