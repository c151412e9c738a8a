"""``tipwatch crawl-worker``: run crawl jobs from ``tipwatch.crawl.jobs`` (the launcher: *how*).

Consumer group ``crawl``; each job runs in its own process (a fresh Scrapy reactor), under a
per-source lease so that two runs of one source never overlap, even across machines. The job's
offset is committed after the run has been recorded in ``tipwatch-crawls``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from crawlers.scheduling.jobs import CrawlJob, parse_job
from crawlers.scheduling.lease import Lease, Leases
from tipwatch.config import Settings
from tipwatch.contract import format_time, utc_now
from tipwatch.stream import Message, Rejected

log = logging.getLogger(__name__)

Launcher = Callable[[CrawlJob], dict[str, Any]]
"""Runs one job and returns its run record (run_id, source_id, status, stats …)."""


def _die_with_parent() -> None:
    """In the crawl child (Linux): get SIGKILL when the worker dies, so a killed worker never leaves a
    crawl running while its re-delivered job takes the lease over."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def subprocess_launcher(sources_path: Path, settings_env: dict[str, str] | None = None) -> Launcher:
    """Run each job as ``python -m crawlers.runner`` in a child process and read its JSON result."""

    def launch(job: CrawlJob) -> dict[str, Any]:
        command = [sys.executable, "-m", "crawlers.runner", "--sources", str(sources_path), "--job-id",
                   job.job_id, "--json", job.source_id]
        if job.max_pages:
            command += ["--max-pages", str(job.max_pages)]
        started = utc_now()
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                env={**os.environ, **(settings_env or {})}, preexec_fn=_die_with_parent)
        record: dict[str, Any] = {"run_id": job.job_id, "job_id": job.job_id, "source_id": job.source_id,
                                  "started_at": format_time(started), "finished_at": format_time(utc_now())}
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode == 0 and lines:
            summary = json.loads(lines[-1])
            record.update({k: v for k, v in summary.items() if k in ("stats", "spider", "status")})
            record.setdefault("status", "finished")
        else:
            record["status"] = "failed"
            record["finish_reason"] = (result.stderr.strip().splitlines() or ["no output"])[-1][:500]
        return record

    return launch


class CrawlJobSink:
    """Runs each job of a batch under its source's lease and records the run."""

    def __init__(self, settings: Settings, client: Elasticsearch, launch: Launcher,
                 record: Callable[[dict[str, Any]], None]) -> None:
        self.leases = Leases(client, settings)
        wait = settings.scheduling.lease_wait_s
        self.lease_wait_s = wait if wait is not None else settings.scheduling.lease_s + 5
        self.launch = launch
        self.record = record
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.runs: list[dict[str, Any]] = []

    def process(self, batch: Sequence[Message]) -> list[Rejected]:
        """Run the jobs one after the other; invalid jobs are rejected with the reason."""
        rejected = []
        for message in batch:
            try:
                job = parse_job(message.value or b"")
            except ValueError as exc:
                rejected.append(Rejected(message, f"invalid crawl job: {exc}"))
                continue
            self.runs.append(self._run(job))
        return rejected

    def _run(self, job: CrawlJob) -> dict[str, Any]:
        lease = self.leases.acquire_waiting(job.source_id, self.holder, job.job_id, self.lease_wait_s)
        if lease is None:
            run = {"run_id": job.job_id, "job_id": job.job_id, "source_id": job.source_id, "status": "cancelled",
                   "finish_reason": "another run of this source holds the lease",
                   "started_at": format_time(utc_now()), "finished_at": format_time(utc_now())}
            self.record(run)
            log.info("%s skipped: %s is already being crawled", job.job_id, job.source_id)
            return run
        keeper = LeaseKeeper(self.leases, lease)
        keeper.start()
        try:
            run = self.launch(job)
            self.record(run)
        finally:
            keeper.release()
        log.info("%s %s", job.job_id, run.get("status"))
        return run


class LeaseKeeper(threading.Thread):
    """Renews a lease every third of its lifetime while a crawl runs; releases it at the end."""

    def __init__(self, leases: Leases, lease: Lease) -> None:
        super().__init__(daemon=True, name=f"lease-{lease.source_id}")
        self.leases = leases
        self.lease = lease
        self._stop_event = threading.Event()

    def run(self) -> None:
        interval = self.leases.ttl.total_seconds() / 3
        while not self._stop_event.wait(interval):
            renewed = self.leases.renew(self.lease)
            if renewed is None:
                log.error("lease on %s lost while crawling", self.lease.source_id)
                return
            self.lease = renewed

    def release(self) -> None:
        """Stop renewing and delete the lease."""
        self._stop_event.set()
        self.join()
        self.leases.release(self.lease)
