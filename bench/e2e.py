"""End-to-end benchmark: the bundled demo at ×10 volume, fetch → enriched → indexed → rules evaluated.
Prints one JSON line.

Volume: the demo site is served once and ``sources.yaml`` lists every demo source ten times under
distinct source ids (``demo-jobboard-x01`` … ``-x10``); a post's id hashes its source id, so the
crawl fetches and parses every page ten times and yields 10 × 242 distinct posts (classifieds
rendered in Chromium included; a post listed twice by one source, e.g. in a Mastodon hashtag
timeline and in an account's statuses, is sent twice and indexed once: ``raw_records`` counts both).
One crawl process (``python -m crawlers.runner``, what ``tipwatch crawl`` runs) crawls the 70
sources with politeness off (no download delay, no autothrottle: the server is local); one process
each of ``tipwatch enrich``, ``index`` and ``alerts`` (the demo rules, notifying the demo's JSON
webhook receiver) runs throughout.

Figures:
- ``e2e_posts_per_s``: posts / seconds from the crawl's start until every post is indexed and the
  alert group has evaluated every post (lag 0);
- per stage: posts and the seconds between the stage's first and last progress (topic end offsets
  for fetch, committed offsets for the consumer groups), and their ratio. The stages run as a
  pipeline, so a stage that keeps up shows its upstream's rate; ``lag_when_fetch_ended`` tells
  which stages kept up;
- consumer lag per group when the crawl ended and at the end;
- latency from ``fetched_at`` to searchable (the index polled every 0.25 s without forcing a
  refresh) and to the webhook notification (per-post rules), p50/p95;
- baseline in the same run: the bare ``helpers.bulk`` rate of the same indexed documents into a
  scratch index with the posts mapping, and the ratio of the end-to-end rate to it.

Needs the local stack (started if it is not running). Everything carries a unique prefix and is
deleted at the end. ``.venv/bin/python bench/e2e.py [--copies 10]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import demo  # noqa: E402
from demo.corpus import load_corpus  # noqa: E402
from demo.receiver import start_receiver  # noqa: E402
from tests.conftest import _cleanup, base_settings, unique_settings  # noqa: E402
from tests.reliability.harness import STREAM, Observer, Pipeline, notified_alert_ids, worker_env  # noqa: E402
from tipwatch.config import Settings, load_sources  # noqa: E402
from tipwatch.contract import parse_time  # noqa: E402
from tipwatch.es import make_client  # noqa: E402
from tipwatch.setup import create_topics, install_templates  # noqa: E402
from tipwatch.stack import LocalStack  # noqa: E402

FAST = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
"""Politeness off: the demo server is on loopback."""


def multiplied_sources(base_url: str, copies: int) -> str:
    """The demo's sources.yaml with every source ``copies`` times under distinct ids."""
    original = yaml.safe_load(demo.sources_for(base_url))["sources"]
    sources = [{**source, "id": f"{source['id']}-x{copy:02d}"} for copy in range(1, copies + 1) for source in original]
    return yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False)


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50 and p95 (nearest rank) in seconds, and the sample size."""
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))], 3)

    return {"p50": rank(0.50), "p95": rank(0.95), "n": len(ordered)}


class Sampler(threading.Thread):
    """Every ``interval`` s: topic ends, committed offsets per group, newly searchable post ids (no refresh)."""

    def __init__(self, settings: Settings, interval: float = 0.25) -> None:
        super().__init__(name="bench-sampler", daemon=True)
        self.observer = Observer(settings)
        self.settings = settings
        self.interval = interval
        self.searchable_at: dict[str, float] = {}
        self.progress: dict[str, list[tuple[float, int]]] = {"fetch": [], **{stage: [] for stage in STREAM}}
        self._stop_event = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        client = self.observer.client
        while not self._stop_event.wait(self.interval):
            now = time.time()
            with self.lock:
                self.progress["fetch"].append((now, sum(self.observer.end_offsets("posts.raw").values())))
                for stage in STREAM:
                    lag = self.observer.lag(stage)
                    topic = "posts.raw" if stage == "enrich" else "posts.enriched"
                    ends = sum(self.observer.end_offsets(topic).values())
                    if lag >= 0:
                        self.progress[stage].append((now, ends - lag))
            try:
                response = client.search(index=self.settings.index("posts"), size=10_000, source=False,
                                         query={"match_all": {}}, track_total_hits=False, request_cache=False)
            except (ApiError, TransportError) as exc:
                logging.getLogger(__name__).warning("sampling the posts index: %s", exc)
                continue
            for hit in response["hits"]["hits"]:
                self.searchable_at.setdefault(hit["_id"], now)

    def stop(self) -> None:
        """Stop sampling and close the clients."""
        self._stop_event.set()
        self.join(timeout=10)
        self.observer.close()

    def stage(self, name: str) -> dict[str, float | int]:
        """Posts done by a stage and the seconds between its first and last progress."""
        samples = self.progress[name]
        if not samples:
            return {"posts": 0, "seconds": 0.0, "posts_per_s": 0.0}
        final = samples[-1][1]
        start = next((t for t, done in samples if done > 0), samples[0][0])
        end = next((t for t, done in samples if done >= final), samples[-1][0])
        seconds = max(end - start, self.interval)
        return {"posts": final, "seconds": round(seconds, 2), "posts_per_s": round(final / seconds, 1)}


def bare_bulk_rate(client: Elasticsearch, settings: Settings, rounds: int = 3) -> dict[str, Any]:
    """``helpers.bulk`` of the indexed documents into scratch indices with the posts mapping; docs/s."""
    alias = settings.index("posts")
    backing = next(iter(client.indices.get_alias(name=alias)))
    mapping = client.indices.get_mapping(index=backing)[backing]["mappings"]
    analysis = client.indices.get_settings(index=backing)[backing]["settings"]["index"].get("analysis")
    docs = [(hit["_id"], hit["_source"]) for hit in helpers.scan(client, index=alias, size=1000)]
    rates = []
    for number in range(rounds):
        scratch = settings.index(f"bulk-baseline-{number}")
        index_settings: dict[str, Any] = {"number_of_replicas": 0}
        if analysis:
            index_settings["analysis"] = analysis
        client.indices.create(index=scratch, mappings=mapping, settings=index_settings)
        actions = ({"_index": scratch, "_id": doc_id, "_source": source} for doc_id, source in docs)
        started = time.perf_counter()
        helpers.bulk(client, actions, chunk_size=settings.elasticsearch.bulk_chunk_size, refresh="wait_for")
        rates.append(len(docs) / (time.perf_counter() - started))
        client.indices.delete(index=scratch)
    return {"docs": len(docs), "rounds": rounds, "docs_per_s": round(statistics.median(rates), 1)}


def notification_latencies(client: Elasticsearch, settings: Settings, received: list[dict[str, Any]]) -> list[float]:
    """Seconds from a post's ``fetched_at`` to its per-post alert's arrival at the webhook receiver."""
    client.indices.refresh(index=settings.index("alerts"))
    fetched = {hit["_id"]: hit["_source"]["post"]["fetched_at"]
               for hit in helpers.scan(client, index=settings.index("alerts"), size=500,
                                       query={"query": {"exists": {"field": "post.id"}}})}
    latencies = []
    for entry in received:
        arrived = datetime.fromisoformat(entry["received_at"])
        for alert_id in notified_alert_ids([entry]):
            if alert_id in fetched:
                latencies.append((arrived - parse_time(fetched[alert_id])).total_seconds())
    return latencies


def run(copies: int, work: Path) -> dict[str, Any]:
    """The whole benchmark in ``work``; the figures."""
    base = base_settings()
    LocalStack(base).up()
    settings = unique_settings(base)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={
        "evidence_dir": work / "evidence", "spool_dir": work / "spool"})})
    create_topics(settings)
    client = make_client(settings)
    install_templates(client, settings)
    config = work / "config"
    config.mkdir()
    shutil.copy(ROOT / "config" / "settings.yaml", config / "settings.yaml")
    shutil.copytree(ROOT / "config" / "indicators", config / "indicators")
    shutil.copytree(demo.RULES_DIR, config / "rules")
    site, base_url = demo.serve()
    sources_path = config / "sources.yaml"
    sources_path.write_text(multiplied_sources(base_url, copies), encoding="utf-8")
    source_ids = [source.id for source in load_sources(sources_path).sources]
    receiver = start_receiver(work / "notifications.jsonl")
    env = worker_env(settings, config, {demo.WEBHOOK_ENV: receiver.apprise_url})
    pipeline = Pipeline(env, work / "logs")
    sampler = Sampler(settings)
    observer = Observer(settings)
    try:
        pipeline.start(*STREAM)
        time.sleep(8.0)  # the workers join their groups before the first post arrives
        sampler.start()
        overrides = [arg for key, value in FAST.items() for arg in ("--set", f"{key}={json.dumps(value)}")]
        started = time.time()
        crawl = subprocess.run([sys.executable, "-m", "crawlers.runner", "--sources", str(sources_path), "--json",
                                *overrides, *source_ids], capture_output=True, text=True, env=env, cwd=ROOT,
                               timeout=1800, check=False)
        fetched_in = time.time() - started
        result = json.loads(crawl.stdout.strip().splitlines()[-1]) if crawl.stdout.strip() else {}
        crawled = result.get("stats", {})
        if crawl.returncode != 0:
            raise SystemExit(f"the crawl failed ({crawl.returncode}): {crawl.stderr[-1500:]}")
        lag_at_fetch_end = observer.lags(*STREAM)
        records = sum(observer.end_offsets("posts.raw").values())
        posts = len(load_corpus().posts) * copies
        deadline = time.time() + 1800
        while True:
            lags = observer.lags(*STREAM)
            if len(sampler.searchable_at) >= posts and all(lag == 0 for lag in lags.values()):
                break
            if time.time() > deadline or not sampler.is_alive():
                raise SystemExit(f"the pipeline did not drain: {len(sampler.searchable_at)} of {posts} posts "
                                 f"searchable, lag {lags}, sampler alive {sampler.is_alive()}")
            time.sleep(0.5)
        finished = time.time()
        time.sleep(3.0)  # the last notifications
        sampler.stop()
        lag_end = observer.lags(*STREAM)
        fetched_at = {hit["_id"]: parse_time(hit["_source"]["fetched_at"]).timestamp()
                      for hit in helpers.scan(client, index=settings.index("posts"), size=1000,
                                              _source_includes=["fetched_at"])}
        searchable = [sampler.searchable_at[post_id] - moment for post_id, moment in fetched_at.items()
                      if post_id in sampler.searchable_at]
        notified = notification_latencies(client, settings, receiver.received)
        baseline = bare_bulk_rate(client, settings)
        e2e = posts / (finished - started)
        stages = {"fetch": sampler.stage("fetch"), **{stage: sampler.stage(stage) for stage in STREAM}}
        return {
            "bench": "e2e",
            "volume": f"demo x{copies}: {len(source_ids)} sources ({copies} copies of each demo source under "
                      f"distinct ids), one crawl process with politeness off",
            "posts": posts,
            "raw_records": records,
            "indexed": len(fetched_at),
            "e2e_seconds": round(finished - started, 1),
            "e2e_posts_per_s": round(e2e, 1),
            "stages": {
                "fetch": {**stages["fetch"], "pages": crawled.get("pages"), "items": crawled.get("items"),
                          "crawl_process_seconds": round(fetched_in, 1), "crawl_seconds": crawled.get("duration_s"),
                          "errors": crawled.get("errors")},
                **{stage: stages[stage] for stage in STREAM},
            },
            "lag_when_fetch_ended": lag_at_fetch_end,
            "lag_at_end": lag_end,
            "latency_s": {"fetch_to_searchable": percentiles(searchable),
                          "fetch_to_notification": percentiles(notified)},
            "notifications": len(receiver.received),
            "baseline_bare_bulk": baseline,
            "ratio_e2e_to_bare_bulk": round(e2e / baseline["docs_per_s"], 3),
            "machine": "2 cores shared with the stack and other work",
        }
    finally:
        if sampler.is_alive():
            sampler.stop()
        pipeline.stop(grace_s=30)
        observer.close()
        site.stop()
        receiver.stop()
        client.close()
        _cleanup(settings)


def main() -> int:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of each demo source (default 10)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tipwatch-bench-e2e-") as folder:
        figures = run(args.copies, Path(folder))
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
