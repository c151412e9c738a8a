"""Backoff arithmetic: Retry-After in both forms, exponential waits with jitter inside their bounds."""

from __future__ import annotations

import random
from datetime import timedelta
from email.utils import format_datetime

import pytest

from crawlers.downloadermiddlewares.backoff import backoff_seconds, retry_after_seconds
from tipwatch.contract import utc_now


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after_seconds(b"120") == 120.0
    later = format_datetime(utc_now() + timedelta(seconds=90), usegmt=True).encode()
    assert 80 <= (retry_after_seconds(later) or 0) <= 90
    earlier = format_datetime(utc_now() - timedelta(seconds=90), usegmt=True).encode()
    assert retry_after_seconds(earlier) == 0.0


@pytest.mark.parametrize("value", [None, b"", b"soon", b"-5"])
def test_a_missing_or_bad_retry_after_is_ignored(value: bytes | None) -> None:
    assert retry_after_seconds(value) is None


def test_waits_double_with_jitter_and_stop_at_the_cap() -> None:
    rng = random.Random(7)
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (12, 60.0)):
        waits = [backoff_seconds(attempt, 2.0, 60.0, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1
