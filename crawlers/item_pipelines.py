"""Scrapy item pipelines: media hashes, then the contract check and Kafka (thin adapters over
``crawlers.kafka_output`` and ``crawlers.spool``).

``MediaPipeline`` (``MEDIA_ENABLED``; only built for ``fetch_media: true`` sources) fetches the
images of posts through the downloader (so they are archived too) and fills ``media[].sha256``.

``KafkaPipeline`` (``KAFKA_ENABLED``) checks the broker and the topic when the spider opens and
stops the crawl with one sentence if either is missing (reason ``kafka_unavailable``); re-sends what
earlier runs spooled; validates each record against ``tipwatch.post/1`` (an invalid one is dropped
and dead-lettered with the reason); sends the rest without blocking; flushes when the spider closes
and spools whatever Kafka did not acknowledge.

Stats: ``media/fetched``, ``media/failed``, ``kafka/records``, ``kafka/invalid``, ``kafka/truncated``,
``kafka/sent``, ``kafka/delivered``, ``kafka/spooled``, ``kafka/resent``, ``kafka/lost``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.misc import load_object

from crawlers.context import tipwatch_settings
from crawlers.evidence import sha256_hex
from crawlers.failures import DOWNLOAD_ERRORS, failure_reason
from crawlers.kafka_output import RecordWriter, WriterCounts, check_topic
from crawlers.spool import Spool, SpooledRecord
from tipwatch.contract import ContractError, parse_raw
from tipwatch.errors import UserError
from tipwatch.stream import DeadLetter, Message
from tipwatch.stream.sizing import fit, record_limit

log = logging.getLogger(__name__)

KAFKA_UNAVAILABLE = "kafka_unavailable"


class MediaPipeline:
    """Fetches post images (``fetch_media: true`` sources) and records their sha256."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("MEDIA_ENABLED"):
            raise NotConfigured("MEDIA_ENABLED is off")
        source = getattr(crawler.spider, "source", None)
        if source is None or not source.fetch_media:
            raise NotConfigured  # the source does not ask for media: nothing to do, nothing to log
        self.crawler = crawler
        self.max_per_post = crawler.settings.getint("MEDIA_MAX_PER_POST")
        self._hashes: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaPipeline:
        return cls(crawler)

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """The record with ``media[].sha256`` filled for the images that could be fetched (a new dict)."""
        if not item.get("media"):
            return item
        media = []
        for index, entry in enumerate(item["media"]):
            digest = await self._digest(entry["url"]) if index < self.max_per_post else None
            media.append({**entry, "sha256": digest})
        return {**item, "media": media}

    async def _digest(self, url: str) -> str | None:
        if url in self._hashes:
            return self._hashes[url]
        stats = self.crawler.stats
        try:
            request = Request(url, meta={"allow_offsite": True}, priority=10)
            response = await self.crawler.engine.download_async(request)
        except ValueError as exc:
            log.warning("media/failed %s: not a URL (%s)", url, exc)
            stats.inc_value("media/failed")
            digest = None
        except DOWNLOAD_ERRORS as exc:
            log.warning("media/failed %s: %s", url, failure_reason(exc))
            stats.inc_value("media/failed")
            stats.inc_value(f"media/failed/{failure_reason(exc)}")
            digest = None
        else:
            if response.status == 200:
                digest = sha256_hex(response.body)
                stats.inc_value("media/fetched")
            else:
                log.warning("media/failed %s: HTTP %d", url, response.status)
                stats.inc_value("media/failed")
                stats.inc_value(f"media/failed/http_{response.status}")
                digest = None
        self._hashes[url] = digest
        return digest


class KafkaPipeline:
    """Validates records against the contract and sends them to ``<prefix>posts.raw``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = settings.getbool("KAFKA_ENABLED")
        self.config = tipwatch_settings(settings)
        self.topic = self.config.topic("posts.raw")
        self.max_bytes = record_limit(self.config)
        self.factory = load_object(settings.get("KAFKA_PRODUCER_FACTORY"))
        self.max_block_ms = settings.getint("KAFKA_MAX_BLOCK_MS")
        self.pause_s = settings.getfloat("KAFKA_PAUSE_S")
        self.flush_timeout_s = settings.getfloat("KAFKA_FLUSH_TIMEOUT_S")
        self.writer: RecordWriter | None = None
        self.dead_letter: DeadLetter | None = None
        self._claimed: list[Path] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KafkaPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        """Check the broker and the topic, build the writer, re-send the spool; stop the crawl if Kafka is away."""
        if not self.enabled:
            return
        try:
            self.writer = await asyncio.to_thread(self._connect)
        except UserError as exc:
            log.error("%s", exc)
            self.stats.set_value("kafka/error", str(exc))
            raise CloseSpider(KAFKA_UNAVAILABLE) from exc

    def _connect(self) -> RecordWriter:
        check_topic(self.config, self.topic)
        producer = self.factory(self.config, max_block_ms=self.max_block_ms)
        writer = RecordWriter(producer, Spool(self.config.paths.spool_dir), pause_s=self.pause_s)
        self.dead_letter = DeadLetter(producer, self.config, stage="crawl")
        resent = 0
        for path in writer.spool.claim():
            records, unreadable = Spool.read(path)
            if unreadable:
                self.stats.inc_value("kafka/spool_unreadable", unreadable)
            for record in records:
                writer.send(record, resent=True)
            resent += len(records)
            self._claimed.append(path)
        if resent:
            log.info("re-sending %d spooled record(s) from %d file(s)", resent, len(self._claimed))
        return writer

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Validate, then send (non-blocking); an invalid record is dropped and dead-lettered."""
        try:
            post = parse_raw(item)
        except ContractError as exc:
            self.stats.inc_value("kafka/invalid")
            self._dead_letter(item, exc)
            raise DropItem(f"not a valid tipwatch.post/1 record: {exc}") from exc
        value, post, shortened = fit(post, self.max_bytes)
        if shortened:
            self.stats.inc_value("kafka/truncated")
            log.warning("kafka/truncated record %s (%s): text shortened to fit %d bytes", post.id, post.url,
                        self.max_bytes)
        self.stats.inc_value("kafka/records")
        if self.writer is not None:
            headers = (("schema", b"tipwatch.post/1"), ("source", post.source.id.encode()),
                       ("job_id", post.crawl.job_id.encode()))
            self.writer.send(SpooledRecord(self.topic, value, post.id.encode(), headers))
        return item


    def _dead_letter(self, item: dict[str, Any], exc: ContractError) -> None:
        log.warning("kafka/invalid record %s from %s: %s", item.get("id"), item.get("url"), exc)
        if self.dead_letter is None:
            return
        value = json.dumps(item, ensure_ascii=False, default=str).encode("utf-8")
        key = str(item.get("id") or "").encode() or None
        self.dead_letter.send(Message(topic=self.topic, partition=-1, offset=-1, value=value, key=key), exc.reason)

    async def close_spider(self) -> None:
        """Flush (in a thread), spool the unacknowledged, release re-sent spool files, publish the counts."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        counts = await asyncio.to_thread(writer.close, self.flush_timeout_s)
        for path in self._claimed:
            path.unlink(missing_ok=True)  # every record in it was delivered or spooled again
        self._publish(counts)

    def _publish(self, counts: WriterCounts) -> None:
        for name in ("sent", "delivered", "spooled", "resent", "lost"):
            self.stats.set_value(f"kafka/{name}", getattr(counts, name))
        if counts.spooled:
            log.warning("%d record(s) could not be delivered and were spooled to %s; they are re-sent at the "
                        "next start", counts.spooled, self.config.paths.spool_dir)
