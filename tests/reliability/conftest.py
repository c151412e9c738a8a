"""Fixtures of the reliability suite: a private Kafka + Elasticsearch for the whole session (started
here, stopped at the end), fresh topics and indices per test, a config folder with the suite's alert
rule, the demo's JSON webhook receiver, and worker processes that are stopped after each test.

The private stack runs on other ports (29092/29093/29200, or the next free set 10 higher) with its own
state folder, so stopping and restarting its servers never disturbs the shared stack other tests and
people use.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import demo
from demo.receiver import WebhookReceiver, start_receiver
from tests.conftest import ROOT, _cleanup, base_settings, unique_settings
from tests.reliability.harness import (
    RULE,
    RULE_NAME,
    Pipeline,
    free_offset,
    private_settings,
    seed_from_shared,
    worker_env,
)
from tests.reliability.observer import Observer
from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.setup import create_topics, install_templates
from tipwatch.stack import LocalStack


@pytest.fixture(scope="session")
def private_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The suite's own stack, started once for the session and stopped (and removed) at the end.

    ``TIPWATCH_RELIABILITY_STATE=DIR`` keeps its state in DIR instead of a temporary folder, and with
    ``TIPWATCH_KEEP_STACK=1`` the servers keep running for the next session (quicker when iterating).
    """
    chosen = os.environ.get("TIPWATCH_RELIABILITY_STATE")
    state = Path(chosen) if chosen else tmp_path_factory.mktemp("reliability-stack")
    keep = bool(chosen) and os.environ.get("TIPWATCH_KEEP_STACK") == "1"
    stack = LocalStack(private_settings(base_settings(), state, offset=0 if chosen else free_offset()))
    stack.kafka.home.mkdir(parents=True, exist_ok=True)
    stack.elasticsearch.home.mkdir(parents=True, exist_ok=True)
    seed_from_shared(stack)
    try:
        stack.up()
        yield stack
    finally:
        if not keep:
            stack.down()
            if not chosen:
                stack.elasticsearch.remove_home()  # as root, it lived outside the tmp folder
                shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def rel_settings(private_stack: LocalStack, tmp_path: Path) -> Iterator[Settings]:
    """Settings on the private stack with unique prefixes; topics and indices set up, removed after."""
    private_stack.up()  # a test that failed half-way may have left a server stopped
    settings = unique_settings(private_stack.settings)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={
        "evidence_dir": tmp_path / "evidence", "spool_dir": tmp_path / "spool"})})
    create_topics(settings)
    client = make_client(settings)
    install_templates(client, settings)
    client.close()
    yield settings
    private_stack.up()
    _cleanup(settings)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config folder: the repository's settings and lexicons, the suite's single alert rule."""
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(ROOT / "config" / "settings.yaml", folder / "settings.yaml")
    shutil.copytree(ROOT / "config" / "indicators", folder / "indicators")
    (folder / "rules").mkdir()
    (folder / "rules" / f"{RULE_NAME}.yaml").write_text(RULE, encoding="utf-8")
    return folder


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[WebhookReceiver]:
    """The demo's JSON webhook receiver."""
    server = start_receiver(tmp_path / "notifications.jsonl")
    yield server
    server.stop()


@pytest.fixture
def env(rel_settings: Settings, config_dir: Path, receiver: WebhookReceiver) -> dict[str, str]:
    """Environment of every worker process of a test."""
    return worker_env(rel_settings, config_dir, {
        demo.WEBHOOK_ENV: receiver.apprise_url,
    })


@pytest.fixture
def pipeline(env: dict[str, str], tmp_path: Path) -> Iterator[Pipeline]:
    """Worker processes, stopped (SIGTERM, then SIGKILL) at the end of the test."""
    workers = Pipeline(env, tmp_path / "logs")
    yield workers
    workers.stop(grace_s=20)


@pytest.fixture
def observer(rel_settings: Settings) -> Iterator[Observer]:
    """Reads lag, index contents, alerts and dead letters of the test's prefixes."""
    watcher = Observer(rel_settings)
    yield watcher
    watcher.close()


@pytest.fixture
def demo_sources(config_dir: Path) -> Iterator[Path]:
    """The bundled demo site served on loopback; ``sources.yaml`` in the config folder points at it."""
    server, base_url = demo.serve()
    path = config_dir / "sources.yaml"
    path.write_text(demo.sources_for(base_url), encoding="utf-8")
    yield path
    server.stop()
