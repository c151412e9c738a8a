"""Settings of the alert worker, each with its default; overridden by ``TIPWATCH_ALERTS__<NAME>``.

(``settings.yaml`` has no ``alerts`` section yet, so these come from the environment and from
the command line; ``tipwatch alerts --help`` lists the flags.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tipwatch.errors import UserError

ENV_PREFIX = "TIPWATCH_ALERTS__"


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> AlertSettings:
        """Defaults, then ``TIPWATCH_ALERTS__*`` variables, then explicit ``overrides`` (None is ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {
            name[len(ENV_PREFIX):].lower(): value for name, value in environ.items() if name.startswith(ENV_PREFIX)
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                                 for e in exc.errors())
            raise UserError(f"invalid alert settings: {problems}") from exc
