"""Pipeline progress from real offsets: lag per consumer group drops to zero once a stage commits."""

from __future__ import annotations

from collections.abc import Sequence

from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.run.progress import ProgressProbe
from tipwatch.setup import create_topics
from tipwatch.stream import ConsumerLoop, Message, Producer, Rejected


class Nothing:
    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        return []


def test_lag_and_produced_counts(stack_settings: Settings) -> None:
    create_topics(stack_settings)
    with Producer(stack_settings) as producer:
        for i in range(7):
            producer.send(stack_settings.topic("posts.raw"), value=f"{i}".encode())
        producer.flush()
    client = make_client(stack_settings)
    probe = ProgressProbe(stack_settings, client)
    before = probe.snapshot()
    assert before.produced["posts.raw"] == 7
    assert before.lag["enrich"] == 7 and not before.drained
    ConsumerLoop(stack_settings, group="enrich", topics=[stack_settings.topic("posts.raw")], stage="enrich",
                 sink=Nothing()).run(idle_timeout_s=3)
    after = probe.snapshot()
    assert after.lag["enrich"] == 0 and after.drained
    assert after.indexed == 0 and after.dead_letters == 0
    probe.close()
    client.close()
