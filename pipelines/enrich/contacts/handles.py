"""Messenger and social identifiers announced by a cue: ``Telegram: @x``, ``WA 081…``, ``微信：abc``.

Cues (``cues.yaml``) joined by ``/``, ``&``, ``or`` … form a group (``WA/Line: 081…``); every
kind in the group gets the identifiers that follow. After the cue and a connector (``:``,
``-``, ``ID``, ``number``, ``号``, ``เบอร์`` …) come one or more identifiers separated by ``,``/``/``:

- a phone number (found by the phone extractor, or digits with a country code and no ``+``):
  reported for each messenger kind with the E.164 value; the phone is reported as ``phone`` too;
- ``@name``: Telegram, LINE, Instagram, TikTok, WeChat or Signal handle;
- a bare ``name``: only right after the connector, not a stopword, and holding a digit, ``_``,
  ``.`` or ``-`` unless the connector had ``:``/``=``/``ID`` (``Line: somchai`` but not
  ``Telegram group``).

``@name`` further along the same line (within 60 characters, before the next cue) also counts
for Telegram, LINE, Instagram and TikTok groups; a phone up to 16 characters after a messenger cue
on the same line counts for it (``WhatsApp me at +66…``). A group in brackets or followed by
"same number" applies to the identifier before it (``081… (WhatsApp/Line)``, ``@abc (Telegram)``,
``138 0013 8000（微信同号）``), and so does ``@abc on Telegram``. Values: lower case, no ``@``.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Sequence

from pipelines.enrich.contacts.cues import LEXICON
from pipelines.enrich.contacts.hits import Hit
from pipelines.enrich.contacts.phones import international

log = logging.getLogger(__name__)

PHONE_KINDS = frozenset({"telegram", "whatsapp", "line", "wechat", "signal"})
AT_WINDOW_KINDS = frozenset({"telegram", "line", "instagram", "tiktok"})
AT_WINDOW = 60
PHONE_WINDOW = 16
MAX_CUES = 2000
"""Cues read per text; a real post has a handful, a page of nothing but cues is not read to the end."""

_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}"),
    "line": re.compile(r"[A-Za-z0-9._\-]{3,20}"),
    "wechat": re.compile(r"[A-Za-z][A-Za-z0-9_\-]{5,19}"),
    "signal": re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,31}\.\d{2,9}"),
    "instagram": re.compile(r"[A-Za-z0-9._]{1,30}"),
    "tiktok": re.compile(r"[A-Za-z0-9._]{2,24}"),
}
_JOINER_RE = re.compile(
    r"[ \t]*(?:[/&,|+、・]|or|and|hoặc|atau|หรือ|และ|或|和|및|или)[ \t]*", re.IGNORECASE
)
_CONNECTOR_RE = re.compile(
    r"(?:[ \t:=\-–—>→⇒»៖#(\[]|➡|👉|(?P<label>id|username|user|number|no\.?|num|nomor|số|"
    r"号码|號碼|号|號|ไอดี|เบอร์|អាយឌី)(?![A-Za-z])){0,8}",
    re.IGNORECASE,
)
_LIST_RE = re.compile(r"[ \t]*(?:[,/、|;]|or|หรือ|或|hoặc|atau)[ \t]*", re.IGNORECASE)
_LATIN_AFTER = r"(?![A-Za-z0-9_\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f])"
_TOKEN_RE = re.compile(rf"@?[A-Za-z0-9_][A-Za-z0-9_.\-]{{0,39}}+{_LATIN_AFTER}")
"""A name; Thai or CJK text may follow with no space (``@abcまで``), a Latin letter may not."""
_DIGITS_RE = re.compile(r"\+?\d[\d \-]{5,20}\d(?!\d)")
_AT_RE = re.compile(rf"(?<![A-Za-z0-9_@.])@[A-Za-z0-9_][A-Za-z0-9_.]{{1,31}}+{_LATIN_AFTER}")
_LABELLED_CUE_RE = re.compile(r"id\b|ไอดี|号|號", re.IGNORECASE)
_HANDLE_ON_RE = re.compile(
    r"(?<![A-Za-z0-9_@.])@(?P<name>[A-Za-z0-9_][A-Za-z0-9_.]{1,31})[ \t]+(?:on|via|in|at|di|sa|ผ่าน|ทาง)[ \t]+$",
    re.IGNORECASE,
)
_OPEN_BRACKET_RE = re.compile(r"[ \t]*[(\[][ \t]*")
_BRACKET_BEFORE_RE = re.compile(r"[(\[][ \t]*$")
_SAME = r"(?:[ \t]*(?:同号|同號|同步|same(?: number)?))"
_BRACKET_AFTER_RE = re.compile(rf"{_SAME}?[ \t]*[)\]]", re.IGNORECASE)
_SAME_AFTER_RE = re.compile(_SAME, re.IGNORECASE)


class _Group:
    """Consecutive cues joined by ``/``, ``or`` …: their kinds and span."""

    def __init__(self, start: int, end: int, kinds: list[str], cue: str) -> None:
        self.start = start
        self.end = end
        self.kinds = kinds
        self.last(cue)

    def last(self, cue: str) -> None:
        """Note the group's last cue: weak ("line") or carrying its own label ("Line ID")."""
        self.weak = LEXICON.is_weak(cue)
        self.labelled = bool(_LABELLED_CUE_RE.search(cue))


def _groups(text: str) -> list[_Group]:
    groups: list[_Group] = []
    for count, (start, end) in enumerate(LEXICON.cue_re.spans(text)):
        if count >= MAX_CUES:
            log.warning("contacts/handles: more than %d cues, rest of a %d-character text skipped",
                        MAX_CUES, len(text))
            break
        cue = text[start:end]
        kind = LEXICON.kind_of(cue)
        last = groups[-1] if groups else None
        if last is not None and _JOINER_RE.fullmatch(text, last.end, start):
            last.end = end
            last.kinds.append(kind)
            last.last(cue)
            continue
        groups.append(_Group(start, end, [kind], cue))
    for group in groups:
        group.kinds = [kind for kind in dict.fromkeys(group.kinds) if kind != "phone"]
    return groups


class _Reader:
    """Identifiers of one text, given its phone numbers."""

    def __init__(self, text: str, phones: Sequence[Hit]) -> None:
        self.text = text
        self.phones = sorted(phones, key=lambda hit: hit.start)
        self.phone_starts = [hit.start for hit in self.phones]
        self.phone_ends = {hit.end: hit for hit in self.phones}
        self.hits: list[Hit] = []
        self.bracketed: set[int] = set()

    def read(self) -> list[Hit]:
        groups = _groups(self.text)
        self.bracketed = {group.start for group in groups if self._bracketed(group)}
        for index, group in enumerate(groups):
            if not group.kinds:
                continue
            if group.start in self.bracketed:
                self._before(group)
                continue
            limit = groups[index + 1].start if index + 1 < len(groups) else len(self.text)
            found = self._after(group, limit)
            if AT_WINDOW_KINDS.intersection(group.kinds):
                found |= self._at_window(group, found, limit)
            if not found:
                self._before(group)
        return self.hits

    def _emit(self, kinds: list[str], value: str, start: int, end: int) -> None:
        for kind in kinds:
            self.hits.append(Hit(kind, value, start, end))

    def _phone_at(self, low: int, high: int) -> Hit | None:
        index = bisect.bisect_left(self.phone_starts, low)
        if index < len(self.phones) and self.phones[index].start <= high:
            return self.phones[index]
        return None

    def _after(self, group: _Group, limit: int) -> set[int]:
        """Identifiers right after the group's connector; returns their start offsets."""
        connector = _CONNECTOR_RE.match(self.text, group.end, limit)
        pos = connector.end() if connector else group.end
        labelled = group.labelled or bool(connector and (
            connector.group("label") or (not group.weak and re.search(r"[:=]", connector.group()))
        ))
        found: set[int] = set()
        low = group.end
        for _ in range(6):
            end = self._identifier(group, low, pos, labelled, limit)
            if end is None:
                break
            found.add(pos)
            joined = _LIST_RE.match(self.text, end, limit)
            if joined is None:
                break
            low = pos = joined.end()
            labelled = False  # "Line ID: abc atau Email: …": later items need to look like IDs
        if not found:
            phone = self._phone_at(group.end, min(group.end + PHONE_WINDOW, limit))
            phone_kinds = [kind for kind in group.kinds if kind in PHONE_KINDS]
            between = self.text[group.end: phone.start] if phone else ""
            if phone and phone_kinds and not re.search(r"[\n)\]]", between):
                self._emit(phone_kinds, phone.value, phone.start, phone.end)
                found.add(phone.start)
        return found

    def _identifier(self, group: _Group, low: int, pos: int, labelled: bool, limit: int) -> int | None:
        """Read one identifier at ``pos`` (a phone may start from ``low``); its end or ``None``."""
        phone_kinds = [kind for kind in group.kinds if kind in PHONE_KINDS]
        phone = self._phone_at(low, pos + 1)
        if phone is not None and phone_kinds:
            self._emit(phone_kinds, phone.value, phone.start, phone.end)
            return phone.end
        digits = _DIGITS_RE.match(self.text, pos, limit)
        if digits is not None:
            value = international(digits.group()) if phone_kinds else None
            if value is None:
                return None
            self._emit(phone_kinds, value, digits.start(), digits.end())
            self.hits.append(Hit("phone", value, digits.start(), digits.end()))
            return digits.end()
        token = _TOKEN_RE.match(self.text, pos, limit)
        if token is None:
            return None
        written = token.group().rstrip(".-")
        name = written.lstrip("@")
        if name.lower() in LEXICON.stopwords:
            return None
        at = written.startswith("@")
        if not at and not labelled and not re.search(r"[0-9_.\-]", name):
            return None
        kinds = [kind for kind in group.kinds if kind in _ID_PATTERNS and _ID_PATTERNS[kind].fullmatch(name)]
        if not kinds:
            return None
        self._emit(kinds, name.lower(), pos, pos + len(written))
        return pos + len(written)

    def _claimed_after(self, end: int) -> bool:
        """A bracketed cue right after ``end`` (``@abc (Telegram)``) decides the kind instead."""
        bracket = _OPEN_BRACKET_RE.match(self.text, end)
        return bracket is not None and bracket.end() in self.bracketed

    def _at_window(self, group: _Group, found: set[int], limit: int) -> set[int]:
        """``@name`` later on the line, for Telegram/LINE/Instagram/TikTok groups."""
        end = min(limit, group.end + AT_WINDOW)
        newline = self.text.find("\n", group.end, end)
        end = newline if newline != -1 else end
        kinds = [kind for kind in group.kinds if kind in AT_WINDOW_KINDS]
        extra: set[int] = set()
        for match in _AT_RE.finditer(self.text, group.end, end):
            if match.start() in found or self._claimed_after(match.end()):
                continue
            name = match.group()[1:].rstrip(".")
            accepted = [kind for kind in kinds if _ID_PATTERNS[kind].fullmatch(name)]
            if accepted:
                self._emit(accepted, name.lower(), match.start(), match.start() + 1 + len(name))
                extra.add(match.start())
        return extra

    def _bracketed(self, group: _Group) -> bool:
        """The group is in brackets: ``(WhatsApp/Line)``, ``（微信同号）``."""
        opening = _BRACKET_BEFORE_RE.search(self.text, max(0, group.start - 3), group.start)
        return opening is not None and _BRACKET_AFTER_RE.match(self.text, group.end) is not None

    def _before(self, group: _Group) -> None:
        """``081… (WhatsApp)``, ``@abc (Telegram)``, ``138… 微信同号``: a group right after an identifier."""
        opening = _BRACKET_BEFORE_RE.search(self.text, max(0, group.start - 3), group.start)
        if opening is not None and _BRACKET_AFTER_RE.match(self.text, group.end):
            before = opening.start()
        elif _SAME_AFTER_RE.match(self.text, group.end):
            before = group.start  # "138 0013 8000 微信同号": WeChat is the same number
        else:
            handle = _HANDLE_ON_RE.search(self.text, max(0, group.start - 48), group.start)
            if handle:  # "@jobs_asia on Telegram"
                name = handle.group("name").rstrip(".")
                kinds = [kind for kind in group.kinds if kind in _ID_PATTERNS and _ID_PATTERNS[kind].fullmatch(name)]
                self._emit(kinds, name.lower(), handle.start(), handle.start() + 1 + len(name))
            return
        end = len(self.text[:before].rstrip(" \t,"))
        phone = self.phone_ends.get(end)
        phone_kinds = [kind for kind in group.kinds if kind in PHONE_KINDS]
        if phone is not None and phone_kinds:
            self._emit(phone_kinds, phone.value, phone.start, phone.end)
            return
        handle = re.search(r"(?<![A-Za-z0-9_@.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,31})$", self.text[max(0, end - 40): end])
        if handle:
            name = handle.group(1)
            kinds = [kind for kind in group.kinds if kind in _ID_PATTERNS and _ID_PATTERNS[kind].fullmatch(name)]
            self._emit(kinds, name.lower(), end - len(name) - 1, end)


def find_handles(text: str, phones: Sequence[Hit]) -> list[Hit]:
    """Cue-announced identifiers in ``text`` (a masked fold view) given the phones found in it."""
    return _Reader(text, phones).read()
