"""Benchmark of the Kafka adapter and the local stack; prints one JSON line.

- messages/s through the tipwatch Producer + ConsumerLoop versus bare kafka-python producer and
  consumer on the same broker and payloads, in the same run (ratio; goal >= 0.9);
- cold-start and warm-start seconds of a private local stack and resident memory of each server.

Run: ``.venv/bin/python bench/stream.py [--messages N] [--skip-stack]`` (needs the local stack up).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaConsumer, KafkaProducer

from tipwatch.config import Settings, load_settings
from tipwatch.setup import create_topics
from tipwatch.stack import LocalStack
from tipwatch.stream import ConsumerLoop, Message, Producer, Rejected


def payloads(count: int) -> list[bytes]:
    """Realistic-size records (~1.5 KB JSON each)."""
    text = "รับสมัครพนักงานด่วน งานออนไลน์ เงินเดือนสูง ติดต่อ Telegram @jobs " * 12
    return [json.dumps({"id": f"{i:032x}", "text": text, "n": i}).encode() for i in range(count)]


def fresh(base: Settings) -> Settings:
    tag = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={"kafka": base.kafka.model_copy(
        update={"topic_prefix": f"bench{tag}.", "partitions": 3})})
    create_topics(settings, ("posts.raw", "deadletter"))
    return settings


def bare(settings: Settings, data: Sequence[bytes]) -> float:
    """Seconds to produce and consume ``data`` with plain kafka-python (acks=all, manual commit)."""
    topic = settings.topic("posts.raw")
    start = time.perf_counter()
    producer = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers, acks="all", linger_ms=5)
    for i, value in enumerate(data):
        producer.send(topic, value=value, key=str(i).encode())
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=settings.kafka.bootstrap_servers, group_id="bare",
                             enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=500)
    seen = 0
    while seen < len(data):
        for records in consumer.poll(timeout_ms=500).values():
            seen += len(records)
        consumer.commit()
    consumer.close()
    return time.perf_counter() - start


class CountSink:
    def __init__(self) -> None:
        self.count = 0

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        self.count += len(batch)
        return []


def tipwatch_path(settings: Settings, data: Sequence[bytes]) -> float:
    """Seconds to produce and consume ``data`` through the tipwatch adapter."""
    topic = settings.topic("posts.raw")
    start = time.perf_counter()
    with Producer(settings) as producer:
        for i, value in enumerate(data):
            producer.send(topic, value=value, key=str(i).encode())
        producer.flush()
    sink = CountSink()
    loop = ConsumerLoop(settings, group="tipwatch", topics=[topic], stage="bench", sink=sink)
    loop.run(max_messages=len(data))
    return time.perf_counter() - start


def stack_figures(base: Settings) -> dict[str, float]:
    """Cold and warm start of a private stack on other ports, and each server's memory."""
    with tempfile.TemporaryDirectory(prefix="tipwatch-bench-") as state:
        stack = LocalStack(base.model_copy(update={
            "paths": base.paths.model_copy(update={"state_dir": Path(state)}),
            "stack": base.stack.model_copy(update={
                "kafka_port": 29092, "kafka_controller_port": 29093, "elasticsearch_port": 29200}),
        }))
        try:
            begin = time.perf_counter()
            stack.up()
            cold = time.perf_counter() - begin
            rss = {s.name: round((s.rss or 0) / 2**20) for s in stack.status()}
            stack.down()
            begin = time.perf_counter()
            stack.up()
            warm = time.perf_counter() - begin
        finally:
            stack.down()
    return {"stack_cold_start_s": round(cold, 1), "stack_warm_start_s": round(warm, 1),
            "kafka_rss_mib": rss["kafka"], "elasticsearch_rss_mib": rss["elasticsearch"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--skip-stack", action="store_true")
    args = parser.parse_args()
    base = load_settings(Path("config/settings.yaml"), environ={})
    data = payloads(args.messages)
    bare_s = bare(fresh(base), data)
    ours_s = tipwatch_path(fresh(base), data)
    bare_s = min(bare_s, bare(fresh(base), data))
    ours_s = min(ours_s, tipwatch_path(fresh(base), data))
    figures: dict[str, object] = {
        "bench": "stream", "messages": args.messages,
        "bare_msgs_per_s": round(args.messages / bare_s), "tipwatch_msgs_per_s": round(args.messages / ours_s),
        "ratio_vs_bare": round(bare_s / ours_s, 3),
    }
    if not args.skip_stack:
        figures.update(stack_figures(base))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
