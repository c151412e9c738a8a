"""When a source is due: cron expressions (in the source's time zone) or intervals.

A source that was never run is due at once. After downtime a missed run happens once, not once
per missed slot: only the latest slot at or before ``now`` counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from tipwatch.config.sources import Schedule, interval_seconds


def previous_slot(schedule: Schedule, now: datetime) -> datetime:
    """The latest scheduled time at or before ``now`` (for intervals: ``now`` itself)."""
    if schedule.every is not None:
        return now
    local = now.astimezone(ZoneInfo(schedule.timezone))
    return croniter(schedule.cron, local + timedelta(seconds=1)).get_prev(datetime)


def next_run(schedule: Schedule, last: datetime | None, now: datetime) -> datetime:
    """When the source should next run, given its last emitted run."""
    if last is None:
        return now
    if schedule.every is not None:
        return last + timedelta(seconds=interval_seconds(schedule.every))
    local = last.astimezone(ZoneInfo(schedule.timezone))
    return croniter(schedule.cron, local).get_next(datetime)


def is_due(schedule: Schedule, last: datetime | None, now: datetime) -> bool:
    """True when a run is owed: never run, or a slot passed since the last run."""
    return next_run(schedule, last, now) <= now
