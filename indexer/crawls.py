"""Crawl-run history in ``tipwatch-crawls``: one document per run, from the crawl's Scrapy stats.

Crawlers (or ops tooling) call ``record_crawl_run(client, settings, run)`` when a crawl finishes.
``run`` holds ``run_id`` (or ``job_id``), ``source_id``, ``spider`` and either explicit counters or the
raw Scrapy ``stats`` dict, from which the counters are derived
(``item_scraped_count``, ``downloader/request_count``, ``log_count/ERROR`` …). Writing the same run
again replaces its document (the id is the run id), so retries are harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tipwatch.config.settings import Settings
from tipwatch.contract import format_time, parse_time
from tipwatch.errors import UserError

STAT_COUNTERS = {
    "items": "item_scraped_count",
    "requests": "downloader/request_count",
    "responses": "downloader/response_count",
    "errors": "log_count/ERROR",
    "retries": "retry/count",
    "bytes": "downloader/response_bytes",
}
"""Counter field -> the Scrapy stats key it is read from when not given explicitly."""


class CrawlRun(BaseModel):
    """One crawl run as stored in ``tipwatch-crawls``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = Field(min_length=1)
    job_id: str | None = None
    source_id: str = Field(min_length=1)
    source_kind: str | None = None
    spider: str | None = None
    status: Literal["finished", "failed", "cancelled", "partial"] = "finished"
    finish_reason: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = Field(default=None, ge=0)
    items: int = Field(default=0, ge=0)
    requests: int = Field(default=0, ge=0)
    responses: int = Field(default=0, ge=0)
    errors: int = Field(default=0, ge=0)
    retries: int = Field(default=0, ge=0)
    http_errors: int = Field(default=0, ge=0)
    bytes: int = Field(default=0, ge=0)
    stats: dict[str, Any] = Field(default_factory=dict)


def _json_value(value: Any) -> Any:
    """Scrapy stats values as JSON (datetimes become RFC 3339)."""
    if isinstance(value, datetime):
        return format_time(value if value.tzinfo else value.astimezone())
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def crawl_run(run: Mapping[str, Any]) -> CrawlRun:
    """Validate a run dict, deriving counters and times from its Scrapy ``stats`` (input untouched)."""
    stats = _json_value(dict(run.get("stats") or {}))
    data: dict[str, Any] = {key: _json_value(value) for key, value in run.items() if key != "stats"}
    data["stats"] = stats
    if not data.get("run_id") and data.get("job_id"):
        data["run_id"] = data["job_id"]
    for field_name, stat in STAT_COUNTERS.items():
        if field_name not in data and stat in stats:
            data[field_name] = stats[stat]
    if "http_errors" not in data:
        data["http_errors"] = sum(int(v) for k, v in stats.items()
                                  if k.startswith("downloader/response_status_count/") and k[-3:] >= "400")
    data.setdefault("finish_reason", stats.get("finish_reason"))
    data.setdefault("started_at", stats.get("start_time"))
    data.setdefault("finished_at", stats.get("finish_time"))
    if data.get("duration_s") is None and data.get("started_at") and data.get("finished_at"):
        elapsed = parse_time(data["finished_at"]) - parse_time(data["started_at"])
        data["duration_s"] = max(0.0, elapsed.total_seconds())
    if "status" not in data and data.get("finish_reason") not in (None, "finished"):
        data["status"] = "cancelled" if data["finish_reason"] in ("shutdown", "cancelled") else "failed"
    for name in ("started_at", "finished_at"):
        if data.get(name) is not None:
            data[name] = parse_time(data[name])
    try:
        return CrawlRun.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise UserError(f"invalid crawl run: {problems}") from exc


def crawl_document(run: CrawlRun) -> dict[str, Any]:
    """The ``tipwatch-crawls`` document of a run."""
    doc = run.model_dump(mode="json")
    for name in ("started_at", "finished_at"):
        value = getattr(run, name)
        doc[name] = format_time(value) if value is not None else None
    return doc


def _first_run(client: Elasticsearch, index: str, run: CrawlRun) -> datetime | None:
    """When the source's earliest other recorded run started (None: no other run)."""
    response = client.search(index=index, size=0, query={"bool": {
        "filter": [{"term": {"source_id": run.source_id}}], "must_not": [{"ids": {"values": [run.run_id]}}]}},
        aggs={"first": {"min": {"field": "started_at"}}})
    value = response["aggregations"]["first"].get("value_as_string")
    return parse_time(value) if value else None


def record_crawl_run(client: Elasticsearch, settings: Settings, run: Mapping[str, Any]) -> str:
    """Write one crawl run into ``tipwatch-crawls`` (id = run id, so it is idempotent); the run id.

    ``new_source`` marks the first recorded run of a source (for "new sources this week").
    """
    model = crawl_run(run)
    index = settings.index("crawls")
    doc = crawl_document(model)
    first = _first_run(client, index, model)
    started = model.started_at or model.finished_at
    doc["new_source"] = first is None or (started is not None and started <= first)
    earliest = min((t for t in (first, started) if t is not None), default=None)
    doc["source_first_run"] = format_time(earliest) if earliest else None
    client.index(index=index, id=model.run_id, document=doc, require_alias=True)
    return model.run_id
