"""Scheduler state in Elasticsearch (index ``<prefix>schedule``): paused flags, last emitted run.

Updates use optimistic concurrency (``if_seq_no``/``if_primary_term``), so when several schedulers
run, exactly one of them emits a due job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from tipwatch.config.settings import Settings
from tipwatch.contract import format_time, parse_time


@dataclass(frozen=True)
class SourceState:
    """A source's scheduling state and the version it was read at."""

    source_id: str
    paused: bool
    last_emitted: datetime | None
    last_job_id: str | None
    seq_no: int | None
    primary_term: int | None


class ScheduleState:
    """Reads and writes ``source:<id>`` documents."""

    def __init__(self, client: Elasticsearch, settings: Settings) -> None:
        self.client = client
        self.index = settings.index("schedule")

    def get(self, source_id: str) -> SourceState:
        """The state of one source (defaults when never seen)."""
        try:
            doc = self.client.get(index=self.index, id=f"source:{source_id}")
        except NotFoundError:
            return SourceState(source_id, False, None, None, None, None)
        body: dict[str, Any] = doc["_source"]
        last = body.get("last_emitted")
        return SourceState(source_id, bool(body.get("paused")), parse_time(last) if last else None,
                           body.get("last_job_id"), doc["_seq_no"], doc["_primary_term"])

    def _write(self, state: SourceState, body: dict[str, Any]) -> bool:
        doc = {"type": "source", "source_id": state.source_id, **body}
        try:
            if state.seq_no is None:
                self.client.index(index=self.index, id=f"source:{state.source_id}", document=doc,
                                  op_type="create", refresh="wait_for")
            else:
                self.client.index(index=self.index, id=f"source:{state.source_id}", document=doc,
                                  if_seq_no=state.seq_no, if_primary_term=state.primary_term, refresh="wait_for")
        except ConflictError:
            return False
        return True

    def mark_emitted(self, state: SourceState, job_id: str, at: datetime) -> bool:
        """Record an emitted job; False when another scheduler changed the state first."""
        body = {"paused": state.paused, "last_emitted": format_time(at), "last_job_id": job_id}
        return self._write(state, body)

    def set_paused(self, source_id: str, paused: bool, at: datetime) -> None:
        """Pause or resume a source (retries on concurrent changes)."""
        for _ in range(5):
            state = self.get(source_id)
            body: dict[str, Any] = {"paused": paused, "paused_at": format_time(at) if paused else None}
            if state.last_emitted:
                body["last_emitted"] = format_time(state.last_emitted)
                body["last_job_id"] = state.last_job_id
            if self._write(state, body):
                return
        raise RuntimeError(f"could not update the schedule state of {source_id!r}: too many concurrent changes")
