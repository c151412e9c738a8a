"""End to end against the real local Kafka: crawl the local site, read the records back from
``posts.raw``, validate them, and check them against the WARC files and the job's manifest. Then the
spool: a broker that goes away mid-crawl loses nothing, the next start re-sends what was spooled."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.crawlers.helpers import crawl, read_messages, warc_payload, warc_records
from tests.crawlers.mockserver import MockServer
from tipwatch.config import Settings, SourceConfig
from tipwatch.contract import RawPost, parse_raw
from tipwatch.setup import create_topics


def read_topic(settings: Settings, name: str, expected: int, wait_s: float = 30.0) -> list[tuple[bytes, RawPost,
                                                                                                   dict]]:
    """(key, validated record, headers) of the messages of a topic."""
    return [(message.key, parse_raw(message.value), dict(message.headers))
            for message in read_messages(settings, name, expected, wait_s)]


def test_crawl_into_kafka_with_evidence(stack_settings: Settings, sources: dict[str, SourceConfig],
                                        tmp_path: Path) -> None:
    create_topics(stack_settings)
    chosen = [sources[name] for name in ("asiajobs", "tg-tuyendung", "masto-kerja", "bsky-vieclam", "vieclam-rss")]
    crawled = crawl(stack_settings, chosen, tmp_path, kafka=True)
    result = crawled.result

    assert result.status == "finished"
    assert result.items == 8 + 10 + 9 + 4 + 3
    assert result.kafka["delivered"] == result.items and result.kafka["spooled"] == 0
    messages = read_topic(stack_settings, "posts.raw", result.items)
    assert len(messages) == result.items
    assert {record.id for _key, record, _headers in messages} == {record.id for record in crawled.records}
    evidence_dir = stack_settings.paths.evidence_dir
    for key, record, headers in messages:
        assert key == record.id.encode()
        assert headers["schema"] == b"tipwatch.post/1" and headers["source"] == record.source.id.encode()
        assert record.crawl.job_id == result.job_id
        evidence = record.evidence
        kind, payload = warc_payload(evidence_dir, evidence.warc_file or "", evidence.warc_record_id or "")
        assert kind == "response" and hashlib.sha256(payload).hexdigest() == evidence.sha256

    manifest_path = Path(result.manifest or "")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["job_id"] == result.job_id
    job_dir = evidence_dir / result.job_id
    on_disk = {path.relative_to(job_dir).as_posix() for path in job_dir.rglob("*") if path.is_file()} - {
        "manifest.json"}
    assert {entry["path"] for entry in manifest["files"]} == on_disk
    assert {entry["source"] for entry in manifest["files"]} == {source.id for source in chosen}
    for entry in manifest["files"]:
        data = (job_dir / entry["path"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        if entry["kind"] == "warc":
            assert len(warc_records(job_dir / entry["path"])) == entry["records"]


def test_undelivered_records_are_spooled_and_resent_at_the_next_start(
        stack_settings: Settings, sources: dict[str, SourceConfig], site: MockServer, tmp_path: Path) -> None:
    create_topics(stack_settings)
    spool_dir = stack_settings.paths.spool_dir

    first = crawl(stack_settings, [sources["asiajobs"]], tmp_path, kafka=True,
                  KAFKA_PRODUCER_FACTORY="tests.crawlers.faults.unreachable_producer")
    assert first.result.status == "finished"
    assert first.result.kafka["spooled"] == 8 and first.result.kafka["delivered"] == 0
    spooled = [json.loads(line) for path in spool_dir.glob("*.jsonl") for line in path.read_text().splitlines()]
    assert sorted(entry["key"] for entry in spooled) == sorted(record.id for record in first.records)
    assert "were spooled to" in first.log
    assert read_topic(stack_settings, "posts.raw", 1, wait_s=3) == []

    second = crawl(stack_settings, [sources["vieclam-rss"]], tmp_path, kafka=True)
    assert second.result.kafka["resent"] == 8
    assert second.result.kafka["delivered"] == 8 + 3 and second.result.kafka["spooled"] == 0
    delivered = read_topic(stack_settings, "posts.raw", 11)
    assert {record.id for _key, record, _headers in delivered} == {
        record.id for record in first.records + second.records}
    assert list(spool_dir.iterdir()) == []  # the claimed spool file is gone once all of it was delivered
