"""The alert worker's settings: the ``alerts`` section of ``settings.yaml`` (``tipwatch.config.alerts``).

Environment variables ``TIPWATCH_ALERTS__<KEY>`` override it through the settings loader like any
other section; ``alert_options`` applies the command line's flags on top.
"""

from __future__ import annotations

from tipwatch.config.alerts import AlertSettings
from tipwatch.config.settings import Settings

__all__ = ["AlertSettings", "alert_options"]


def alert_options(settings: Settings, **overrides: object) -> AlertSettings:
    """``settings.alerts`` with the flags given on the command line (None means not given)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if not given:
        return settings.alerts
    return AlertSettings.model_validate({**settings.alerts.model_dump(), **given})
