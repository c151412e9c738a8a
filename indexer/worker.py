"""``tipwatch index``: consumer group ``index`` on ``posts.enriched`` -> ``tipwatch-posts``.

Offsets are committed by ``ConsumerLoop`` only after ``IndexSink.process`` returned, i.e. after
every document of the batch was written or dead-lettered (at-least-once; replays are harmless
because writes are idempotent). Crawl runs are written with ``record_crawl_run`` (re-exported here).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from indexer.crawls import record_crawl_run
from indexer.sink import IndexSink
from tipwatch.config.settings import Settings
from tipwatch.errors import SearchUnavailable, UserError
from tipwatch.es import make_client
from tipwatch.gctuning import fewer_collections
from tipwatch.stream import ConsumerLoop, LoopStats, stop_on_signals

log = logging.getLogger(__name__)

GROUP = "index"
STAGE = "index"
BATCH_SIZE = 2000
"""Records per batch (Kafka ``max_poll_records``). Elasticsearch idles between two batches (the last
bulk request, the commit, the next poll and the first part's preparation), so batches are large."""
PREPARE_WORKERS = 1
"""Processes validating and serialising records (``indexer.preparers``). One is enough: it prepares the
next batch while the current one is written, and a second costs more CPU than it saves here."""

__all__ = ["GROUP", "IndexReport", "check_ready", "record_crawl_run", "run_indexer"]


@dataclass(frozen=True)
class IndexReport:
    """What one run of the indexer did."""

    loop: LoopStats
    counters: dict[str, int]
    seconds: float
    phases: dict[str, float]


def check_ready(client: Elasticsearch, settings: Settings) -> None:
    """Elasticsearch answers and the posts alias exists; a one-sentence UserError otherwise."""
    alias = settings.index("posts")
    try:
        client.cluster.health(timeout="10s")
        exists = bool(client.indices.exists_alias(name=alias))
    except TransportError as exc:
        raise SearchUnavailable(
            f"cannot reach Elasticsearch at {', '.join(settings.elasticsearch.hosts)} ({type(exc).__name__}); "
            f"start it with 'tipwatch stack up' or fix elasticsearch.hosts"
        ) from exc
    except ApiError as exc:
        raise SearchUnavailable(f"Elasticsearch answered {exc.status_code} ({exc.message}); check the credentials "
                                f"(TIPWATCH_ES_API_KEY or TIPWATCH_ES_PASSWORD)") from exc
    if not exists:
        raise UserError(f"the index alias {alias} does not exist; run 'tipwatch setup' first")


def run_indexer(settings: Settings, *, client: Elasticsearch | None = None, max_messages: int | None = None,
                idle_timeout_s: float | None = None, handle_signals: bool = False, batch_size: int = BATCH_SIZE,
                prepare_workers: int = PREPARE_WORKERS, every_batch: Callable[[LoopStats], None] | None = None,
                **consumer_options: object) -> IndexReport:
    """Run the indexer until stopped, ``max_messages`` done, or idle for ``idle_timeout_s``.

    With ``prepare_workers`` > 0 the calling program's main module must be import-safe (the usual
    ``if __name__ == "__main__":`` guard): the worker processes import it, as ``multiprocessing`` does,
    and answer only once that import is done (keep its top-level imports light, as ``tipwatch`` does;
    until then the consumer prepares records inline).
    """
    own_client = client is None
    client = client or make_client(settings, serializer=OrjsonSerializer())
    sink: IndexSink | None = None
    try:
        check_ready(client, settings)
        sink = IndexSink(client, settings, prepare_workers=prepare_workers)
        loop = ConsumerLoop(settings, group=GROUP, topics=[settings.topic("posts.enriched")], stage=STAGE,
                            sink=sink, **{"max_poll_records": batch_size, **consumer_options})
        if handle_signals:
            stop_on_signals(loop)
        started = time.monotonic()
        with fewer_collections():
            stats = loop.run(max_messages=max_messages, idle_timeout_s=idle_timeout_s, on_batch=every_batch)
        seconds = time.monotonic() - started
    finally:
        if sink is not None:
            sink.close()
        if own_client:
            client.close()
    assert sink is not None
    counters = dict(Counter(sink.stats))
    log.info("indexer: %d messages in %.1f s, %s", stats.messages, seconds, counters)
    seconds_by_phase = sink.seconds + sink.clusterer.seconds + sink.visibility.seconds
    phases = {name: round(value, 2) for name, value in seconds_by_phase.items()}
    return IndexReport(loop=stats, counters=counters, seconds=seconds, phases=phases)
