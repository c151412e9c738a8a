"""Scheduling against the real Kafka and Elasticsearch: one job per slot, leases, the crawl worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from crawlers.scheduling.jobs import CrawlJob, parse_job
from crawlers.scheduling.lease import Leases
from crawlers.scheduling.scheduler import Scheduler
from crawlers.scheduling.state import ScheduleState
from crawlers.scheduling.worker import CrawlJobSink
from tipwatch.config import Settings, SourcesFile
from tipwatch.contract import utc_now
from tipwatch.es import make_client
from tipwatch.setup import create_topics, install_templates
from tipwatch.stream import ConsumerLoop, Message, Producer

SOURCES = SourcesFile.model_validate({"sources": [
    {"id": "board", "kind": "feed", "url": "http://127.0.0.1:1/feed.xml", "schedule": {"every": "1h"}},
    {"id": "chan", "kind": "telegram", "channel": "c", "schedule": {"cron": "0 * * * *"}},
    {"id": "manual-only", "kind": "feed", "url": "http://127.0.0.1:1/other.xml"},
]})


@pytest.fixture
def client(stack_settings: Settings) -> Iterator[Elasticsearch]:
    create_topics(stack_settings)
    es = make_client(stack_settings)
    install_templates(es, stack_settings)
    yield es
    es.close()


def read_jobs(settings: Settings) -> list[CrawlJob]:
    seen: list[Message] = []

    class Keep:
        def process(self, batch: list[Message]) -> list:
            seen.extend(batch)
            return []

    ConsumerLoop(settings, group="jobs-reader", topics=[settings.topic("crawl.jobs")], stage="test",
                 sink=Keep()).run(idle_timeout_s=4)
    return [parse_job(m.value or b"") for m in seen]


def test_two_schedulers_emit_each_slot_once(stack_settings: Settings, client: Elasticsearch) -> None:
    producers = [Producer(stack_settings), Producer(stack_settings)]
    schedulers = [Scheduler(stack_settings, SOURCES, client, p) for p in producers]
    threads = [threading.Thread(target=s.tick) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emitted = [job.source_id for s in schedulers for job in s.emitted]
    assert sorted(emitted) == ["board", "chan"], emitted
    assert schedulers[0].tick() == [] and schedulers[1].tick() == [], "nothing due right after"
    jobs = read_jobs(stack_settings)
    assert sorted(job.source_id for job in jobs) == ["board", "chan"]
    for p in producers:
        p.close()


def test_paused_sources_are_skipped_and_manual_runs_work(stack_settings: Settings, client: Elasticsearch) -> None:
    state = ScheduleState(client, stack_settings)
    state.set_paused("board", True, utc_now())
    with Producer(stack_settings) as producer:
        scheduler = Scheduler(stack_settings, SOURCES, client, producer)
        assert [job.source_id for job in scheduler.tick()] == ["chan"]
        manual = scheduler.emit("manual-only", max_pages=2)
    assert state.get("board").paused
    state.set_paused("board", False, utc_now())
    assert not state.get("board").paused
    jobs = read_jobs(stack_settings)
    assert {(j.source_id, j.reason, j.max_pages) for j in jobs} == {("chan", "schedule", None),
                                                                      ("manual-only", "manual", 2)}
    assert manual.job_id in {j.job_id for j in jobs}


def test_lease_keeps_runs_apart_and_expires(stack_settings: Settings, client: Elasticsearch) -> None:
    leases = Leases(client, stack_settings, ttl=timedelta(seconds=2))
    first = leases.acquire("board", "worker-a", "job-1")
    assert first is not None
    assert leases.acquire("board", "worker-b", "job-2") is None
    assert leases.held("board") == "worker-a"
    renewed = leases.renew(first)
    assert renewed is not None and renewed.expires_at >= first.expires_at
    threading.Event().wait(2.5)
    taken = leases.acquire("board", "worker-b", "job-2")
    assert taken is not None, "an expired lease is taken over"
    assert leases.renew(renewed) is None, "the old holder lost it"
    assert leases.release(taken) and leases.held("board") is None


def test_crawl_worker_runs_jobs_under_leases_and_records_runs(stack_settings: Settings,
                                                               client: Elasticsearch) -> None:
    recorded: list[dict[str, Any]] = []
    started = threading.Event()
    release = threading.Event()

    def slow_launch(job: CrawlJob) -> dict[str, Any]:
        started.set()
        release.wait(20)
        return {"run_id": job.job_id, "source_id": job.source_id, "status": "finished"}

    sink_a = CrawlJobSink(stack_settings, client, slow_launch, recorded.append)
    sink_b = CrawlJobSink(stack_settings, client, slow_launch, recorded.append)
    sink_b.holder = "other-worker"
    job_a = Message("t", 0, 0, CrawlJob(job_id="j1", source_id="board", emitted_at=utc_now()).to_json())
    job_b = Message("t", 1, 0, CrawlJob(job_id="j2", source_id="board", emitted_at=utc_now()).to_json())
    runner = threading.Thread(target=sink_a.process, args=([job_a],))
    runner.start()
    assert started.wait(20)
    assert sink_b.process([job_b]) == []
    release.set()
    runner.join()
    by_job = {run["run_id"]: run for run in recorded}
    assert by_job["j2"]["status"] == "cancelled" and "lease" in by_job["j2"]["finish_reason"]
    assert by_job["j1"]["status"] == "finished"
    assert Leases(client, stack_settings).held("board") is None, "released after the run"
    rejected = sink_a.process([Message("t", 0, 5, b"{broken")])
    assert len(rejected) == 1 and "invalid crawl job" in rejected[0].reason


def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_workers_lease_on_this_host_is_taken_over_by_its_redelivered_job(
        stack_settings: Settings, client: Elasticsearch) -> None:
    leases = Leases(client, stack_settings, ttl=timedelta(minutes=10))
    dead = f"{socket.gethostname()}:{dead_pid()}"
    assert leases.acquire("board", dead, "job-1") is not None
    assert leases.acquire("board", "me:1", "job-2") is None, "another job never takes a live lease"
    alive = f"{socket.gethostname()}:{os.getppid()}"
    assert leases.acquire("chan", alive, "job-3") is not None
    assert leases.acquire("chan", "me:1", "job-3") is None, "the holder still runs: the lease stays"
    taken = leases.acquire("board", "me:1", "job-1")
    assert taken is not None, "same job, holder gone from this host: taken over at once"
    assert leases.held("board") == "me:1"


def test_a_redelivered_job_waits_for_the_lease_of_a_worker_on_another_machine(
        stack_settings: Settings, client: Elasticsearch) -> None:
    leases = Leases(client, stack_settings, ttl=timedelta(seconds=3))
    assert leases.acquire("board", "elsewhere:123", "job-1") is not None
    started = time.monotonic()
    assert leases.acquire_waiting("board", "me:1", "job-2", wait_s=5, poll_s=0.5) is None
    assert time.monotonic() - started < 2, "a lease of another job is not waited for"
    taken = leases.acquire_waiting("board", "me:1", "job-1", wait_s=10, poll_s=0.5)
    waited = time.monotonic() - started
    assert taken is not None and leases.held("board") == "me:1", "taken over once expired"
    assert 1.5 < waited < 10, f"waited {waited:.1f} s for a 3 s lease"


def test_crawl_worker_reruns_its_own_job_after_a_kill(stack_settings: Settings, client: Elasticsearch) -> None:
    recorded: list[dict[str, Any]] = []
    Leases(client, stack_settings).acquire("board", f"{socket.gethostname()}:{dead_pid()}", "j7")
    sink = CrawlJobSink(stack_settings, client, lambda job: {"run_id": job.job_id, "status": "finished"},
                        recorded.append)
    sink.process([Message("t", 0, 0, CrawlJob(job_id="j7", source_id="board", emitted_at=utc_now()).to_json())])
    assert [run["status"] for run in recorded] == ["finished"], recorded


def test_the_crawl_child_dies_with_its_worker(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    child_code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    worker = tmp_path / "worker.py"
    worker.write_text("import subprocess, sys\nfrom crawlers.scheduling.worker import _die_with_parent\n"
                      f"subprocess.run([sys.executable, '-c', {child_code!r}], preexec_fn=_die_with_parent)\n")
    parent = subprocess.Popen([sys.executable, str(worker)])
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    state = Path(f"/proc/{child}/stat").read_text().split()[2] if Path(f"/proc/{child}").exists() else "gone"
    assert state in ("gone", "Z"), f"crawl child {child} still {state} after its worker was killed"
