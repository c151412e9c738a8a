"""Crawl runs from Scrapy stats into tipwatch-crawls."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from indexer.crawls import crawl_run
from indexer.worker import record_crawl_run
from tipwatch.config import Settings
from tipwatch.errors import UserError

STATS = {
    "start_time": datetime(2026, 11, 1, 8, 0, 0, tzinfo=UTC),
    "finish_time": datetime(2026, 11, 1, 8, 2, 30, tzinfo=UTC),
    "finish_reason": "finished",
    "item_scraped_count": 42,
    "downloader/request_count": 50,
    "downloader/response_count": 49,
    "downloader/response_status_count/200": 45,
    "downloader/response_status_count/404": 3,
    "downloader/response_status_count/503": 1,
    "downloader/response_bytes": 123456,
    "log_count/ERROR": 2,
    "retry/count": 4,
}


def test_counters_are_derived_from_scrapy_stats() -> None:
    run = {"job_id": "job-7", "source_id": "fb-kh", "spider": "html", "stats": STATS}
    before = copy.deepcopy(run)
    model = crawl_run(run)
    assert run == before
    assert (model.run_id, model.items, model.requests, model.responses, model.errors, model.retries) == (
        "job-7", 42, 50, 49, 2, 4)
    assert model.http_errors == 4 and model.bytes == 123456 and model.duration_s == 150.0
    assert model.status == "finished" and model.stats["start_time"] == "2026-11-01T08:00:00Z"
    assert crawl_run({**run, "stats": {**STATS, "finish_reason": "shutdown"}}).status == "cancelled"
    with pytest.raises(UserError, match="source_id"):
        crawl_run({"job_id": "j"})


def test_record_is_idempotent_and_marks_new_sources(es: Elasticsearch, stack_settings: Settings) -> None:
    alias = stack_settings.index("crawls")
    first = {"job_id": "job-1", "source_id": "fb-kh", "spider": "html", "source_kind": "html", "stats": STATS}
    assert record_crawl_run(es, stack_settings, first) == "job-1"
    es.indices.refresh(index=alias)
    assert record_crawl_run(es, stack_settings, first) == "job-1"
    later = {**first, "job_id": "job-2", "stats": {**STATS, "start_time": datetime(2026, 11, 2, tzinfo=UTC),
                                                   "finish_time": datetime(2026, 11, 2, 0, 1, tzinfo=UTC)}}
    record_crawl_run(es, stack_settings, later)
    es.indices.refresh(index=alias)
    docs = {hit["_id"]: hit["_source"] for hit in es.search(index=alias)["hits"]["hits"]}
    assert set(docs) == {"job-1", "job-2"}
    assert docs["job-1"]["new_source"] is True and docs["job-2"]["new_source"] is False
    assert docs["job-2"]["source_first_run"] == "2026-11-01T08:00:00Z"
    assert docs["job-1"]["items"] == 42 and docs["job-1"]["finished_at"] == "2026-11-01T08:02:30Z"
