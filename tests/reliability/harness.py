"""The reliability suite's harness: a private stack, real worker processes, and what they produced.

    private_settings(base, state_dir, offset)   the suite's own Kafka + Elasticsearch (ports 29092/29093/29200)
    seed_from_shared(stack)                reuse the already downloaded jars and distribution (no mvn run)
    worker_env(settings, config_dir)       environment that points a worker process at those settings
    Pipeline(env, log_dir)                 worker processes (``python -m tipwatch.cli ...``) under
                                           ``tipwatch.run.supervisor.Supervisor``: start, kill -9, restart
    Observer(settings)                     lag per consumer group, indexed ids, alerts, dead letters
    exactly_once(observer, received, corpus)   every post indexed once, every alert notified once?
    deadletter_cli / deadletter_list       ``tipwatch deadletter …`` run as a user runs it
    wait_for(check, timeout_s, what)       poll a condition with a deadline; the last state on failure
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

import demo
from tests.reliability.corpus import CANARY, Corpus
from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.run.supervisor import Child, Supervisor
from tipwatch.stack import LocalStack
from tipwatch.stack.process import port_open
from tipwatch.stream.connection import kafka_options

ROOT = Path(__file__).resolve().parents[2]
SHARED_STATE = ROOT / ".tipwatch"
KAFKA_PORT, CONTROLLER_PORT, ES_PORT = 29092, 29093, 29200
"""The private stack's ports (the shared stack uses 9092/9093/9200, tests/tipwatch/test_stack 19xxx).
Below Linux's ephemeral range (32768-60999): in it (they were 39xxx), an outgoing connection of any
client could hold one of them as its local port, and a server then failed to bind ("Address already
in use") although nothing listened there, which is all ``port_open`` can see."""
WORKERS: dict[str, list[str]] = {
    "enrich": ["enrich"],
    "index": ["index"],
    "alert": ["alerts"],
    "crawl": ["crawl-worker"],
}
"""Stage name -> ``tipwatch`` sub-command; the stage name is also its consumer group."""
GROUP_TOPICS = {"crawl": "crawl.jobs", "enrich": "posts.raw", "index": "posts.enriched", "alert": "posts.enriched"}
STREAM = ("enrich", "index", "alert")
"""The stream workers the corpus flows through."""
RULE_NAME = "reliability-canary"
RULE = f"""# The reliability suite's rule: every post with the canary word, notified to the webhook receiver.
description: Posts carrying the reliability canary word
owner: reliability suite
severity: low
type: any
query: {CANARY}
realert: 0s
notify:
  - env: {demo.WEBHOOK_ENV}
"""
ALERT_ID = re.compile(r"Alert ([0-9a-f]{32})")
"""How a notification names its alert (``indexer/alerts/templates/alert.md.j2``)."""

T = TypeVar("T")


def private_settings(base: Settings, state_dir: Path, offset: int = 0) -> Settings:
    """``base`` pointed at the suite's own servers (ports 29092/29093/29200 + ``offset``, ES heap 512m)."""
    stack = base.stack.model_copy(update={
        "kafka_port": KAFKA_PORT + offset, "kafka_controller_port": CONTROLLER_PORT + offset,
        "elasticsearch_port": ES_PORT + offset, "elasticsearch_heap_min": "512m", "elasticsearch_heap_max": "512m",
    })
    return base.model_copy(update={
        "stack": stack,
        "paths": base.paths.model_copy(update={"state_dir": state_dir}),
        "kafka": base.kafka.model_copy(update={"bootstrap_servers": [f"127.0.0.1:{KAFKA_PORT + offset}"]}),
        "elasticsearch": base.elasticsearch.model_copy(update={"hosts": [f"http://127.0.0.1:{ES_PORT + offset}"]}),
    })


OFFSETS = range(0, 100, 10)
"""The port offsets ``free_offset`` tries, in order."""


def private_ports(offset: int) -> tuple[int, ...]:
    """The four ports of the private stack at ``offset``: Kafka, its controller, Elasticsearch HTTP and
    transport (HTTP + 100, as ``tipwatch.stack`` configures it)."""
    return KAFKA_PORT + offset, CONTROLLER_PORT + offset, ES_PORT + offset, ES_PORT + 100 + offset


def free_offset() -> int:
    """The first port offset (0, 10, 20 …) whose four ports are free: another checkout running this
    suite at the same time keeps its own servers."""
    for offset in OFFSETS:
        if not any(port_open(port) for port in private_ports(offset)):
            return offset
    raise RuntimeError(f"no free ports for the reliability stack from {KAFKA_PORT} on")


def seed_from_shared(stack: LocalStack, shared: Path = SHARED_STATE) -> list[str]:
    """Copy the Kafka jars and the unpacked Elasticsearch of the shared stack, when present, so that
    ``install`` finds them and does not run ``mvn`` again; what was copied."""
    copied = []
    kafka_libs = shared / "kafka" / "libs"
    if (kafka_libs / ".complete").exists() and not stack.kafka.libs.exists():
        shutil.copytree(kafka_libs, stack.kafka.libs)
        copied.append("kafka jars")
    dist = shared / "elasticsearch" / "dist"
    if (dist / stack.elasticsearch.es_home.name / "bin" / "elasticsearch").exists() and \
            not stack.elasticsearch.dist.exists():
        shutil.copytree(dist, stack.elasticsearch.dist, symlinks=True)
        copied.append("elasticsearch distribution")
    return copied


def worker_env(settings: Settings, config_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment of a worker process: this process's, without other ``TIPWATCH_*`` variables, plus
    the overrides that point it at ``settings`` (servers, prefixes, paths) and ``config_dir``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIPWATCH_")}
    env.update({
        "TIPWATCH_CONFIG_DIR": str(config_dir),
        "TIPWATCH_KAFKA__BOOTSTRAP_SERVERS": ",".join(settings.kafka.bootstrap_servers),
        "TIPWATCH_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "TIPWATCH_KAFKA__SESSION_TIMEOUT_MS": "6000",
        "TIPWATCH_KAFKA__RETRY_BACKOFF_MAX_S": "5",
        "TIPWATCH_ELASTICSEARCH__HOSTS": ",".join(settings.elasticsearch.hosts),
        "TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": settings.elasticsearch.index_prefix,
        "TIPWATCH_PATHS__STATE_DIR": str(settings.paths.state_dir),
        "TIPWATCH_PATHS__EVIDENCE_DIR": str(settings.paths.evidence_dir),
        "TIPWATCH_PATHS__SPOOL_DIR": str(settings.paths.spool_dir),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str, interval_s: float = 1.0,
             describe: Callable[[], str] | None = None) -> T:
    """Poll ``check`` until it returns something truthy (returned); AssertionError naming ``what``
    and the last state (``describe()``) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            state = describe() if describe else ""
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}. {state}")
        time.sleep(interval_s)


class Pipeline:
    """Worker processes of one test, each ``python -m tipwatch.cli <command>`` in its own session."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.supervisor = Supervisor(env, max_restarts=10)
        self.killed: list[tuple[str, int]] = []

    def start(self, *stages: str, extra: Mapping[str, list[str]] | None = None) -> None:
        """Start one process per stage (``extra`` adds arguments per stage)."""
        for stage in stages:
            argv = [sys.executable, "-m", "tipwatch.cli", *WORKERS[stage], *(extra or {}).get(stage, [])]
            self.supervisor.add(stage, argv, self.log_dir)

    def child(self, stage: str) -> Child:
        """The supervised child of a stage."""
        return next(child for child in self.supervisor.children if child.name == stage)

    def pid(self, stage: str) -> int | None:
        """The running pid of a stage (None when it is not running)."""
        return self.supervisor.pids().get(stage)

    def kill9(self, stage: str) -> int:
        """SIGKILL the stage's whole process group (a crawl worker's crawl process too); the pid."""
        process = self.child(stage).process
        assert process is not None and process.poll() is None, f"{stage} is not running: {self.tail(stage)}"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.killed.append((stage, process.pid))
        return process.pid

    def restart_dead(self) -> list[str]:
        """Restart the children that exited (the supervisor's own check)."""
        return self.supervisor.check()

    def restarts(self) -> dict[str, int]:
        """Restarts per stage so far."""
        return {child.name: child.restarts for child in self.supervisor.children}

    def tail(self, stage: str, lines: int = 15) -> str:
        """The end of a stage's log."""
        path = self.log_dir / f"{stage}.log"
        if not path.exists():
            return f"(no log at {path})"
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def log(self, stage: str) -> str:
        """A stage's whole log."""
        path = self.log_dir / f"{stage}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self, grace_s: float = 30.0) -> None:
        """SIGTERM every child (upstream first), SIGKILL after ``grace_s``."""
        self.supervisor.stop(grace_s=grace_s)


@dataclass(frozen=True)
class DeadLetterRow:
    """One line of ``tipwatch deadletter list --json``."""

    stage: str
    reason: str
    original_topic: str
    original_offset: int
    bytes: int
    truncated: bool


class Observer:
    """Reads what the pipeline did: group lag, index contents, alerts, dead letters."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: Elasticsearch = make_client(settings, request_timeout=10, max_retries=0)
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None

    def _kafka(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None or self._consumer is None:
            self._admin = KafkaAdminClient(**kafka_options(self.settings, "reliability-observer"))
            self._consumer = KafkaConsumer(**kafka_options(self.settings, "reliability-offsets"),
                                           enable_auto_commit=False)
        return self._admin, self._consumer

    def _reset_kafka(self) -> None:
        for client in (self._admin, self._consumer):
            if client is not None:
                with contextlib.suppress(KafkaError, OSError):
                    client.close()
        self._admin = self._consumer = None

    def end_offsets(self, topic: str) -> dict[int, int]:
        """Partition -> end offset of a topic."""
        _, consumer = self._kafka()
        name = self.settings.topic(topic)
        partitions = consumer.partitions_for_topic(name) or set()
        tps = [TopicPartition(name, p) for p in sorted(partitions)]
        return {tp.partition: end for tp, end in consumer.end_offsets(tps).items()} if tps else {}

    def lag(self, group: str) -> int:
        """Messages of the group's topic not yet committed by the group (-1 when Kafka does not answer)."""
        try:
            admin, _ = self._kafka()
            ends = self.end_offsets(GROUP_TOPICS[group])
            group_id = f"{self.settings.kafka.topic_prefix}{group}"
            committed = admin.list_group_offsets(group_id).get(group_id, {})
        except (KafkaError, OSError):
            self._reset_kafka()
            return -1
        done = {tp.partition: meta.offset for tp, meta in committed.items()
                if tp.topic == self.settings.topic(GROUP_TOPICS[group]) and meta.offset >= 0}
        return sum(max(0, end - done.get(partition, 0)) for partition, end in ends.items())

    def lags(self, *groups: str) -> dict[str, int]:
        """Lag of each group."""
        return {group: self.lag(group) for group in groups}

    def _refresh(self, name: str) -> None:
        with contextlib.suppress(ApiError, TransportError):
            self.client.indices.refresh(index=self.settings.index(name))

    def indexed_count(self) -> int:
        """Documents in the posts alias (-1 when Elasticsearch does not answer)."""
        try:
            self._refresh("posts")
            return int(self.client.count(index=self.settings.index("posts"))["count"])
        except (ApiError, TransportError):
            return -1

    def indexed_ids(self) -> list[str]:
        """The id of every document in the posts alias (duplicates kept, if there were any)."""
        self._refresh("posts")
        return [hit["_id"] for hit in helpers.scan(self.client, index=self.settings.index("posts"),
                                                   query={"query": {"match_all": {}}, "_source": False},
                                                   size=1000)]

    def alerts(self, rule: str | None = None) -> list[dict[str, Any]]:
        """Every alert document (id included), optionally of one rule."""
        self._refresh("alerts")
        query = {"term": {"rule.name": rule}} if rule else {"match_all": {}}
        return [{"id": hit["_id"], **hit["_source"]}
                for hit in helpers.scan(self.client, index=self.settings.index("alerts"),
                                        query={"query": query}, size=500)]

    def alert_statuses(self, rule: str | None = None) -> Counter[str]:
        """Alerts by status."""
        try:
            return Counter(alert["status"] for alert in self.alerts(rule))
        except (ApiError, TransportError):
            return Counter({"unreachable": 1})

    def dead_letters(self) -> int:
        """Records on the dead-letter topic."""
        try:
            return sum(self.end_offsets("deadletter").values())
        except (KafkaError, OSError):
            self._reset_kafka()
            return -1

    def close(self) -> None:
        """Close every client."""
        self._reset_kafka()
        self.client.close()


def notified_alert_ids(received: list[dict[str, Any]]) -> list[str]:
    """The alert id of every notification the webhook receiver got (duplicates kept)."""
    ids = []
    for entry in received:
        payload = entry.get("payload") or {}
        text = f"{payload.get('title', '')}\n{payload.get('message', '')}" if isinstance(payload, dict) else ""
        ids.extend(ALERT_ID.findall(text))
    return ids


def deadletter_cli(env: dict[str, str], *args: str) -> str:
    """Run ``tipwatch deadletter ARGS`` as a user would; its standard output."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "tipwatch.cli", "deadletter", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, f"tipwatch deadletter {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def deadletter_list(env: dict[str, str]) -> list[DeadLetterRow]:
    """``tipwatch deadletter list --json``, parsed."""
    rows = [json.loads(line) for line in deadletter_cli(env, "list", "--json").splitlines() if line.startswith("{")]
    return [DeadLetterRow(stage=row["stage"], reason=row["reason"], original_topic=row["original_topic"],
                          original_offset=row["original_offset"], bytes=row["bytes"],
                          truncated=row["truncated"]) for row in rows]


@contextlib.contextmanager
def observing(settings: Settings) -> Iterator[Observer]:
    """An Observer closed at the end."""
    observer = Observer(settings)
    try:
        yield observer
    finally:
        observer.close()


@dataclass(frozen=True)
class Outcome:
    """What a stream test checks at the end, with the counts for its assertion message."""

    summary: str
    lost: tuple[str, ...]
    """What is missing or wrong apart from duplicate notifications (posts, alerts, dead letters)."""
    twice: tuple[str, ...]
    """Alert ids the webhook receiver got more than once."""

    @property
    def problems(self) -> tuple[str, ...]:
        """Everything that is not exactly once."""
        return self.lost + ((f"{len(self.twice)} alerts notified twice, e.g. {list(self.twice[:3])}",)
                            if self.twice else ())


def stream_drained(observer: Observer, received: list[dict[str, Any]], corpus: Corpus) -> bool:
    """Every post indexed, every stream group caught up, every expected alert sent and notified."""
    alerts = len(corpus.canary_ids)
    return (observer.indexed_count() == len(corpus.records)
            and all(lag == 0 for lag in observer.lags(*STREAM).values())
            and observer.alert_statuses(RULE_NAME).get("sent", 0) == alerts
            and len(received) >= alerts)


def stream_state(observer: Observer, received: list[dict[str, Any]], pipeline: Pipeline) -> str:
    """The pipeline's state, for a timeout message."""
    return (f"indexed {observer.indexed_count()}, lag {observer.lags(*STREAM)}, alerts "
            f"{dict(observer.alert_statuses(RULE_NAME))}, notifications {len(received)}, "
            f"restarts {pipeline.restarts()}; logs in {pipeline.log_dir}")


def exactly_once(observer: Observer, received: list[dict[str, Any]], corpus: Corpus) -> Outcome:
    """Every post in the index exactly once, every canary alert sent and notified exactly once,
    nothing dead-lettered; the counts, and what is wrong."""
    ids = observer.indexed_ids()
    expected = set(corpus.ids)
    duplicated = [post_id for post_id, n in Counter(ids).items() if n > 1]
    missing, extra = expected - set(ids), set(ids) - expected
    alerts = observer.alerts(RULE_NAME)
    sent = {alert["id"] for alert in alerts if alert["status"] == "sent"}
    alerted_posts = {alert["post"]["id"] for alert in alerts}
    notified = notified_alert_ids(received)
    twice = [alert_id for alert_id, n in Counter(notified).items() if n > 1]
    dead = observer.dead_letters()
    summary = (f"{len(corpus.records)} posts produced, {len(ids)} documents, {len(set(ids))} unique ids, "
               f"{len(missing)} missing, {len(extra)} unexpected, {len(duplicated)} duplicated; "
               f"{len(corpus.canary_ids)} canary posts, {len(alerts)} alerts ({len(sent)} sent), {len(notified)} "
               f"notifications for {len(set(notified))} alert ids, {len(twice)} notified twice; {dead} dead letters")
    lost = [text for failed, text in (
        (len(ids) != len(expected) or missing or extra or duplicated, "the index does not hold each post once"),
        (alerted_posts != corpus.canary_ids or len(alerts) != len(corpus.canary_ids), "alerts differ from canaries"),
        (len(sent) != len(alerts), "not every alert was sent"),
        (set(notified) != sent, "notified alerts differ from the sent alerts"),
        (dead != 0, "records were dead-lettered"),
    ) if failed]
    return Outcome(summary=summary, lost=tuple(lost), twice=tuple(sorted(twice)))
