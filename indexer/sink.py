"""The indexer's sink: a batch of enriched records -> one ``tipwatch-posts`` document per post id.

For each batch (``ConsumerLoop`` calls ``process`` and commits only after it returns):

1. decode and validate every message (``parse_enriched``); invalid ones are rejected with the reason;
2. fold records of the same post id (the latest crawl's content, the earliest/latest ``fetched_at``);
3. refresh the posts index once per batch (so the last batches of this and of every other indexer
   process are visible; a no-op when nothing changed) and read what it holds for those ids;
4. assign near-duplicate clusters (``clusters.py``);
5. write ``update`` actions (``doc`` + ``upsert``, no scripts) with ``streaming_bulk``. Steps 2-5
   run on parts of the batch (``PART_SIZE`` posts): while one part's bulk request runs in a
   thread, the next part is looked up and clustered, with the batch's earlier parts as candidates;
6. documents Elasticsearch rejects as malformed are returned as ``Rejected`` with the server's
   reason; anything transient (429, 5xx, connection) raises ``Retryable`` after the rest was written.
   The loop retries the same batch; messages already written or rejected are remembered and not
   sent again, so only the failed documents are retried.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from indexer.bulk import BulkOutcome, BulkWriter, error_reason
from indexer.clusters import BatchPosts, Clusterer
from indexer.documents import Merged, Stored, merge_records, update_action
from indexer.fingerprint import Fingerprint, fingerprint
from tipwatch.config.settings import Settings
from tipwatch.contract import ContractError, EnrichedPost, parse_enriched
from tipwatch.errors import SearchUnavailable
from tipwatch.stream import Message, Rejected, Retryable

log = logging.getLogger(__name__)

_Key = tuple[str, int, int]
BULK_THREADS = 2
"""Concurrent bulk requests per part (Elasticsearch indexes them on several cores)."""
PART_SIZE = 250
"""Posts prepared (looked up, clustered) while the previous part is being written."""


def _key(message: Message) -> _Key:
    return (message.topic, message.partition, message.offset)


def post_fingerprint(post: EnrichedPost) -> Fingerprint:
    """The near-duplicate fingerprint of a record."""
    return fingerprint(post.text, post.text_tokens, [{"raw": c.raw, "value": c.value} for c in post.contacts])


class IndexSink:
    """``Sink`` that indexes enriched records into the posts alias (see the module docstring)."""

    def __init__(self, client: Elasticsearch, settings: Settings, *, writer: BulkWriter | None = None,
                 clusterer: Clusterer | None = None, part_size: int = PART_SIZE) -> None:
        self.client = client
        self.index = settings.index("posts")
        self.writer = writer or BulkWriter(client, chunk_size=settings.elasticsearch.bulk_chunk_size,
                                           threads=BULK_THREADS)
        self.clusterer = clusterer or Clusterer(client, self.index)
        self.part_size = max(1, part_size)
        self.stats: Counter[str] = Counter()
        """Namespaced counters: ``index/written``, ``index/unchanged``, ``index/rejected/contract`` …"""
        self.seconds: Counter[str] = Counter()
        """Time spent per phase (``lookup``, ``clusters``, ``bulk``), for the summary and benchmarks."""
        self._outcomes: dict[_Key, str | None] = {}

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        """Index the batch; the messages to dead-letter. Raises ``Retryable`` for transient failures."""
        rejected: list[Rejected] = []
        records: dict[str, list[tuple[Message, EnrichedPost]]] = {}
        for message in batch:
            key = _key(message)
            if key in self._outcomes:
                reason = self._outcomes[key]
                if reason is not None:
                    rejected.append(Rejected(message, reason))
                continue
            try:
                post = parse_enriched(message.value if message.value is not None else b"")
            except ContractError as exc:
                self.stats["index/rejected/contract"] += 1
                self._outcomes[key] = f"contract: {exc.reason}"
                rejected.append(Rejected(message, f"contract: {exc.reason}"))
                continue
            records.setdefault(post.id, []).append((message, post))
        if records:
            self._write(records, rejected)
        self._outcomes.clear()
        return rejected

    def _write(self, records: Mapping[str, list[tuple[Message, EnrichedPost]]], rejected: list[Rejected]) -> None:
        """Write the batch in parts: while one part's bulk request runs, the next part is prepared."""
        ids = list(records)
        parts = [ids[i:i + self.part_size] for i in range(0, len(ids), self.part_size)]
        earlier = BatchPosts()
        outcome, skipped = BulkOutcome(), set()
        with ThreadPoolExecutor(1, thread_name_prefix="index-bulk") as pool:
            pending: list[Future[BulkOutcome]] = []
            for number, part in enumerate(parts):
                actions, unchanged = self._prepare({post_id: records[post_id] for post_id in part}, earlier,
                                                   refresh=number == 0)
                skipped |= unchanged
                pending.append(pool.submit(self._timed_write, actions))
            for future in pending:
                done = future.result()
                outcome.written |= done.written
                outcome.unchanged |= done.unchanged
                outcome.rejected.update(done.rejected)
                outcome.transient.update(done.transient)
        self.stats["index/written"] += len(outcome.written) - len(outcome.unchanged)
        self.stats["index/unchanged"] += len(outcome.unchanged) + len(skipped)
        self.stats["index/rejected/elasticsearch"] += len(outcome.rejected)
        self.stats["index/transient"] += len(outcome.transient)
        for post_id, group in records.items():
            if post_id in outcome.written or post_id in skipped:
                reason = None
            elif post_id in outcome.rejected:
                reason = f"elasticsearch: {outcome.rejected[post_id]}"
            else:
                continue
            for message, _post in group:
                self._outcomes[_key(message)] = reason
                if reason is not None:
                    rejected.append(Rejected(message, reason))
        if outcome.transient:
            first = next(iter(outcome.transient.values()))
            raise Retryable(f"{len(outcome.transient)} of {len(records)} posts not indexed yet: {first}")

    def _prepare(self, records: Mapping[str, list[tuple[Message, EnrichedPost]]], earlier: BatchPosts, *,
                 refresh: bool) -> tuple[list[dict[str, Any]], set[str]]:
        """The update actions of one part, and the posts that need no write."""
        started = time.perf_counter()
        merged = {post_id: merge_records([post for _, post in group]) for post_id, group in records.items()}
        stored = self._stored(list(merged), refresh=refresh)
        lookup_done = time.perf_counter()
        prints = {post_id: post_fingerprint(item.post) for post_id, item in merged.items()}
        clusters = self._clusters(merged, prints, stored, earlier)
        actions, skipped = [], set()
        for post_id, item in merged.items():
            print_ = prints[post_id]
            near = {"cluster_bands": list(print_.bands), "cluster_sketch": print_.encoded(),
                    "cluster_content": print_.content_key()}
            action = update_action(self.index, item, stored.get(post_id), clusters[post_id], near)
            if action is None:
                skipped.add(post_id)
            else:
                actions.append(action)
        self.seconds["lookup"] += lookup_done - started
        self.seconds["clusters"] += time.perf_counter() - lookup_done
        return actions, skipped

    def _timed_write(self, actions: list[dict[str, Any]]) -> BulkOutcome:
        started = time.perf_counter()
        try:
            return self.writer.write(actions)
        finally:
            self.seconds["bulk"] += time.perf_counter() - started

    def _clusters(self, merged: Mapping[str, Merged], prints: Mapping[str, Fingerprint],
                  stored: Mapping[str, Stored], earlier: BatchPosts) -> dict[str, str]:
        keep = {post_id: item.cluster_id for post_id, item in stored.items() if item.cluster_id}
        try:
            return self.clusterer.assign([(post_id, prints[post_id]) for post_id in merged], keep, earlier)
        except (ApiError, TransportError) as exc:
            raise self._unavailable("cluster lookup", exc) from exc

    def _stored(self, ids: Sequence[str], *, refresh: bool = True) -> dict[str, Stored]:
        """What the index holds for these posts (after a refresh, so recent writes are visible; the
        later parts of a batch skip it: their posts were not written since)."""
        try:
            if refresh:
                self.client.indices.refresh(index=self.index)
            response = self.client.search(
                index=self.index, query={"ids": {"values": list(ids)}}, size=len(ids),
                source_includes=["first_seen", "last_seen", "cluster_id"], request_cache=False,
            )
        except (ApiError, TransportError) as exc:
            raise self._unavailable("lookup of stored posts", exc) from exc
        return {hit["_id"]: Stored.from_source(hit["_source"]) for hit in response["hits"]["hits"]}

    def _unavailable(self, what: str, exc: ApiError | TransportError) -> Exception:
        """Retryable for transient problems; SearchUnavailable when credentials are refused."""
        if isinstance(exc, ApiError):
            if exc.status_code in (401, 403):
                return SearchUnavailable(f"Elasticsearch refused the credentials ({error_reason(exc.body)})")
            self.stats["index/transient"] += 1
            return Retryable(f"{what} failed: {exc.status_code} {error_reason(exc.body)}")
        self.stats["index/transient"] += 1
        return Retryable(f"{what} failed, Elasticsearch unreachable: {type(exc).__name__}: {exc}")
