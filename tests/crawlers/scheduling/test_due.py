"""When sources are due: cron in a time zone, intervals, missed runs once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawlers.scheduling.due import is_due, next_run, previous_slot
from tipwatch.config.sources import Schedule

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # 17:30 in Bangkok


def test_never_run_is_due_at_once() -> None:
    assert is_due(Schedule(every="6h"), None, NOW)
    assert is_due(Schedule(cron="0 9 * * *", timezone="Asia/Bangkok"), None, NOW)


def test_interval() -> None:
    schedule = Schedule(every="6h")
    assert not is_due(schedule, NOW - timedelta(hours=5, minutes=59), NOW)
    assert is_due(schedule, NOW - timedelta(hours=6), NOW)
    assert next_run(schedule, NOW, NOW) == NOW + timedelta(hours=6)


def test_cron_is_read_in_the_source_time_zone() -> None:
    daily_9_bangkok = Schedule(cron="0 9 * * *", timezone="Asia/Bangkok")
    last = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 Bangkok today
    assert next_run(daily_9_bangkok, last, NOW) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert not is_due(daily_9_bangkok, last, NOW)
    assert previous_slot(daily_9_bangkok, NOW) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_after_downtime_a_missed_run_happens_once() -> None:
    hourly = Schedule(cron="0 * * * *")
    last = NOW - timedelta(days=3)
    assert is_due(hourly, last, NOW)
    assert not is_due(hourly, NOW, NOW + timedelta(minutes=10)), "emitting now covers all missed slots"
