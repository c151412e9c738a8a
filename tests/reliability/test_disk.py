"""A full disk or an unwritable evidence folder stops the crawl with a clear message, not silent loss.

The evidence folder of a real crawl worker (``tipwatch crawl-worker``, crawling the demo job board)
is put on a read-only tmpfs, or on a 64 KiB tmpfs that fills up after a few pages. The run is
recorded in ``tipwatch-crawls`` as failed with one sentence naming the folder and the cause, the
worker stays up, and every record that did reach ``posts.raw`` has its WARC evidence on the disk.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import NotFoundError

from crawlers.scheduling.scheduler import Scheduler
from tests.crawlers.helpers import read_messages, warc_payload
from tests.reliability.harness import Pipeline, wait_for
from tests.reliability.observer import Observer
from tipwatch.config import Settings, load_sources
from tipwatch.contract import RawPost, parse_raw
from tipwatch.es import make_client
from tipwatch.stream import Producer

pytestmark = [pytest.mark.slow, pytest.mark.stack]

SOURCE = "demo-jobboard"
JOB_BOARD_POSTS = 69


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs with the given options (``ro,size=1m`` …) under ``tmp_path``; unmounted after."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        target = tmp_path / f"mount{len(mounted)}"
        target.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def crawl_once(settings: Settings, pipeline: Pipeline, sources: Path, evidence: Path) -> dict[str, Any]:
    """Run one job of the demo job board in a crawl worker writing evidence to ``evidence``; its run record."""
    pipeline.supervisor.env["TIPWATCH_PATHS__EVIDENCE_DIR"] = str(evidence)
    pipeline.start("crawl", extra={"crawl": ["--sources", str(sources)]})
    client = make_client(settings)
    try:
        with Producer(settings, role="reliability") as producer:
            job = Scheduler(settings, load_sources(sources), client, producer).emit(SOURCE, "manual")

        def recorded() -> dict[str, Any] | None:
            try:
                return client.get(index=settings.index("crawls"), id=job.job_id)["_source"]
            except NotFoundError:
                return None

        return wait_for(recorded, 180, f"crawl run {job.job_id} to be recorded", interval_s=1.0,
                        describe=lambda: pipeline.tail("crawl"))
    finally:
        client.close()


def raw_records(settings: Settings, observer: Observer) -> list[RawPost]:
    """Every record on ``posts.raw``."""
    expected = sum(observer.end_offsets("posts.raw").values())
    return [parse_raw(message.value) for message in read_messages(settings, "posts.raw", expected, 30)] \
        if expected else []


def has_evidence(record: RawPost, evidence: Path) -> bool:
    """True when the record's WARC record is on the disk, complete (warcio checks its digests)."""
    if not (record.evidence.warc_file and record.evidence.warc_record_id):
        return False
    try:
        warc_payload(evidence, record.evidence.warc_file, record.evidence.warc_record_id)
    except (LookupError, OSError, ValueError):
        return False
    return True


def test_an_unwritable_evidence_folder_stops_the_crawl(rel_settings: Settings, pipeline: Pipeline,
                                                       observer: Observer, demo_sources: Path,
                                                       tmpfs: Callable[[str], Path]) -> None:
    evidence = tmpfs("ro,size=1m")
    run = crawl_once(rel_settings, pipeline, demo_sources, evidence)
    records = raw_records(rel_settings, observer)
    reason = str(run.get("finish_reason"))
    counts = (f"run {run['run_id']}: status {run.get('status')}, reason {reason!r}; {len(records)} records on "
              f"posts.raw; crawl worker restarts {pipeline.restarts()}, crawl lag {observer.lag('crawl')}")

    assert run.get("status") == "failed", counts
    assert reason.startswith(f"evidence folder {evidence}/") and "Read-only file system" in reason, counts
    assert records == [], counts
    wait_for(lambda: observer.lag("crawl") == 0, 30, "the job to be committed")
    assert pipeline.restarts() == {"crawl": 0} and pipeline.pid("crawl") is not None, counts
    print(counts)


def test_a_full_disk_stops_the_crawl_and_keeps_evidence_for_every_record(
        rel_settings: Settings, pipeline: Pipeline, observer: Observer, demo_sources: Path,
        tmpfs: Callable[[str], Path]) -> None:
    evidence = tmpfs("size=64k")
    run = crawl_once(rel_settings, pipeline, demo_sources, evidence)
    records = raw_records(rel_settings, observer)
    reason = str(run.get("finish_reason"))
    proven = [record.id for record in records if has_evidence(record, evidence)]
    used = sum(path.stat().st_size for path in evidence.rglob("*") if path.is_file())
    counts = (f"run {run['run_id']}: status {run.get('status')}, reason {reason!r}; {len(records)} of "
              f"{JOB_BOARD_POSTS} job-board posts on posts.raw, {len(proven)} with their WARC record on the "
              f"disk ({used} bytes used of 64 KiB); crawl worker restarts {pipeline.restarts()}")

    assert run.get("status") == "failed", counts
    assert reason.startswith(f"cannot write evidence in {evidence}/") and "No space left on device" in reason, counts
    assert "the crawl stops" in reason, counts
    assert len(records) < JOB_BOARD_POSTS and len(proven) == len(records), counts
    wait_for(lambda: observer.lag("crawl") == 0, 30, "the job to be committed")
    assert pipeline.restarts() == {"crawl": 0} and pipeline.pid("crawl") is not None, counts
    print(counts)
