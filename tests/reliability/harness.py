"""The reliability suite's harness: a private stack, real worker processes, and what they produced.

    private_settings(base, state_dir, offset)   the suite's own Kafka + Elasticsearch (ports 29092/29093/29200)
    seed_from_shared(stack)                reuse the already downloaded jars and distribution (no mvn run)
    worker_env(settings, config_dir)       environment that points a worker process at those settings
    Pipeline(env, log_dir)                 worker processes (``python -m tipwatch.cli ...``) under
                                           ``tipwatch.run.supervisor.Supervisor``: start, kill -9, restart
    wait_for(check, timeout_s, what)       poll a condition with a deadline; the last state on failure

What the processes produced is read by ``observer.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import demo
from tests.reliability.corpus import CANARY
from tipwatch.config import Settings
from tipwatch.run.supervisor import Child, Supervisor
from tipwatch.stack import LocalStack
from tipwatch.stack.process import port_open

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
