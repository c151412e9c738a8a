"""Crawl jobs on ``tipwatch.crawl.jobs`` (key = source id)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tipwatch.contract.models import UtcTime


class CrawlJob(BaseModel):
    """One requested crawl of one source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    reason: Literal["schedule", "manual", "demo"] = "schedule"
    emitted_at: UtcTime
    max_pages: int | None = Field(default=None, ge=1)

    def to_json(self) -> bytes:
        """Wire form."""
        return self.model_dump_json().encode()


def new_job(source_id: str, reason: str, at: datetime, max_pages: int | None = None) -> CrawlJob:
    """A job with a fresh id that sorts by time: ``<source>-<utc time>-<random>``."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    return CrawlJob(job_id=f"{source_id}-{stamp}-{uuid.uuid4().hex[:6]}", source_id=source_id,
                    reason=reason, emitted_at=at, max_pages=max_pages)


def parse_job(value: bytes) -> CrawlJob:
    """Parse a job message (ValueError with the reason when invalid)."""
    return CrawlJob.model_validate(json.loads(value))
