"""Post dates as pages write them, read into aware UTC datetimes.

Understands ISO 8601 / RFC 3339, RFC 2822 (feeds), month names in English, Indonesian, Malay,
Filipino, Vietnamese (``tháng 11``), Thai (``12 พ.ย. 2569``, Buddhist-era years), Lao, Khmer and
Burmese, CJK ``2026年11月12日``, numeric ``12/11/2026`` (day first unless the country writes the month
first) and any script's digits. A time without a zone is read in the source's zone: the configured
one, else the country's. Relative dates ("2 hours ago") are not understood: they give None.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

COUNTRY_ZONES: dict[str, str] = {
    "AU": "Australia/Sydney", "BD": "Asia/Dhaka", "BN": "Asia/Brunei", "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong", "ID": "Asia/Jakarta", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo",
    "KH": "Asia/Phnom_Penh", "KR": "Asia/Seoul", "LA": "Asia/Vientiane", "LK": "Asia/Colombo",
    "MM": "Asia/Yangon", "MN": "Asia/Ulaanbaatar", "MO": "Asia/Macau", "MY": "Asia/Kuala_Lumpur",
    "NP": "Asia/Kathmandu", "NZ": "Pacific/Auckland", "PG": "Pacific/Port_Moresby", "PH": "Asia/Manila",
    "PK": "Asia/Karachi", "SG": "Asia/Singapore", "TH": "Asia/Bangkok", "TL": "Asia/Dili",
    "TW": "Asia/Taipei", "VN": "Asia/Ho_Chi_Minh", "AE": "Asia/Dubai", "FJ": "Pacific/Fiji",
}
"""The zone assumed for times without one, by ISO 3166-1 country (the capital's zone)."""

MONTH_FIRST_COUNTRIES = frozenset({"PH", "US"})
"""Countries whose numeric dates put the month first (``11/12/2026`` is 12 November)."""

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januari", "janvier", "enero", "ม.ค.", "มกราคม", "ມັງກອນ", "មករា", "ဇန်နဝါရီ"),
    2: ("february", "feb", "februari", "febuari", "peb", "pebrero", "ก.พ.", "กุมภาพันธ์", "ກຸມພາ", "កុម្ភៈ",
        "ဖေဖော်ဝါရီ"),
    3: ("march", "mar", "maret", "mac", "marso", "มี.ค.", "มีนาคม", "ມີນາ", "មីនា", "မတ်"),
    4: ("april", "apr", "abril", "เม.ย.", "เมษายน", "ເມສາ", "មេសា", "ဧပြီ"),
    5: ("may", "mei", "mayo", "พ.ค.", "พฤษภาคม", "ພຶດສະພາ", "ឧសភា", "မေ"),
    6: ("june", "jun", "juni", "hunyo", "มิ.ย.", "มิถุนายน", "ມິຖຸນາ", "មិថុនា", "ဇွန်"),
    7: ("july", "jul", "juli", "julai", "hulyo", "ก.ค.", "กรกฎาคม", "ກໍລະກົດ", "កក្កដា", "ဇူလိုင်"),
    8: ("august", "aug", "agustus", "agu", "agt", "ogos", "agosto", "ส.ค.", "สิงหาคม", "ສິງຫາ", "សីហា",
        "ဩဂုတ်", "ဪဂုတ်"),
    9: ("september", "sep", "sept", "setyembre", "ก.ย.", "กันยายน", "ກັນຍາ", "កញ្ញា", "စက်တင်ဘာ"),
    10: ("october", "oct", "oktober", "okt", "oktubre", "ต.ค.", "ตุลาคม", "ຕຸລາ", "តុលា", "အောက်တိုဘာ"),
    11: ("november", "nov", "nop", "nobyembre", "พ.ย.", "พฤศจิกายน", "ພະຈິກ", "វិច្ឆិកា", "နိုဝင်ဘာ"),
    12: ("december", "dec", "desember", "disember", "des", "dis", "disyembre", "ธ.ค.", "ธันวาคม", "ທັນວາ",
         "ធ្នូ", "ဒီဇင်ဘာ"),
}
_LATIN_MONTHS = {name: month for month, names in _MONTHS.items() for name in names if name.isascii()}
_OTHER_MONTHS = sorted(
    ((name, month) for month, names in _MONTHS.items() for name in names if not name.isascii()),
    key=lambda pair: -len(pair[0]),
)
_NAMED_ZONES = {
    "wib": 420, "wita": 480, "wit": 540, "ict": 420, "mmt": 390, "pht": 480, "sgt": 480, "myt": 480,
    "hkt": 480, "jst": 540, "kst": 540, "utc": 0, "gmt": 0, "z": 0,
}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)?$")
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?")
_YEAR_FIRST = re.compile(r"(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")
_VIET_MONTH = re.compile(r"(?:tháng|thg|th)\s*(\d{1,2})(?!\d)")
_LATIN_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"\d+")
_TIME = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:[:.]|时|時|点|點|giờ|h)\s*(\d{2})(?:\s*[:.]\s*(\d{2}))?(?:\.\d+)?"
    r"\s*(am|pm|a\.m\.|p\.m\.|น\.?)?"
)
_OFFSET = re.compile(r"^\s*(?:(?:utc|gmt)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)")
_ZONE_WORD = re.compile(r"(?<![a-z])(wib|wita|wit|ict|mmt|pht|sgt|myt|hkt|jst|kst|utc|gmt|z)(?![a-z])")


def zone_for(country: str | None, zone: str | None = None) -> tzinfo:
    """The zone for times without one: ``zone`` (IANA name) if given, else the country's, else UTC."""
    name = zone or COUNTRY_ZONES.get((country or "").upper())
    return ZoneInfo(name) if name else UTC


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in folded)
    return " ".join(digits.replace("พ.ศ.", " ").replace("ค.ศ.", " ").split())


def _year(value: str, thai: bool) -> int:
    year = int(value)
    if len(value) == 2:
        year += 2500 if thai else 2000
    return year - 543 if year >= 2400 else year


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _month_name(text: str) -> tuple[int, int, int] | None:
    """(month, start, end) of the first month name in ``text``."""
    for match in _LATIN_WORD.finditer(text):
        month = _LATIN_MONTHS.get(match.group())
        if month:
            return month, match.start(), match.end()
    for name, month in _OTHER_MONTHS:
        bare = name.rstrip(".")
        position = text.find(bare)
        if position >= 0:
            end = position + len(name) if text.startswith(name, position) else position + len(bare)
            return month, position, end
    match = _VIET_MONTH.search(text)
    if match and 1 <= int(match.group(1)) <= 12:
        return int(match.group(1)), match.start(), match.end()
    return None


def _named_month_date(text: str) -> tuple[int, int, int, list[tuple[int, int]]] | None:
    found = _month_name(text)
    if found is None:
        return None
    month, start, end = found
    thai = "\u0e00" <= text[start] <= "\u0e7f"
    rest = _blank(text, [(start, end)])
    for time in _TIME.finditer(rest):
        rest = _blank(rest, [time.span()])
    numbers = list(_NUMBER.finditer(rest))
    year_match = next((n for n in numbers if len(n.group()) == 4), None)
    days = [n for n in numbers if n is not year_match and len(n.group()) <= 2 and 1 <= int(n.group()) <= 31]
    if not days:
        return None
    day_match = min(days, key=lambda n: min(abs(n.end() - start), abs(n.start() - end)))
    if year_match is None:
        after = [n for n in numbers if n is not day_match and len(n.group()) == 2 and n.start() >= end]
        if not after:
            return None
        year_match = after[0]
    year = _year(year_match.group(), thai)
    spans = [(start, end), day_match.span(), year_match.span()]
    return year, month, int(day_match.group()), spans


def _date_parts(text: str, day_first: bool) -> tuple[int, int, int, list[tuple[int, int]]] | None:
    """(year, month, day, spans used) found in normalised ``text``."""
    match = _CJK.search(text) or _YEAR_FIRST.search(text)
    if match:
        return _year(match.group(1), False), int(match.group(2)), int(match.group(3)), [match.span()]
    named = _named_month_date(text)
    if named:
        return named
    match = _NUMERIC.search(text)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 or (day_first and second <= 12):
            day, month = first, second
        else:
            day, month = second, first
        thai = bool(re.search(r"[\u0e00-\u0e7f]", text))
        return _year(match.group(3), thai), month, day, [match.span()]
    return None


def _time_parts(text: str) -> tuple[int, int, int, timezone | None]:
    """(hour, minute, second, zone written after the time or anywhere as a name) of ``text``."""
    hour = minute = second = 0
    offset: timezone | None = None
    match = _TIME.search(text)
    tail = text
    if match:
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        marker = (match.group(4) or "").replace(".", "")
        if marker == "pm" and hour < 12:
            hour += 12
        elif marker == "am" and hour == 12:
            hour = 0
        if re.search(r"(下午|晚上|chiều|tối|sore|malam)", text) and hour < 12:
            hour += 12
        tail = text[match.end():]
        written = _OFFSET.match(tail)
        if written:
            minutes = int(written.group(2)) * 60 + int(written.group(3) or 0)
            offset = timezone(timedelta(minutes=minutes if written.group(1) == "+" else -minutes))
    if offset is None:
        word = _ZONE_WORD.search(tail)
        if word:
            offset = timezone(timedelta(minutes=_NAMED_ZONES[word.group(1)]))
    return hour, minute, second, offset


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _plausible(moment: datetime) -> datetime | None:
    return moment if 1990 <= moment.year <= 2100 else None


def parse_date(
    text: str | None,
    *,
    country: str | None = None,
    zone: str | None = None,
    day_first: bool | None = None,
    fmt: str | None = None,
) -> datetime | None:
    """The moment ``text`` names, as an aware UTC datetime; None when no date can be read.

    ``fmt`` (a ``strptime`` format) is tried first when given; ``day_first`` defaults from ``country``.
    """
    if not text or not text.strip():
        return None
    local = zone_for(country, zone)
    if fmt:
        try:
            return _plausible(_aware(datetime.strptime(text.strip(), fmt), local))
        except ValueError:
            pass
    normal = _normalise(text)
    if _ISO.match(normal):
        try:
            return _plausible(_aware(datetime.fromisoformat(normal.upper()), local))
        except ValueError:
            pass
    if re.match(r"^[a-z]{3},?\s+\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d", normal):
        try:
            return _plausible(_aware(parsedate_to_datetime(normal), local))
        except (TypeError, ValueError, IndexError):
            pass
    first = day_first if day_first is not None else (country or "").upper() not in MONTH_FIRST_COUNTRIES
    parts = _date_parts(normal, first)
    if parts is None:
        return None
    year, month, day, spans = parts
    hour, minute, second, offset = _time_parts(_blank(normal, spans))
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=offset)
    except ValueError:
        return None
    return _plausible(_aware(moment, local))
