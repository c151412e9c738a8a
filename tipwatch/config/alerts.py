"""The ``alerts`` section of ``settings.yaml``: how the alert worker evaluates, delivers and retries.

Like every section it can be overridden by ``TIPWATCH_ALERTS__<KEY>`` (``TIPWATCH_ALERTS__LEASE_S=15``);
``tipwatch alerts --rules/--kibana-url`` override it once more for one run.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class AlertSettings(BaseModel):
    """How the alert worker evaluates, delivers and retries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules_dir: Path | None = None
    """Folder of rule files; default ``<config dir>/rules``."""
    template_dir: Path | None = None
    """Folder whose Jinja2 templates replace the built-in ones file by file (``alert.md.j2``, …)."""
    kibana_url: str | None = None
    """Kibana base URL (``https://kibana.example.org``) for the Discover link in notifications; none if unset."""
    kibana_data_view: str = "tipwatch-posts"
    """Id of the Kibana data view over the posts index (shipped in ``indexer/kibana/``)."""
    lease_s: float = Field(default=60.0, gt=0)
    """How long a worker owns an alert it is delivering; after that another worker may resend it."""
    max_attempts: int = Field(default=5, ge=1)
    """Notification attempts before an alert is marked failed."""
    backoff_s: float = Field(default=5.0, gt=0)
    """Delay before the first retry; doubled after each failed attempt."""
    backoff_max_s: float = Field(default=600.0, gt=0)
    """Longest delay between two attempts."""
    tick_s: float = Field(default=1.0, gt=0)
    """How often the scheduler runs due windowed rules and due deliveries (retries, digests, resends)."""
    settle_s: float = Field(default=5.0, ge=0)
    """Windows end this long before now, so posts indexed just before the end are searchable."""
    searchable_timeout_s: float = Field(default=60.0, gt=0)
    """How long a batch waits for its posts to be indexed before the stragglers are dead-lettered."""
    max_catchup_windows: int = Field(default=10, ge=1)
    """Missed windows a restarted worker evaluates per rule (older ones are skipped and logged)."""
    sample_size: int = Field(default=3, ge=0, le=20)
    """Sample posts shown in a windowed alert."""
    rules_per_search: int = Field(default=100, ge=1)
    """Per-post rules combined into one search (named clauses; see perpost.py)."""
    due_batch: int = Field(default=200, ge=1)
    """Alerts picked up per scheduler tick for retries, digests and resends."""
