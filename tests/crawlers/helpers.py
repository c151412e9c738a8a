"""Running real crawls from tests: each crawl in a fresh process (Twisted's reactor cannot restart)."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from warcio.archiveiterator import ArchiveIterator

from crawlers.result import CrawlResult
from crawlers.runner import run_crawl_subprocess
from tests.crawlers.conftest import FAST
from tipwatch.config import Settings, SourceConfig
from tipwatch.contract import RawPost, parse_raw
from tipwatch.stream.connection import kafka_options


@dataclass(frozen=True)
class Crawled:
    """A finished crawl: its result, the records it produced (validated), and its log."""

    result: CrawlResult
    records: list[RawPost]
    log: str

    def by_url(self) -> dict[str, RawPost]:
        return {record.url: record for record in self.records}


def local_settings(tmp_path: Path, base: Settings | None = None) -> Settings:
    """Settings whose evidence and spool folders are under ``tmp_path``."""
    base = base or Settings()
    paths = base.paths.model_copy(update={"evidence_dir": tmp_path / "evidence", "spool_dir": tmp_path / "spool"})
    return base.model_copy(update={"paths": paths})


def crawl(settings: Settings, sources: list[SourceConfig], tmp_path: Path, *, kafka: bool = False,
          max_pages: int | None = None, job_id: str | None = None, **overrides: Any) -> Crawled:
    """Crawl ``sources`` in a child process; records are also written to a JSON-lines feed to read back."""
    feed = tmp_path / f"items-{job_id or 'crawl'}-{len(list(tmp_path.glob('items-*')))}.jsonl"
    log_file = tmp_path / f"{feed.stem}.log"
    settings_overrides = {**FAST, "KAFKA_ENABLED": kafka, "FEEDS": {str(feed): {"format": "jsonlines"}}, **overrides}
    result = run_crawl_subprocess(settings, sources, job_id=job_id, max_pages=max_pages,
                                  scrapy_overrides=settings_overrides, timeout_s=300, log_file=log_file)
    lines = feed.read_text(encoding="utf-8").splitlines() if feed.exists() else []
    return Crawled(result, [parse_raw(json.loads(line)) for line in lines], log_file.read_text(encoding="utf-8"))


def warc_payload(evidence_dir: Path, warc_file: str, record_id: str) -> tuple[str, bytes]:
    """(record type, payload bytes as stored) of one WARC record, digests checked by warcio."""
    with (evidence_dir / warc_file).open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                return record.rec_type, record.raw_stream.read()
    raise LookupError(f"no record {record_id} in {warc_file}")


def warc_records(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(type, target URI, WARC headers) of every record in a WARC file."""
    found = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            headers = dict(record.rec_headers.headers)
            found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or "", headers))
    return found


def warc_text(path: Path) -> str:
    """A whole WARC file decompressed (to look for what must not be there)."""
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_messages(settings: Settings, name: str, expected: int, wait_s: float = 30.0) -> list[Any]:
    """The messages of topic ``name`` from the beginning, waiting up to ``wait_s`` for ``expected`` of them
    (and a moment more, so that a duplicate would show up too)."""
    consumer = KafkaConsumer(settings.topic(name), **kafka_options(settings, "test-reader"),
                             auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    found: list[Any] = []
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline and len(found) < expected:
            for batch in consumer.poll(timeout_ms=500).values():
                found += batch
        if len(found) >= expected:
            for batch in consumer.poll(timeout_ms=1000).values():
                found += batch
    finally:
        consumer.close()
    return found
