"""Phone numbers: candidate runs in the digit view, validated by ``phonenumbers``.

A *run* is a stretch of digits joined by spaces, dots, dashes, slashes or brackets (optionally
led by ``+`` or ``(+``). A run may hold several numbers (``081-234-5678/089-999-9999``,
``081 234 5678 089 999 9999``), so it is split into digit groups and, from the left, the longest
sequence of groups that ``phonenumbers.PhoneNumberMatcher`` (leniency ``VALID``) accepts *in full*
becomes a number. ``VALID`` means a valid number for the region, with the national prefix
written where the region writes one; that alone rules out most prices, salaries and years.
On top of it a number is rejected when it

- is a date (``12/05/2025``, ``2025-05-12``) or a range (``8000-12000``, ``18-35``);
- touches Latin letters (``ORD0812345678``) unless they are a cue such as ``WA0812…``;
- sits next to money (``฿``, ``USD``, ``บาท``, ``/month`` …);
- follows an order/account/ID word (``Order #``, ``เลขบัญชี``, ``订单``) more closely than a
  contact cue.

National-format numbers need a region: the hints, in order (first valid wins); with no hint,
the fallback regions, where the number must start with the trunk prefix 0 and be valid in
exactly one of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache
from itertools import islice

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from pipelines.enrich.contacts.cues import LEXICON
from pipelines.enrich.contacts.digits import digit_view
from pipelines.enrich.contacts.hits import Hit
from pipelines.enrich.contacts.regions import FALLBACK_REGIONS

log = logging.getLogger(__name__)

MIN_DIGITS = 7
MAX_DIGITS = 17
MAX_CANDIDATES = 20000
MAX_CHECKS = 4000
MAX_MATCHES = 1500
MAX_PHONES = 1000
"""Per-text budgets: candidate segments looked at, distinct segments parsed (~0.05 ms each),
matcher runs (~0.1-0.5 ms each) and numbers found. A real post uses a tiny part of them; past
any of them the rest of the text is skipped and a warning is logged."""
_WINDOW = 64

_RUN_RE = re.compile(r"(?:\+[ \t]?|[(\[][ \t]?\+?[ \t]?)?\d++(?:[ \t.\-/()\[\]]{1,3}+\d++)*+")
_GROUP_RE = re.compile(r"\d+")
_DATE_RE = re.compile(
    r"\(?(?:(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?:\d{4}|\d{2})"
    r"|(?:19|20)\d\d[/.\-](?P<m2>\d{1,2})[/.\-](?P<d2>\d{1,2}))\)?"
)
_RANGE_SEPARATOR_RE = re.compile(r"[ \t]?[-~][ \t]?")
_ASCII_LETTERS_BEFORE = re.compile(r"[A-Za-z]+$")
_ASCII_LETTERS_AFTER = re.compile(r"[A-Za-z]+")
_CONTEXT = 24


def e164(number: phonenumbers.PhoneNumber) -> str:
    """The E.164 form of a parsed number."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def international(digits: str) -> str | None:
    """E.164 of a number written with its country code but no ``+`` (``66812345678``), if valid."""
    digits = re.sub(r"\D", "", digits)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return e164(number) if phonenumbers.is_valid_number(number) else None


@cache
def _lengths(region: str) -> frozenset[int]:
    """Digit counts worth validating for a national-format number of ``region``."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset(range(MIN_DIGITS, MAX_DIGITS + 1))
    national = len(metadata.national_prefix or "")
    code = len(str(metadata.country_code))
    lengths: set[int] = set()
    for size in metadata.general_desc.possible_length or range(MIN_DIGITS, MAX_DIGITS + 1):
        lengths.update({size, size + national, size + code, size + code + 2, size + code + 3})
    return frozenset(lengths)


class _Finder:
    """Phone numbers of one text; not shared between texts (``PhoneNumberMatcher`` is not thread-safe)."""

    def __init__(self, text: str, regions: Sequence[str]) -> None:
        self.text = text
        self.regions = tuple(regions)
        self.candidates = MAX_CANDIDATES
        self.checks = MAX_CHECKS
        self.matches = MAX_MATCHES
        self.seen: dict[tuple[str, str | None, int], tuple[str, int, int] | None] = {}
        self.hits: list[Hit] = []

    @property
    def spent(self) -> bool:
        """A budget is used up (see ``MAX_CANDIDATES``)."""
        return min(self.candidates, self.checks, self.matches) <= 0 or len(self.hits) >= MAX_PHONES

    def run(self) -> list[Hit]:
        for run in _RUN_RE.finditer(self.text):
            if run.end() - run.start() < MIN_DIGITS or sum(map(str.isdigit, run.group())) < MIN_DIGITS:
                continue
            self._split(run)
            if self.spent:
                log.warning("contacts/phones: budget spent, rest of a %d-character text skipped", len(self.text))
                break
        return self.hits

    def _split(self, run: re.Match[str]) -> None:
        """Numbers in one run: from the left, the longest valid sequence of digit groups."""
        found = _GROUP_RE.finditer(self.text, run.start(), run.end())
        groups = [match.span() for match in islice(found, _WINDOW)]
        first = groups[0]
        plus = "+" in self.text[run.start(): first[0]]
        i = 0
        while i < len(groups) and not self.spent:
            if len(groups) - i <= MAX_DIGITS:
                groups.extend(match.span() for match in islice(found, _WINDOW))
            if i >= _WINDOW:
                del groups[:i]
                i = 0
            at_start = groups[i] == first
            last = self._longest(groups, i, run.start() if at_start else groups[i][0], at_start and plus)
            i = i + 1 if last is None else last + 1

    def _longest(self, groups: list[tuple[int, int]], i: int, start: int, plus: bool) -> int | None:
        """Index of the last group of the longest valid number starting at group ``i``, if any."""
        totals: list[int] = []
        total = 0
        for group_start, group_end in groups[i: i + MAX_DIGITS]:
            total += group_end - group_start
            if total > MAX_DIGITS:
                break
            totals.append(total)
        for offset in range(len(totals) - 1, -1, -1):
            digits = totals[offset]
            if digits < MIN_DIGITS or self.spent:
                break
            if not plus and not any(digits in _lengths(region) for region in self._regions()):
                continue
            self.candidates -= 1
            j = i + offset
            end = groups[j][1]
            hit = self._validate(start, end, groups[i][0], plus)
            if hit is not None and not self._looks_like_other(start, end, groups[i: j + 1]):
                self.hits.append(hit)
                return j
        return None

    def _regions(self) -> Sequence[str]:
        return self.regions or FALLBACK_REGIONS

    def _looks_like_other(self, start: int, end: int, groups: list[tuple[int, int]]) -> bool:
        """Dates, ranges, and numbers whose surroundings say price, ID or word."""
        segment = self.text[start:end]
        if _is_date(segment):
            return True
        if len(groups) == 2 and _is_range(self.text, groups):
            return True
        return self._bad_context(start, end)

    def _bad_context(self, start: int, end: int) -> bool:
        before = self.text[max(0, start - _CONTEXT): start]
        after = self.text[end: end + _CONTEXT]
        letters = _ASCII_LETTERS_BEFORE.search(before)
        if letters and letters.group().lower() not in LEXICON.phone_prefixes:
            return True
        letters = _ASCII_LETTERS_AFTER.match(after)
        if letters and letters.group().lower() not in LEXICON.phone_prefixes:
            return True
        if LEXICON.currency_before_re.search(before[-6:]) or LEXICON.currency_after_re.match(after):
            return True
        negatives = [match.span() for match in LEXICON.not_phone_re.finditer(before)]
        if not negatives:
            return False
        cues = [end for _, end in LEXICON.cue_re.spans(before)]
        negatives = [(low, high) for low, high in negatives
                     if before[low:high].lower() != "id" or not any(0 <= low - end <= 2 for end in cues)]
        return bool(negatives) and (not cues or max(high for _, high in negatives) > max(cues))

    def _validate(self, start: int, end: int, first_digit: int, plus: bool) -> Hit | None:
        """The number if ``PhoneNumberMatcher`` finds one covering every digit of the segment."""
        segment = self.text[start:end]
        covered_from = first_digit - start
        if plus:
            matched = self._match(segment, self.regions[0] if self.regions else None, covered_from)
            return None if matched is None else Hit("phone", matched[0], start + matched[1], start + matched[2])
        if self.regions:
            for region in self.regions:
                matched = self._match(segment, region, covered_from)
                if matched is not None:
                    return Hit("phone", matched[0], start + matched[1], start + matched[2])
            return None
        if not segment[covered_from:].startswith("0"):
            return None  # without a hint only numbers written with the trunk prefix 0 are safe
        found = {match for region in FALLBACK_REGIONS if (match := self._match(segment, region, covered_from))}
        if len({value for value, _, _ in found}) != 1:
            return None
        value, first, last = found.pop()
        return Hit("phone", value, start + first, start + last)

    def _match(self, segment: str, region: str | None, covered_from: int) -> tuple[str, int, int] | None:
        """``_validate_segment`` once per distinct segment of the text."""
        key = (segment, region, covered_from)
        if key not in self.seen:
            if self.spent:
                return None
            self.seen[key] = self._validate_segment(segment, region, covered_from)
        return self.seen[key]

    def _validate_segment(self, segment: str, region: str | None, covered_from: int) -> tuple[str, int, int] | None:
        """Quick parse first; the matcher (national-prefix rules, exact span) only for valid numbers."""
        self.checks -= 1
        try:
            number = phonenumbers.parse(segment, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        self.matches -= 1
        for match in PhoneNumberMatcher(segment, region, leniency=Leniency.VALID):
            if match.start <= covered_from and match.end >= len(segment):
                first = match.start
                while segment[first] in "([ \t" and not any(ch in ")]" for ch in segment[first:match.end]):
                    first += 1
                return e164(match.number), first, match.end
        return None


def _is_date(segment: str) -> bool:
    match = _DATE_RE.fullmatch(segment)
    if match is None:
        return False
    day = int(match.group("d") or match.group("d2"))
    month = int(match.group("m") or match.group("m2"))
    return (1 <= day <= 31 and 1 <= month <= 12) or (1 <= month <= 31 and 1 <= day <= 12)


def _is_range(text: str, groups: list[tuple[int, int]]) -> bool:
    (low_start, low_end), (high_start, high_end) = groups
    low, high = text[low_start:low_end], text[high_start:high_end]
    separator = text[low_end:high_start]
    if not _RANGE_SEPARATOR_RE.fullmatch(separator) or low.startswith("0") or high.startswith("0"):
        return False
    return int(high) > int(low)


def find_phones(text: str, regions: Sequence[str]) -> list[Hit]:
    """Phone numbers in ``text`` (a masked fold view); offsets are into ``text``."""
    view = digit_view(text)
    hits = _Finder(view.text, regions).run()
    return [Hit(hit.kind, hit.value, *view.span(hit.start, hit.end)) for hit in hits]
