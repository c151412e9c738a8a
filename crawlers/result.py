"""The outcome of a crawl job: pages, items, errors by reason, bytes, duration, evidence manifest.

Built from each source's Scrapy stats, printed by ``tipwatch crawl`` and returned (as JSON) by
``python -m crawlers.runner --json`` to the crawl worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from tipwatch.contract import format_time
from tipwatch.errors import BrokerUnavailable, UserError

FAILURE_REASONS = {
    "kafka_unavailable": BrokerUnavailable,
    "evidence_unwritable": UserError,
    "not_started": UserError,
}
"""Finish reasons that mean a crawl failed, and the error ``raise_for_failure`` raises for them."""
_FAILURE_STAT = {"kafka_unavailable": "kafka/error", "evidence_unwritable": "evidence/error"}
_ERROR_PREFIXES = {
    "error/": "",
    "spider_exceptions/": "spider_exception/",
    "media/failed/": "media/",
}
_ERROR_KEYS = ("parse/empty", "kafka/invalid", "kafka/spooled", "kafka/lost", "kafka/spool_unreadable")
KAFKA_KEYS = ("records", "sent", "delivered", "spooled", "resent", "lost", "invalid", "truncated")


def errors_from_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """Errors by reason from one source's Scrapy stats (``error/maxsize`` -> ``maxsize`` …)."""
    errors: Counter[str] = Counter()
    for key, value in stats.items():
        if not isinstance(value, int) or not value:
            continue
        for prefix, renamed in _ERROR_PREFIXES.items():
            if key.startswith(prefix):
                errors[renamed + key[len(prefix):]] += value
        if key in _ERROR_KEYS:
            errors[key] += value
    return dict(sorted(errors.items()))


def json_safe(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Scrapy stats with times as RFC 3339 strings (JSON-ready)."""
    return {key: format_time(value) if isinstance(value, datetime) else value for key, value in sorted(stats.items())}


@dataclass(frozen=True)
class CrawlResult:
    """What one call of ``run_crawl`` did, summed over its sources (per-source stats in ``stats``)."""

    job_id: str
    sources: tuple[str, ...]
    pages: int
    """Pages parsed (list, detail, API and feed pages; not robots.txt, retries or images)."""
    items: int
    """Records that passed every pipeline (validated and handed to Kafka)."""
    errors: dict[str, int]
    bytes: int
    """Bytes downloaded (as received, before decompression)."""
    duration_s: float
    manifest: str | None
    """The job's evidence ``manifest.json``."""
    finish_reasons: dict[str, str]
    kafka: dict[str, int]
    failures: dict[str, str] = field(default_factory=dict)
    """Source id -> the sentence that explains why its crawl failed."""
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``finished``, ``failed`` (a crawl could not run: Kafka, evidence) or ``interrupted``."""
        reasons = set(self.finish_reasons.values())
        if reasons & set(FAILURE_REASONS) or self.failures:
            return "failed"
        return "finished" if reasons <= {"finished"} else "interrupted"

    @classmethod
    def from_stats(cls, job_id: str, per_source: Mapping[str, Mapping[str, Any]], duration_s: float,
                   failures: Mapping[str, str] | None = None) -> CrawlResult:
        """Sum each source's stats into one result."""
        errors: Counter[str] = Counter()
        kafka: Counter[str] = Counter()
        reasons, explained = {}, dict(failures or {})
        manifest = None
        for source_id, stats in per_source.items():
            errors.update(errors_from_stats(stats))
            kafka.update({name: stats.get(f"kafka/{name}", 0) for name in KAFKA_KEYS})
            reason = str(stats.get("finish_reason", "not_started"))
            reasons[source_id] = reason
            if reason in _FAILURE_STAT and stats.get(_FAILURE_STAT[reason]):
                explained.setdefault(source_id, str(stats[_FAILURE_STAT[reason]]))
            manifest = manifest or stats.get("evidence/manifest")
        return cls(
            job_id=job_id,
            sources=tuple(per_source),
            pages=sum(int(stats.get("parse/pages", 0)) for stats in per_source.values()),
            items=sum(int(stats.get("item_scraped_count", 0)) for stats in per_source.values()),
            errors=dict(sorted(errors.items())),
            bytes=sum(int(stats.get("downloader/response_bytes", 0)) for stats in per_source.values()),
            duration_s=round(duration_s, 3),
            manifest=manifest,
            finish_reasons=reasons,
            kafka=dict(kafka),
            failures=explained,
            stats={source_id: json_safe(stats) for source_id, stats in per_source.items()},
        )

    def raise_for_failure(self) -> None:
        """Raise the error of the first failed source (BrokerUnavailable when Kafka was unreachable)."""
        for source_id, reason in self.finish_reasons.items():
            if reason in FAILURE_REASONS:
                sentence = self.failures.get(source_id, f"the crawl of {source_id} failed ({reason})")
                raise FAILURE_REASONS[reason](sentence)
        if self.failures:
            raise UserError(next(iter(self.failures.values())))

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form (``status``, ``spider`` and ``stats`` first: what the crawl worker records)."""
        data = asdict(self)
        per_source = data.pop("stats")
        summary = {key: data.pop(key) for key in ("pages", "items", "errors", "bytes", "duration_s", "manifest",
                                                   "kafka")}
        kinds = sorted({str(stats["source/kind"]) for stats in per_source.values() if "source/kind" in stats})
        return {"status": self.status, "spider": ",".join(kinds), "stats": summary, **data,
                "sources": list(self.sources), "source_stats": per_source}

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> CrawlResult:
        """Read back ``to_json_dict``."""
        summary = data["stats"]
        return cls(job_id=data["job_id"], sources=tuple(data["sources"]), pages=summary["pages"],
                   items=summary["items"], errors=dict(summary["errors"]), bytes=summary["bytes"],
                   duration_s=summary["duration_s"], manifest=summary["manifest"],
                   finish_reasons=dict(data["finish_reasons"]), kafka=dict(summary["kafka"]),
                   failures=dict(data.get("failures", {})), stats=dict(data.get("source_stats", {})))

    def summary_lines(self) -> list[str]:
        """A human summary, one fact a line."""
        rate = self.pages / self.duration_s if self.duration_s else 0.0
        lines = [
            f"job {self.job_id}: {self.status} ({', '.join(f'{s}={r}' for s, r in self.finish_reasons.items())})",
            f"pages {self.pages}  items {self.items}  bytes {self.bytes}  duration {self.duration_s:.1f} s"
            f"  ({rate:.1f} pages/s)",
            "kafka " + "  ".join(f"{name} {value}" for name, value in self.kafka.items() if value) if any(
                self.kafka.values()) else "kafka -",
            "errors " + ("  ".join(f"{reason} {count}" for reason, count in self.errors.items()) or "none"),
            f"evidence manifest {self.manifest or '-'}",
        ]
        lines += [f"failed {source}: {sentence}" for source, sentence in self.failures.items()]
        return lines
