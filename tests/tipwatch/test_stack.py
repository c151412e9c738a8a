"""The local stack: a second, private stack on other ports goes up, up again, down, down again."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import base_settings
from tipwatch.config import Settings
from tipwatch.errors import StackError
from tipwatch.stack import LocalStack, relocated
from tipwatch.stack import kafka as kafka_module
from tipwatch.stack.java import find_java
from tipwatch.stack.process import port_open
from tipwatch.stack.relocated import ROOT_HOME

ROOT = Path(__file__).resolve().parents[2]


def private_settings(base: Settings, state: Path) -> Settings:
    stack = base.stack.model_copy(update={
        "kafka_port": 19092, "kafka_controller_port": 19093, "elasticsearch_port": 19200,
        "elasticsearch_heap_max": "512m",
    })
    return base.model_copy(update={
        "stack": stack, "paths": base.paths.model_copy(update={"state_dir": state}),
        "kafka": base.kafka.model_copy(update={"bootstrap_servers": ["127.0.0.1:19092"]}),
        "elasticsearch": base.elasticsearch.model_copy(update={"hosts": ["http://127.0.0.1:19200"]}),
    })


@pytest.fixture
def private_stack(local_stack: LocalStack, tmp_path: Path):
    stack = LocalStack(private_settings(local_stack.settings, tmp_path / "state"))
    yield stack
    stack.down()
    stack.elasticsearch.remove_home()


def test_up_is_idempotent_and_down_stops_both(private_stack: LocalStack) -> None:
    first = private_stack.up()
    assert first.started == {"kafka": True, "elasticsearch": True}
    statuses = {s.name: s for s in private_stack.status()}
    assert statuses["kafka"].running and statuses["kafka"].version == "4.3.1"
    assert statuses["elasticsearch"].running and statuses["elasticsearch"].version.startswith("9.")
    assert statuses["kafka"].rss and statuses["elasticsearch"].rss, "memory is reported"
    kafka_pid = statuses["kafka"].pid
    server = private_stack.elasticsearch
    if relocated.is_relocated(server.home):  # as root: the owner is recorded, so a later install can prune
        assert (server.home.parent / relocated.OWNER_FILE).read_text().strip() == str(server.wanted)

    second = private_stack.up()
    assert second.started == {"kafka": False, "elasticsearch": False}
    assert private_stack.kafka.pid() == kafka_pid, "a running server is reused"

    assert private_stack.down() == {"elasticsearch": True, "kafka": True}
    assert not port_open(19092) and not port_open(19200)
    assert private_stack.down() == {"elasticsearch": False, "kafka": False}
    assert all(not s.running for s in private_stack.status())

    third = private_stack.up()
    assert third.started == {"kafka": True, "elasticsearch": True}, "restart reuses formatted storage"


def test_port_taken_by_another_program_is_one_sentence(local_stack: LocalStack, tmp_path: Path) -> None:
    settings = private_settings(local_stack.settings, tmp_path / "state")
    settings = settings.model_copy(update={"stack": settings.stack.model_copy(update={"kafka_port": 9200})})
    stack = LocalStack(settings)
    stack.kafka.home.mkdir(parents=True)
    stack.kafka.install()
    with pytest.raises(StackError, match="port 9200 is already taken by another program"):
        stack.kafka.start()


def test_remove_home_takes_a_relocated_home_and_its_folder(tmp_path: Path) -> None:
    server = LocalStack(private_settings(base_settings(), tmp_path / "state")).elasticsearch
    (server.home / "data").mkdir(parents=True)
    (server.home / "data" / "file").write_text("x")
    moved = server.home.parent.parent == ROOT_HOME  # as root: tmp_path is not open to the service user
    assert moved == (os.geteuid() == 0)
    relocated.record_owner(server.home, server.wanted)  # as install() does: the folder holds more than the home
    server.remove_home()
    assert not server.home.exists()
    if moved:
        assert not server.home.parent.exists()


def test_java_lookup_explains_what_to_do() -> None:
    assert find_java(17).exists()
    with pytest.raises(StackError, match="no Java 99\\+ found"):
        find_java(99)


def test_status_command_prints_json(local_stack: LocalStack) -> None:
    if local_stack.kafka.pid() is None:
        pytest.skip("this session shares servers started by another checkout; status reports this checkout's")
    result = subprocess.run([sys.executable, "-m", "tipwatch.cli", "stack", "status", "--json"],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    rows = {row["name"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])}
    assert rows["kafka"]["running"] and rows["elasticsearch"]["running"]
    assert rows["kafka"]["port"] == 9092


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))  # URL-safe base64 "-A…": read as an option by kafka-storage
    drawn = iter([dashed, uuid.UUID(int=7)])
    monkeypatch.setattr(kafka_module.uuid, "uuid4", lambda: next(drawn))
    cluster_id = kafka_module.new_cluster_id()
    assert not cluster_id.startswith("-") and len(cluster_id) == 22
    assert base64.urlsafe_b64decode(cluster_id + "==") == uuid.UUID(int=7).bytes
