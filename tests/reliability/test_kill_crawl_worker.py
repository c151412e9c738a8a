"""The crawl-focused variant of the kill test: the crawl worker is killed with SIGKILL (with the crawl
process it runs, as an OOM kill or a lost machine would) five times mid-crawl while it works through
one job per demo source; afterwards every post of every source must be in the index exactly once."""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from crawlers.scheduling.scheduler import Scheduler
from demo.corpus import load_corpus
from tests.reliability.harness import Pipeline, wait_for
from tests.reliability.observer import Observer
from tipwatch.config import Settings, load_sources
from tipwatch.es import make_client
from tipwatch.stack.process import children
from tipwatch.stream import Producer

pytestmark = [pytest.mark.slow, pytest.mark.stack]

KILLS = 5
SEED = int(os.environ.get("TIPWATCH_RELIABILITY_SEED", "3"))
SOURCES = {  # source id -> (demo source, Telegram channel): the demo's non-rendered sources
    "demo-jobboard": ("jobboard", None),
    "demo-telegram-kh": ("telegram", "kh_easyjob_center"),
    "demo-telegram-th": ("telegram", "thai_lao_jobs_board"),
    "demo-mastodon": ("mastodon", None),
    "demo-bluesky": ("bluesky", None),
    "demo-feed": ("feed", None),
}


def runs(settings: Settings, client: Elasticsearch) -> list[dict[str, Any]]:
    """Every recorded crawl run."""
    client.indices.refresh(index=settings.index("crawls"))
    return [hit["_source"] for hit in client.search(index=settings.index("crawls"), size=100)["hits"]["hits"]]


def mid_crawl(pipeline: Pipeline, observer: Observer, timeout_s: float = 120.0) -> int:
    """Wait until the crawl worker runs a crawl process that has sent records; the records on posts.raw."""
    deadline = time.monotonic() + timeout_s
    runner, baseline = None, 0
    while time.monotonic() < deadline:
        pid = pipeline.pid("crawl")
        crawl_processes = children(pid) if pid else []
        raw = sum(observer.end_offsets("posts.raw").values())
        if crawl_processes and crawl_processes[0] != runner:
            runner, baseline = crawl_processes[0], raw
        elif crawl_processes and raw > baseline:
            return raw
        time.sleep(0.2)
    raise AssertionError(f"no crawl sent records within {timeout_s:.0f} s: {pipeline.tail('crawl')}")


def test_kill_9_the_crawl_worker_mid_crawl(rel_settings: Settings, pipeline: Pipeline, observer: Observer,
                                          demo_sources: Path) -> None:
    corpus = load_corpus()
    expected = {source_id: len(corpus.of(*where)) for source_id, where in SOURCES.items()}
    rng = random.Random(SEED)
    pipeline.start("crawl", "enrich", "index", extra={"crawl": ["--sources", str(demo_sources)]})
    client = make_client(rel_settings)
    with Producer(rel_settings, role="reliability") as producer:
        scheduler = Scheduler(rel_settings, load_sources(demo_sources), client, producer)
        jobs = {scheduler.emit(source_id, "manual").job_id for source_id in SOURCES}
    kills = []
    for _ in range(KILLS):
        mid_crawl(pipeline, observer)
        time.sleep(rng.uniform(0.0, 1.0))
        raw = sum(observer.end_offsets("posts.raw").values())
        kills.append(f"pid {pipeline.kill9('crawl')} after {raw} raw records")
        assert pipeline.restart_dead() == ["crawl"]

    def done() -> bool:
        recorded = {run["run_id"] for run in runs(rel_settings, client)}
        return jobs <= recorded and all(lag == 0 for lag in observer.lags("crawl", "enrich", "index").values())

    wait_for(done, 300, "every job to be recorded and the pipeline to drain", interval_s=2.0,
             describe=lambda: f"{observer.lags('crawl', 'enrich', 'index')}; {pipeline.tail('crawl')}")
    recorded = runs(rel_settings, client)
    client.close()
    statuses = Counter(f"{run['source_id']}:{run['status']}" for run in recorded)
    ids = observer.indexed_ids()
    per_source: Counter[str] = Counter()
    for source_id in SOURCES:
        per_source[source_id] = observer.client.count(index=rel_settings.index("posts"),
                                                      query={"term": {"source.id": source_id}})["count"]
    counts = (f"{KILLS} kills ({'; '.join(kills)}); runs {dict(statuses)}; indexed per source {dict(per_source)} "
              f"of {expected}; {len(ids)} documents, {len(set(ids))} unique ids; restarts {pipeline.restarts()}")

    assert len(ids) == len(set(ids)), counts
    assert dict(per_source) == expected, counts
    assert all(status.endswith(":finished") for status in statuses if status.split(":")[0] in SOURCES), counts
    print(counts)
