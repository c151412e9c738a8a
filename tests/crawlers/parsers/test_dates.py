"""Post dates as the region's pages write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.parsers.dates import parse_date, zone_for


@pytest.mark.parametrize(("text", "country", "expected"), [
    ("2026-11-12T07:30:00+00:00", None, "2026-11-12T07:30:00"),
    ("2026-11-12T14:30:00.123Z", "TH", "2026-11-12T14:30:00.123000"),
    ("2026-11-12", "TH", "2026-11-11T17:00:00"),
    ("12 Nov 2026", "SG", "2026-11-11T16:00:00"),
    ("Nov 12, 2026 3:05 pm", "PH", "2026-11-12T07:05:00"),
    ("Thu, 12 Nov 2026 08:00:00 +0700", None, "2026-11-12T01:00:00"),
    ("Thu, 12 Nov 2026 08:00:00 GMT", "TH", "2026-11-12T08:00:00"),
    ("12 พ.ย. 2569", "TH", "2026-11-11T17:00:00"),
    ("๑๒ พ.ย. ๒๕๖๙ 14.30 น.", "TH", "2026-11-12T07:30:00"),
    ("12 พ.ย. 69", "TH", "2026-11-11T17:00:00"),
    ("ประกาศเมื่อ 12 พฤศจิกายน 2569 เวลา 09:15 น.", "TH", "2026-11-12T02:15:00"),
    ("2026年11月12日 下午2:30", "CN", "2026-11-12T06:30:00"),
    ("２０２６年１１月１２日　１４：３０", "TW", "2026-11-12T06:30:00"),
    ("ngày 12 tháng 11 năm 2026", "VN", "2026-11-11T17:00:00"),
    ("12 tháng 11, 2026 14h30", "VN", "2026-11-12T07:30:00"),
    ("12/11/2026", "VN", "2026-11-11T17:00:00"),
    ("11/12/2026", "PH", "2026-11-11T16:00:00"),
    ("25/12/2026", "PH", "2026-12-24T16:00:00"),
    ("12 November 2026 14:30 WIB", "ID", "2026-11-12T07:30:00"),
    ("12 Agu 2026", "ID", "2026-08-11T17:00:00"),
    ("12 Ogos 2026", "MY", "2026-08-11T16:00:00"),
    ("១២ វិច្ឆិកា ២០២៦", "KH", "2026-11-11T17:00:00"),
    ("၁၂ နိုဝင်ဘာ ၂၀၂၆", "MM", "2026-11-11T17:30:00"),
    ("12 ພະຈິກ 2026", "LA", "2026-11-11T17:00:00"),
    ("posted 2026/11/12 14:30", "TW", "2026-11-12T06:30:00"),
    ("12 Nov 2026 14:30 GMT+8", None, "2026-11-12T06:30:00"),
])
def test_dates_are_read_into_utc(text: str, country: str | None, expected: str) -> None:
    moment = parse_date(text, country=country)
    assert moment is not None and moment.tzinfo is UTC
    assert moment.replace(tzinfo=None).isoformat() == expected


@pytest.mark.parametrize("text", [
    "", "   ", None, "2 hours ago", "เมื่อวาน", "Nov 31 2026", "12 Nov", "0001-01-01T00:00:00Z",
])
def test_unreadable_dates_give_none(text: str | None) -> None:
    assert parse_date(text, country="TH") is None


def test_the_configured_zone_and_format_win() -> None:
    moment = parse_date("12.11.2026 18:45", country="TH", zone="Asia/Tokyo")
    assert moment == datetime(2026, 11, 12, 9, 45, tzinfo=UTC)
    assert parse_date("2026|11|12", fmt="%Y|%m|%d") == datetime(2026, 11, 12, tzinfo=UTC)
    assert parse_date("12/11/2026", day_first=False) == datetime(2026, 12, 11, tzinfo=UTC)


def test_zone_for_unknown_countries_is_utc() -> None:
    assert zone_for("XX") is UTC and zone_for(None) is UTC
    assert str(zone_for("MM")) == "Asia/Yangon"
