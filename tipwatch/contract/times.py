"""RFC 3339 UTC times, as every record and index document carries them."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def parse_time(value: str | datetime) -> datetime:
    """Parse an RFC 3339 time (``Z`` or an offset) into an aware UTC datetime.

    Naive times are rejected: a post time without a zone is ambiguous across the region.
    """
    if isinstance(value, datetime):
        moment = value
    elif not isinstance(value, str):
        raise ValueError(f"time {value!r} is not an RFC 3339 string")
    else:
        try:
            moment = datetime.fromisoformat(value)  # reads "…Z" itself (Python 3.11)
        except ValueError:  # surrounding spaces, a lower-case "z"
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            moment = datetime.fromisoformat(text)
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time {value!r} has no time zone (RFC 3339 needs Z or an offset)")
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with a ``Z`` suffix."""
    if moment.tzinfo is None:
        raise ValueError("cannot format a naive datetime as RFC 3339")
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    text = utc.replace(tzinfo=None).isoformat()  # isoformat: a tenth of strftime's cost
    return (text.rstrip("0") if utc.microsecond else text) + "Z"
