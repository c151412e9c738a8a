"""The item pipelines as components built from a test crawler: contract check, dead letters, truncation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers.item_pipelines import KafkaPipeline
from crawlers.parsers.base import PostDraft
from crawlers.records import build_record
from tests.crawlers.helpers import local_settings, read_messages
from tipwatch.config import Settings, SourceConfig
from tipwatch.contract import parse_raw, parse_time
from tipwatch.setup import create_topics
from tipwatch.stream.sizing import fit

SOURCE = SourceConfig.model_validate({"id": "jobs-th", "kind": "html", "url": "https://jobs.example/",
                                      "html": {"title": "h1"}})


def record(text: str = "รับสมัครพนักงาน") -> dict:
    draft = PostDraft(url="https://jobs.example/1", text=text, title="งาน")
    return build_record(draft, source=SOURCE, evidence={"sha256": "a" * 64, "http_status": 200}, job_id="job-1",
                        spider="html", fetched_at=parse_time("2025-05-10T08:00:00Z"))


def pipeline(settings: Settings, **scrapy_settings: object) -> KafkaPipeline:
    crawler = get_crawler(settings_dict={"TIPWATCH_SETTINGS": settings, "KAFKA_PRODUCER_FACTORY":
                                         "crawlers.kafka_output.make_producer", "KAFKA_MAX_BLOCK_MS": 2000,
                                         "KAFKA_PAUSE_S": 30, "KAFKA_FLUSH_TIMEOUT_S": 30, **scrapy_settings})
    return KafkaPipeline.from_crawler(crawler)


def test_an_invalid_record_is_dropped_and_counted(tmp_path: Path) -> None:
    component = pipeline(local_settings(tmp_path), KAFKA_ENABLED=False)
    good = record()
    assert component.process_item(good) is good

    with pytest.raises(DropItem, match=r"not a valid tipwatch\.post/1 record: text: Value error, text contains a NUL"):
        component.process_item(record("bad\x00text"))
    stats = component.stats.get_stats()
    assert stats["kafka/records"] == 1 and stats["kafka/invalid"] == 1


def test_an_oversized_record_is_truncated_not_lost() -> None:
    post = parse_raw(record("ข้อความยาว " * 5000))

    value, sent, shortened = fit(post, 8192)

    assert shortened and len(value) <= 8192
    kept = parse_raw(value)
    assert kept == sent and kept.id == post.id and post.text.startswith(kept.text) and len(kept.text) > 1000
    assert len(value) > 8192 - 1000, f"shortened to what is needed, not more: {len(value)} bytes"
    assert fit(kept, 8192) == (kept.to_json(), kept, False)


def test_invalid_records_go_to_the_dead_letter_topic_with_the_reason(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    component = pipeline(stack_settings, KAFKA_ENABLED=True)
    asyncio.run(component.open_spider())
    component.process_item(record())
    with pytest.raises(DropItem):
        component.process_item(record("bad\x00text"))
    asyncio.run(component.close_spider())

    assert component.stats.get_value("kafka/delivered") == 1
    letters = read_messages(stack_settings, "deadletter", 1)
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers["stage"] == b"crawl" and b"text contains a NUL" in headers["reason"]
    assert headers["original_topic"] == stack_settings.topic("posts.raw").encode()
    assert json.loads(letters[0].value)["text"] == "bad\x00text"  # the record as it was, for a replay
    assert [parse_raw(m.value).text for m in read_messages(stack_settings, "posts.raw", 1)] == ["รับสมัครพนักงาน"]
