"""Benchmark of the alert worker on the local stack; prints one JSON line.

- latency p50/p95 from a raw record produced on ``posts.raw`` (``fetched_at`` = that moment) to
  its notification received by a loopback JSON webhook, through the real enrichment consumer and
  indexer (``tipwatch enrich`` and ``tipwatch index`` subprocesses) and the alert worker. The
  crawler's own fetch is not included (the basis is stated in the output);
- posts/s through the alert worker with 1, 100 and 1,000 per-post rules, as a ratio to posts/s
  through the indexer (``run_indexer``) over the same posts, in the same run. Rates are measured
  from the end of the first batch to the end of the last (consumer-group joins excluded, alike).

Run it as ``python bench/alerts.py`` (a thin entry point: see there).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from elasticsearch import Elasticsearch  # noqa: E402
from scratch import cleanup, with_prefix  # noqa: E402  (bench/, the script's directory)

from indexer.alerts.alerters import build_alerters  # noqa: E402
from indexer.alerts.fields import fields_from_template  # noqa: E402
from indexer.alerts.options import AlertSettings  # noqa: E402
from indexer.alerts.rules import Rule, load_rule  # noqa: E402
from indexer.alerts.worker import AlertWorker  # noqa: E402
from indexer.worker import run_indexer  # noqa: E402
from tipwatch.config import Settings, load_settings  # noqa: E402
from tipwatch.contract import format_time, post_id, utc_now  # noqa: E402
from tipwatch.es import make_client  # noqa: E402
from tipwatch.setup import create_topics, install_templates  # noqa: E402
from tipwatch.stream import LoopStats, Message, Producer, Rejected  # noqa: E402

WORDS = ("casino", "driver", "hotel", "factory", "visa", "passport", "salary", "urgent", "online",
         "customer", "service", "Sihanoukville", "Bangkok", "Yangon", "Vientiane", "Manila", "typing", "job",
         "cook", "guard", "nurse", "fishing", "boat", "overseas", "free", "ticket", "housing", "deposit",
         "agent", "broker", "contract")
"""Signal words: each post carries three of them."""
VOCABULARY = 20_000
"""Other words of a post are drawn from this many synthetic words."""


def enriched(n: int, rng: random.Random, source: str = "bench") -> dict[str, Any]:
    """A plausible enriched record (random words, contacts, risk)."""
    words = [f"w{rng.randrange(VOCABULARY)}" for _ in range(50)] + rng.sample(WORDS, 3)
    rng.shuffle(words)
    text = " ".join(words)
    url = f"https://bench.example.test/{source}/{n}"
    phone = f"+8551{rng.randrange(10_000_000):07d}"
    level = rng.choice(("low", "medium", "high"))
    stamp = format_time(utc_now())
    return {
        "schema": "tipwatch.post/1", "id": post_id(source, url=url),
        "source": {"id": f"{source}-{n % 7}", "kind": "html", "country": "KH"}, "url": url,
        "fetched_at": stamp, "published_at": None, "author": None, "title": f"Job {n}", "text": text,
        "links": [], "media": [], "evidence": {"sha256": hashlib.sha256(text.encode()).hexdigest()},
        "crawl": {"job_id": "bench", "spider": "html"},
        "language": {"code": "en", "script": "Latn", "confidence": 0.9, "method": "bench"},
        "text_tokens": "", "indicators": [], "enriched_at": stamp,
        "contacts": [{"kind": "phone", "value": phone, "raw": phone, "start": 0, "end": 1},
                     {"kind": "telegram", "value": f"agent{n % 50}", "raw": f"@agent{n % 50}", "start": 0, "end": 1}],
        "risk": {"score": {"low": 0.1, "medium": 0.5, "high": 0.9}[level], "level": level},
    }


def produce(settings: Settings, topic: str, values: Sequence[dict[str, Any]]) -> None:
    """Send records to a topic and flush."""
    with Producer(settings, role="bench") as producer:
        for value in values:
            producer.send(settings.topic(topic), json.dumps(value).encode(), key=value["id"].encode())


def make_rules(directory: Path, count: int, rng: random.Random) -> list[Rule]:
    """``count`` per-post rules through the real loader: phrases, boolean queries, watch-lists, filters.
    One rule in 200 (and the first) is broad (a signal word: ~10% of posts); the rest match rarely,
    as investigators' watch rules do."""
    fields = fields_from_template()
    rules = []
    for i in range(count):
        a, b = (f"w{rng.randrange(VOCABULARY)}" for _ in range(2))
        kind = "broad" if i % 200 == 0 else i % 4
        text = {"broad": f"type: any\nquery: '{rng.choice(WORDS)}'\n",
                0: f"type: any\nquery: '\"{a} {b}\"'\n",
                1: f"type: any\nquery: '{a} AND {b} AND NOT {rng.choice(WORDS)}'\nfilters: {{risk: high}}\n",
                2: f"type: any\nfilters: {{contacts: [\"phone:+8551{rng.randrange(10_000_000):07d}\"]}}\n",
                3: f"type: any\nquery: '{a} OR {b}'\nfilters: {{language: [km, th]}}\n"}[kind]
        path = directory / f"r{count}-{i:04d}.yaml"  # unique names: alert ids include the rule name
        path.write_text(text, encoding="utf-8")
        rules.append(load_rule(path, fields))
    return rules


class Marks:
    """End times and sizes of batches, for a rate that excludes the consumer-group join."""

    def __init__(self) -> None:
        self.ends: list[tuple[float, int]] = []

    def rate(self) -> float:
        """Posts/s from the end of the first batch to the end of the last."""
        if len(self.ends) < 2:
            return float("nan")
        posts = sum(size for _, size in self.ends[1:])
        return posts / (self.ends[-1][0] - self.ends[0][0])


class TimedSink:
    """Wraps a sink and marks each batch's end."""

    def __init__(self, sink: Any, marks: Marks) -> None:
        self.sink, self.marks = sink, marks

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        rejected = self.sink.process(batch)
        self.marks.ends.append((time.monotonic(), len(batch)))
        return rejected


def indexer_rate(settings: Settings, count: int) -> float:
    """Posts/s through the indexer's consumer over ``count`` posts."""
    marks = Marks()
    previous = [0]

    def every_batch(stats: LoopStats) -> None:
        marks.ends.append((time.monotonic(), stats.messages - previous[0]))
        previous[0] = stats.messages

    run_indexer(settings, max_messages=count, every_batch=every_batch)
    return marks.rate()


def alert_rate(settings: Settings, tag: str, records: Sequence[dict[str, Any]], rules: list[Rule],
               client: Elasticsearch) -> tuple[float, int]:
    """Posts/s through the alert worker with ``rules`` (own topics, the posts index already filled)."""
    own = settings.model_copy(update={"kafka": with_prefix(settings, tag).kafka})
    create_topics(own)
    produce(own, "posts.enriched", records)
    worker = AlertWorker(own, rules, AlertSettings(), client=client, alerters=build_alerters({}))
    marks = Marks()
    worker.sink = TimedSink(worker.sink, marks)  # type: ignore[assignment]
    try:
        worker.run(max_messages=len(records))
    finally:
        worker.close()
    return marks.rate(), worker.sink.sink.alerts_created  # type: ignore[attr-defined]


class Webhook:
    """A loopback JSON receiver keeping the arrival time of each notification by post number."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                found = re.search(r"https://bench\.example\.test/latency/(\d+)", body.get("message", ""))
                if found:
                    hook.arrivals.setdefault(int(found.group(1)), time.time())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_port}/bench"


def raw(n: int) -> dict[str, Any]:
    """A raw record fetched now (latency starts at ``fetched_at``)."""
    url = f"https://bench.example.test/latency/{n}"
    text = f"Casino staff wanted in Sihanoukville, salary 1500 USD. Telegram @agent{n}. Post {n}."
    return {"schema": "tipwatch.post/1", "id": post_id("latency", url=url),
            "source": {"id": "latency", "kind": "html", "country": "KH"}, "url": url,
            "fetched_at": format_time(utc_now()), "published_at": None, "author": None, "title": f"Post {n}",
            "text": text, "links": [], "media": [], "evidence": {"sha256": hashlib.sha256(text.encode()).hexdigest()},
            "crawl": {"job_id": "bench", "spider": "html"}}


def latency(settings: Settings, count: int, interval_s: float, workdir: Path) -> dict[str, Any]:
    """Raw-produced -> notified latencies through enrich + index subprocesses and the alert worker."""
    create_topics(settings)
    client = make_client(settings)
    install_templates(client, settings)
    env = {**os.environ, "TIPWATCH_CONFIG_DIR": str(ROOT / "config"),
           "TIPWATCH_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
           "TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": settings.elasticsearch.index_prefix}
    workers = [subprocess.Popen([sys.executable, "-m", "tipwatch.cli", command], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=(workdir / f"{command}.log").open("w"))
               for command in ("enrich", "index")]
    hook = Webhook()
    path = workdir / "latency.yaml"
    path.write_text("type: any\nquery: Sihanoukville\nfilters: {sources: [latency]}\nnotify: [{env: HOOK}]\n")
    worker = AlertWorker(settings, [load_rule(path, fields_from_template())], AlertSettings(), client=client,
                         alerters=build_alerters({"HOOK": hook.url()}))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        produce(settings, "posts.raw", [raw(0)])  # warm-up: groups joined, models loaded
        deadline = time.time() + 180
        while 0 not in hook.arrivals and time.time() < deadline:
            time.sleep(0.2)
        if 0 not in hook.arrivals:
            raise RuntimeError(f"no notification for the warm-up post; see {workdir}/*.log")
        sent: dict[int, float] = {}
        for n in range(1, count + 1):
            record = raw(n)
            sent[n] = time.time()
            produce(settings, "posts.raw", [record])
            time.sleep(interval_s)
        deadline = time.time() + 60
        while len(hook.arrivals) < count + 1 and time.time() < deadline:
            time.sleep(0.2)
    finally:
        worker.stop()
        thread.join(timeout=60)
        worker.close()
        for process in workers:
            process.terminate()
            process.wait(timeout=60)
        hook.server.shutdown()
        client.close()
    values = sorted(hook.arrivals[n] - sent[n] for n in sent if n in hook.arrivals)
    return {"latency_basis": "raw record produced (fetched_at) -> enrich -> index + alert -> webhook received; "
                             "the crawler's fetch is not included",
            "latency_p50_s": round(statistics.median(values), 3) if values else None,
            "latency_p95_s": round(values[max(0, int(len(values) * 0.95) - 1)], 3) if values else None,
            "latency_posts": len(values), "latency_lost": count - len(values)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/alerts.py", description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--latency-posts", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between latency posts")
    parser.add_argument("--rules", default="1,100,1000")
    args = parser.parse_args(argv)
    base = load_settings(ROOT / "config" / "settings.yaml", environ={})
    tag = uuid.uuid4().hex[:8]
    settings = with_prefix(base, tag)
    used = [settings]
    rng = random.Random(7)
    result: dict[str, Any] = {"bench": "alerts", "posts": args.posts}
    client = make_client(settings)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            latency_settings = with_prefix(base, f"{tag}l")
            used.append(latency_settings)
            result.update(latency(latency_settings, args.latency_posts, args.interval, workdir))
            create_topics(settings)
            install_templates(client, settings)
            records = [enriched(n, rng) for n in range(args.posts)]
            produce(settings, "posts.enriched", records)
            base_rate = indexer_rate(settings, args.posts)
            result["indexer_posts_per_s"] = round(base_rate, 1)
            result["baseline"] = "indexer consumer (run_indexer) over the same posts, same run"
            for count in (int(c) for c in args.rules.split(",")):
                directory = workdir / f"rules-{count}"
                directory.mkdir()
                rate, alerts = alert_rate(settings, f"{tag}r{count}", records, make_rules(directory, count, rng),
                                          client)
                result[f"alert_posts_per_s_{count}_rules"] = round(rate, 1)
                result[f"alert_ratio_{count}_rules"] = round(rate / base_rate, 3)
                result[f"alerts_created_{count}_rules"] = alerts
                used.append(with_prefix(base, f"{tag}r{count}"))
    finally:
        cleanup(client, used)
        client.close()
    print(json.dumps(result))
    return 0
