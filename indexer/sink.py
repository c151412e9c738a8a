"""The indexer's sink: a batch of enriched records -> one ``tipwatch-posts`` document per post id.

``ConsumerLoop`` calls ``process`` and commits only after it returns. The batch is cut into parts
that go through a pipeline, each stage on a different part at the same time:

1. prepare (``preparers.py``, worker processes): validate like ``parse_enriched`` (its exact error
   for anything invalid: rejected with the reason), serialise the document, compute the fingerprint;
2. lookup (threads): fold records of the same post id, read what the index holds for those ids with
   a realtime ``mget`` (sees every writer's documents without a refresh) and search the indexed
   cluster candidates (``clusters.py``);
3. assign (the thread that runs ``process``, parts in order): clusters, with the posts this process
   wrote that a part's search may not have seen as candidates from memory (``RecentPosts``), then
   the actions: ``create`` with the full document for a post not stored yet, ``update`` (partial
   ``doc``, no scripts) otherwise;
4. bulk (a thread): ``streaming_bulk``. A ``create`` refused with 409 (another writer created the post
   meanwhile) is looked up again and sent as an ``update`` before ``process`` returns.

The consumer loop polls the next batch while this one is written and hands it to ``prefetch``, which
starts its preparation and lookups at once: they run while this batch's last bulk requests do.

``RecentPosts`` bookkeeping: parts are numbered as they are assigned; ``visibility.py`` tracks which
of them a refresh (before the first batch, then at most every ``REFRESH_EVERY_S``, in the
background) made searchable. A part's lookup notes ``visible_upto`` when it starts, and before it is
assigned, the posts of parts up to that number are forgotten: its search, and every later one,
finds them in the index.

Documents Elasticsearch rejects as malformed are returned as ``Rejected`` with the server's reason;
anything transient (429, 5xx, connection) raises ``Retryable`` after the rest was written. The loop
retries the same batch; messages already written or rejected are remembered and not sent again, so
only the failed documents are retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from indexer.bulk import BulkOutcome, BulkWriter, error_reason
from indexer.clusters import Clusterer, Indexed, RecentPosts
from indexer.documents import Merged, Prepared, Stored, create_action, merge_records, prepare_values, update_action
from indexer.preparers import Preparers
from indexer.visibility import Visibility
from tipwatch.config.settings import Settings
from tipwatch.errors import SearchUnavailable
from tipwatch.fingerprint import Fingerprint
from tipwatch.stream import Message, Rejected, Retryable

log = logging.getLogger(__name__)

_Key = tuple[str, int, int]
BULK_THREADS = 1
"""Concurrent bulk requests per part."""
LOOKUP_THREADS = 2
"""Parts looked up (mget, candidate search) at the same time, ahead of the cluster assignment."""
PART_SIZE = 500
"""Posts prepared (looked up, clustered) while the previous part is being written."""
REFRESH_EVERY_S = 5.0
"""Most seconds between two refreshes of the posts index by the sink (0: before every batch). Posts
written since the last refresh are cluster candidates from memory; other processes' posts are
found once Elasticsearch's own refresh (``refresh_interval``, 1 s) or this one made them searchable."""
STORED_FIELDS = ["first_seen", "last_seen", "cluster_id"]
STORED_RESPONSE = ["docs._id", "docs.found", "docs._source", "docs.error"]
"""``filter_path`` of the realtime ``mget``: no index names, versions or sequence numbers."""
PREFETCHED_BATCHES = 2
"""Most batches kept prepared ahead (one is used; more only when the loop stopped or retried)."""


def _key(message: Message) -> _Key:
    return (message.topic, message.partition, message.offset)


_Records = dict[str, list[tuple[Message, Prepared]]]
_Created = dict[str, tuple[Merged, str]]
MAIN_PHASES = ("refresh", "wait_lookup", "clusters", "actions", "wait_bulk")
"""Phases of ``IndexSink.seconds`` spent in the thread that runs ``process`` (the others run beside it)."""


@dataclass
class _Part:
    """One part of a batch on its way through the pipeline."""

    records: _Records
    merged: dict[str, Merged]
    stored: dict[str, Stored]
    prints: list[tuple[str, Fingerprint]]
    keep: dict[str, str]
    indexed: Indexed
    invalid: list[tuple[Message, str]]
    """Messages that broke the contract, with the reason."""
    visible_upto: int
    """Parts up to this sequence number were searchable when the lookup started."""
    seq: int = 0
    created: _Created = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    written: Future[BulkOutcome] | None = None


class IndexSink:
    """``Sink`` that indexes enriched records into the posts alias (see the module docstring)."""

    def __init__(self, client: Elasticsearch, settings: Settings, *, writer: BulkWriter | None = None,
                 clusterer: Clusterer | None = None, part_size: int = PART_SIZE,
                 refresh_every_s: float = REFRESH_EVERY_S, prepare_workers: int = 0) -> None:
        self.client = client
        self.index = settings.index("posts")
        self.writer = writer or BulkWriter(client, chunk_size=settings.elasticsearch.bulk_chunk_size,
                                           threads=BULK_THREADS)
        self.clusterer = clusterer or Clusterer(client, self.index)
        self.part_size = max(1, part_size)
        self.preparers = Preparers(prepare_workers)
        self._lookups = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="index-lookup")
        self.stats: Counter[str] = Counter()
        """Namespaced counters: ``index/written``, ``index/unchanged``, ``index/rejected/contract`` …"""
        self.seconds: Counter[str] = Counter()
        """Seconds per phase. In the thread that runs ``process`` (``MAIN_PHASES``): ``wait_lookup`` (for
        the lookup thread), ``clusters`` (assignment), ``actions``, ``wait_bulk`` (for the last bulk
        requests of a batch), and ``refresh`` (the first, in ``visibility.seconds``). Beside it:
        ``prepare`` (validation and fingerprints, waited for by the lookup thread), ``lookup`` (mget),
        ``candidates`` (in ``clusterer.seconds``), ``bulk``, ``background_refresh`` (the later
        refreshes, in ``visibility.seconds``)."""
        self._outcomes: dict[_Key, str | None] = {}
        self._recent = RecentPosts()
        self.visibility = Visibility(client, self.index, refresh_every_s)
        self._lock = threading.Lock()
        self._prefetched: dict[tuple[_Key, ...], list[Future[_Part]]] = {}
        """Batches whose preparation and lookups ``prefetch`` started: a future per part."""
        self._seq = 0
        """Parts assigned so far; each part's posts are in ``RecentPosts`` under its number."""

    def close(self) -> None:
        """Stop the lookup threads and the preparation workers (if any)."""
        self._lookups.shutdown(wait=True, cancel_futures=True)
        self.visibility.close()
        self.preparers.close()

    def prefetch(self, batch: Sequence[Message]) -> None:
        """Start preparing and looking up the batch ``process`` gets next (no write, no cluster
        assignment). Called by the consumer loop while the current batch is written; the lookup
        threads take its parts once the current batch's are done."""
        looking = self._start(batch)
        with self._lock:
            self._prefetched[tuple(_key(message) for message in batch)] = looking
            while len(self._prefetched) > PREFETCHED_BATCHES:  # never used (a stop, retries): drop
                self._drop(self._prefetched.pop(next(iter(self._prefetched))))

    @staticmethod
    def _drop(looking: list[Future[_Part]]) -> None:
        for future in looking:
            future.cancel()

    def _start(self, todo: Sequence[Message]) -> list[Future[_Part]]:
        """Submit the parts of ``todo`` to the preparation workers, then to the lookup threads."""
        chunks = self._chunks(todo)
        preparing = [self.preparers.submit([message.value for message in chunk]) for chunk in chunks]
        return [self._lookups.submit(self._look_up, chunk, future) for chunk, future in zip(chunks, preparing,
                                                                                             strict=True)]

    def _started(self, todo: Sequence[Message]) -> list[Future[_Part]]:
        """The parts of ``todo`` on their way: prefetched, or started now (a retry sends only the
        messages not written yet)."""
        key = tuple(_key(message) for message in todo)
        with self._lock:
            found = self._prefetched.pop(key, None)
        return found if found is not None else self._start(todo)

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        """Index the batch; the messages to dead-letter. Raises ``Retryable`` for transient failures."""
        rejected: list[Rejected] = []
        todo: list[Message] = []
        for message in batch:
            key = _key(message)
            if key not in self._outcomes:
                todo.append(message)
            elif self._outcomes[key] is not None:
                rejected.append(Rejected(message, self._outcomes[key] or ""))
        if todo:
            try:
                self._write(todo, rejected)
            except Retryable:
                with self._lock:  # looked up before the failure: stale by the time of the retry
                    prefetched, self._prefetched = self._prefetched, {}
                for looking in prefetched.values():
                    self._drop(looking)
                raise
        self._outcomes.clear()
        return rejected

    def _chunks(self, todo: Sequence[Message]) -> list[Sequence[Message]]:
        """Parts of the batch: the first ones smaller, so that the first bulk request starts sooner."""
        chunks, start = [], 0
        for size in (max(1, self.part_size // 4), max(1, self.part_size // 2)):
            if start < len(todo):
                chunks.append(todo[start:start + size])
                start += size
        chunks.extend(todo[i:i + self.part_size] for i in range(start, len(todo), self.part_size))
        return chunks

    def _write(self, todo: Sequence[Message], rejected: list[Rejected]) -> None:
        """Write the messages in parts. Per part, worker processes validate and fingerprint, lookup
        threads read the stored posts and search candidates, this thread assigns clusters (in order)
        and a bulk thread writes: all of them work on different parts at the same time."""
        try:
            self.visibility.refresh_if_due()
        except (ApiError, TransportError) as exc:
            raise self._unavailable("refresh of the posts index", exc) from exc
        looking = self._started(todo)
        parts: list[_Part] = []
        with ThreadPoolExecutor(1, thread_name_prefix="index-bulk") as bulk:
            for future in looking:
                started = time.perf_counter()
                part = future.result()
                self.seconds["wait_lookup"] += time.perf_counter() - started
                for message, reason in part.invalid:
                    self._outcomes[_key(message)] = reason
                    rejected.append(Rejected(message, reason))
                actions = self._actions(part)
                part.written = bulk.submit(self._timed_write, actions, part.seq)
                parts.append(part)
            started = time.perf_counter()
            outcomes = [part.written.result() for part in parts if part.written is not None]
            self.seconds["wait_bulk"] += time.perf_counter() - started
        transient: dict[str, str] = {}
        for part, outcome in zip(parts, outcomes, strict=True):
            if outcome.conflicts:
                self._resolve_conflicts(outcome, part.created)
            self._settle(part.records, outcome, part.skipped, rejected)
            transient.update(outcome.transient)
        if transient:
            total = sum(len(part.records) for part in parts)
            raise Retryable(f"{len(transient)} of {total} posts not indexed yet: {next(iter(transient.values()))}")

    def _look_up(self, chunk: Sequence[Message], future: Future[list[Prepared | str]] | Any) -> _Part:
        """(Lookup thread) a chunk's prepared records, stored posts and indexed cluster candidates."""
        visible_upto = self.visibility.visible_upto
        started = time.perf_counter()
        try:
            prepared = future.result()
        except BrokenProcessPool:
            self.preparers.fall_back()
            prepared = prepare_values([message.value for message in chunk])
        records: _Records = {}
        invalid: list[tuple[Message, str]] = []
        for message, item in zip(chunk, prepared, strict=True):
            if isinstance(item, str):
                with self._lock:
                    self.stats["index/rejected/contract"] += 1
                invalid.append((message, item))
            else:
                records.setdefault(item.post_id, []).append((message, item))
        merged = {post_id: merge_records([item for _, item in group]) for post_id, group in records.items()}
        prepared_at = time.perf_counter()
        stored = self._stored(list(merged))
        with self._lock:
            self.seconds["prepare"] += prepared_at - started
            self.seconds["lookup"] += time.perf_counter() - prepared_at
        prints = [(post_id, item.post.fingerprint()) for post_id, item in merged.items()]
        keep = {post_id: item.cluster_id for post_id, item in stored.items() if item.cluster_id}
        try:
            indexed = self.clusterer.indexed(prints, keep)
        except (ApiError, TransportError) as exc:
            raise self._unavailable("cluster lookup", exc) from exc
        return _Part(records=records, merged=merged, stored=stored, prints=prints, keep=keep, indexed=indexed,
                     invalid=invalid, visible_upto=visible_upto)

    def _settle(self, records: _Records, outcome: BulkOutcome, skipped: set[str], rejected: list[Rejected]) -> None:
        """Count a part's outcome and remember each message's (written, rejected; transient: nothing)."""
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
            for message, _item in group:
                self._outcomes[_key(message)] = reason
                if reason is not None:
                    rejected.append(Rejected(message, reason))

    def _actions(self, part: _Part) -> list[dict[str, Any]]:
        """Assign the part's clusters and build its bulk actions (``create`` for posts not stored);
        posts that need no write go to ``part.skipped``."""
        started = time.perf_counter()
        self._recent.forget(part.visible_upto)  # found by this part's search and every later one
        self._seq += 1
        part.seq = self._seq
        clusters = self.clusterer.assign(part.prints, part.keep, self._recent, part.indexed, seq=part.seq)
        clustered = time.perf_counter()
        actions = []
        for post_id, item in part.merged.items():
            if post_id not in part.stored:
                part.created[post_id] = (item, clusters[post_id])
                actions.append(create_action(self.index, item, clusters[post_id]))
                continue
            action = update_action(self.index, item, part.stored[post_id], clusters[post_id])
            if action is None:
                part.skipped.add(post_id)
            else:
                actions.append(action)
        self.seconds["clusters"] += clustered - started
        self.seconds["actions"] += time.perf_counter() - clustered
        return actions

    def _resolve_conflicts(self, outcome: BulkOutcome, created: _Created) -> None:
        """Posts another writer created between our lookup and our ``create``: update them instead."""
        ids = sorted(outcome.conflicts)
        outcome.conflicts.clear()
        self.stats["index/create_conflicts"] += len(ids)
        stored = self._stored(ids)
        actions = []
        for post_id in ids:
            item, cluster_id = created[post_id]
            if post_id not in stored:  # deleted again meanwhile: the retry creates it
                outcome.transient[post_id] = "409 created and deleted by another writer meanwhile"
                continue
            action = update_action(self.index, item, stored[post_id], cluster_id)
            if action is None:
                outcome.written.add(post_id)
                outcome.unchanged.add(post_id)
            else:
                actions.append(action)
        outcome.add(self._timed_write(actions))

    def _timed_write(self, actions: list[dict[str, Any]], seq: int = 0) -> BulkOutcome:
        """(Bulk thread) write a part's actions; parts are written in order, so every part up to
        ``seq`` has been written once this returns."""
        started = time.perf_counter()
        try:
            return self.writer.write(actions)
        finally:
            self.seconds["bulk"] += time.perf_counter() - started
            if seq:
                self.visibility.wrote(seq)

    def _stored(self, ids: Sequence[str]) -> dict[str, Stored]:
        """What the index holds for these posts: a realtime ``mget``, which sees every writer's
        documents, refreshed or not."""
        if not ids:
            return {}
        try:
            response = self.client.mget(index=self.index, ids=list(ids), source_includes=STORED_FIELDS,
                                        realtime=True, filter_path=STORED_RESPONSE)
        except (ApiError, TransportError) as exc:
            raise self._unavailable("lookup of stored posts", exc) from exc
        stored = {}
        for doc in response.body.get("docs", ()):
            if "error" in doc:
                self.stats["index/transient"] += 1
                raise Retryable(f"lookup of stored posts failed: {error_reason(doc['error'])}")
            if doc.get("found"):
                stored[doc["_id"]] = Stored.from_source(doc["_source"])
        return stored

    def _unavailable(self, what: str, exc: ApiError | TransportError) -> Exception:
        """Retryable for transient problems; SearchUnavailable when credentials are refused."""
        if isinstance(exc, ApiError):
            if exc.status_code in (401, 403):
                return SearchUnavailable(f"Elasticsearch refused the credentials ({error_reason(exc.body)})")
            self.stats["index/transient"] += 1
            return Retryable(f"{what} failed: {exc.status_code} {error_reason(exc.body)}")
        self.stats["index/transient"] += 1
        return Retryable(f"{what} failed, Elasticsearch unreachable: {type(exc).__name__}: {exc}")
