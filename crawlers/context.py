"""What every crawler component needs to know besides Scrapy's settings: tipwatch's settings and the job.

``run_crawl`` puts the typed ``tipwatch.config.Settings`` into the Scrapy setting ``TIPWATCH_SETTINGS``;
``scrapy crawl`` without it reads ``config/settings.yaml`` (``TIPWATCH_CONFIG_DIR``) like every command.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from scrapy.settings import BaseSettings

from tipwatch.config import Settings, SourceConfig, load_settings, load_sources

SETTINGS_KEY = "TIPWATCH_SETTINGS"


def tipwatch_settings(settings: BaseSettings) -> Settings:
    """The tipwatch settings of a crawl (from the Scrapy settings, else from the config folder)."""
    value = settings.get(SETTINGS_KEY)
    if isinstance(value, Settings):
        return value
    if isinstance(value, dict):
        return Settings.model_validate(value)
    return load_settings()


def new_job_id(now: datetime | None = None) -> str:
    """A crawl job id that sorts by time: ``20250101T120000Z-1a2b3c4d``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def resolve_source(source: SourceConfig | str | None) -> SourceConfig:
    """A source given as an object, or as an id of ``config/sources.yaml`` (``scrapy crawl -a source=ID``)."""
    if isinstance(source, SourceConfig):
        return source
    if not source:
        raise ValueError("a tipwatch spider needs a source: scrapy crawl KIND -a source=SOURCE_ID")
    return load_sources().get(source)
