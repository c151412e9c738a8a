"""``tipwatch scheduler``: emit a crawl job for every due, unpaused source (the poller: *when*).

Several schedulers may run: emitting is guarded by an optimistic-concurrency update of the
source's state, so each due slot produces one job. After downtime a missed run is emitted once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch

from crawlers.scheduling.due import is_due
from crawlers.scheduling.jobs import CrawlJob, new_job
from crawlers.scheduling.state import ScheduleState
from tipwatch.config import Settings, SourcesFile
from tipwatch.contract import utc_now
from tipwatch.stream import Producer

log = logging.getLogger(__name__)


@dataclass
class Scheduler:
    """Checks every source each ``tick_s`` seconds and emits due jobs."""

    settings: Settings
    sources: SourcesFile
    client: Elasticsearch
    producer: Producer
    tick_s: float = 15.0
    emitted: list[CrawlJob] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def emit(self, source_id: str, reason: str = "manual", max_pages: int | None = None) -> CrawlJob:
        """Emit a job for a source now, whatever its schedule (``schedule run``)."""
        self.sources.get(source_id)
        job = new_job(source_id, reason, utc_now(), max_pages)
        self.producer.send(self.settings.topic("crawl.jobs"), value=job.to_json(), key=source_id.encode())
        self.producer.flush()
        self.emitted.append(job)
        return job

    def tick(self) -> list[CrawlJob]:
        """Emit every job due now; the jobs emitted."""
        state = ScheduleState(self.client, self.settings)
        now = utc_now()
        emitted = []
        for source in self.sources.sources:
            if source.schedule is None or source.paused:
                continue
            current = state.get(source.id)
            if current.paused or not is_due(source.schedule, current.last_emitted, now):
                continue
            job = new_job(source.id, "schedule", now)
            if not state.mark_emitted(current, job.job_id, now):
                log.info("%s: another scheduler emitted this slot", source.id)
                continue
            self.producer.send(self.settings.topic("crawl.jobs"), value=job.to_json(), key=source.id.encode())
            emitted.append(job)
            log.info("emitted %s", job.job_id)
        self.producer.flush()
        self.emitted.extend(emitted)
        return emitted

    def run(self) -> None:
        """Tick until stopped."""
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.tick_s)

    def stop(self) -> None:
        """Stop after the current tick."""
        self._stop.set()
