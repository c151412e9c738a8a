"""Text views with an offset map back to the original text.

Extractors never search the original text directly. They search a *view*: a rewritten copy
in which every character remembers the span of the original text it came from, so a match in
the view is reported with ``start``/``end`` offsets into the original.

``fold(text)`` is the first view every extractor uses: digits of every script (Thai, Khmer, Lao,
Burmese, Arabic-Indic, full-width, mathematical, circled, keycap …) become ASCII digits,
full-width and mathematical letters and punctuation become ASCII, exotic spaces and dashes
become ``" "`` and ``"-"``, and invisible characters (zero-width spaces, joiners, variation
selectors, the keycap mark) are dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress


@dataclass(frozen=True)
class View:
    """A rewritten text; ``starts[i]:ends[i]`` is the base span of character ``i`` (``None``: identity)."""

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The base-text span of the view span ``start:end`` (``end > start``)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def then(self, inner: View) -> View:
        """Compose: ``inner`` rewrites this view's text; the result maps to this view's base."""
        if inner.starts is None or inner.ends is None:
            return View(inner.text, self.starts, self.ends)
        if self.starts is None or self.ends is None:
            return inner
        starts, ends = self.starts, self.ends
        return View(inner.text, [starts[i] for i in inner.starts], [ends[i - 1] for i in inner.ends])


def rewrite(base: str, edits: Iterable[tuple[int, int, str]]) -> View:
    """Replace each ``(start, end, new)`` of ``base`` (sorted, not overlapping) and keep the map.

    Every character of ``new`` maps to the whole replaced span; untouched characters map to
    themselves. An empty ``new`` deletes the span.
    """
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    changed = False
    for start, end, new in edits:
        if start < pos:
            raise ValueError(f"overlapping edit at {start} (previous edit ended at {pos})")
        if start > pos:
            parts.append(base[pos:start])
            starts.extend(range(pos, start))
            ends.extend(range(pos + 1, start + 1))
        parts.append(new)
        starts.extend([start] * len(new))
        ends.extend([end] * len(new))
        pos = end
        changed = True
    if not changed:
        return View(base)
    parts.append(base[pos:])
    starts.extend(range(pos, len(base)))
    ends.extend(range(pos + 1, len(base) + 1))
    return View("".join(parts), starts, ends)


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with every character inside ``spans`` replaced by a space (same length)."""
    ordered = sorted(spans)
    if not ordered:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in ordered:
        start = max(start, pos)
        if end <= start:
            continue
        parts.append(text[pos:start])
        parts.append(" " * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# --- the fold table --------------------------------------------------------------------------

_DROP = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\ufe0e\ufe0f\ufeff\u20e3"
)
"""Invisible characters removed from every view (the keycap mark U+20E3 turns 0️⃣ into 0)."""

_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\u30fc"
_EXTRA = {"\ufe6b": "@", "\ufe62": "+", "\u2024": ".", "\uff61": ".", "\u2044": "/", "\u2215": "/"}

_DIGIT_BLOCKS = (
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
    0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
    0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x11066, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
    0x1E950, 0x1FBF0,
)
"""First code point of each run of ten decimal digits (Nd) outside ASCII that we fold."""

_DIGIT_LIKE = (
    (0x00B2, 0x00B3), (0x00B9, 0x00B9), (0x2070, 0x2070), (0x2074, 0x2079), (0x2080, 0x2089),
    (0x2460, 0x2468), (0x2474, 0x247C), (0x2488, 0x2490), (0x24EA, 0x24EA), (0x24F5, 0x24FD),
    (0x24FF, 0x24FF), (0x2776, 0x277E), (0x2780, 0x2788), (0x278A, 0x2792), (0x1F100, 0x1F10C),
)
"""Ranges of digit-valued symbols (circled, parenthesised, super/subscript, dingbat …)."""

_COMPAT_LETTERS = ((0xFF01, 0xFF5E), (0x1D400, 0x1D7CB), (0x24B6, 0x24E9), (0x1F130, 0x1F149))
"""Full-width ASCII, mathematical alphanumerics, circled and squared Latin letters (via NFKC)."""


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for ch in _DROP:
        table[ord(ch)] = ""
    for ch in _SPACES:
        table[ord(ch)] = " "
    for ch in _DASHES:
        table[ord(ch)] = "-"
    for ch, new in _EXTRA.items():
        table[ord(ch)] = new
    for first in _DIGIT_BLOCKS:
        for code in range(first, first + 10):
            value = unicodedata.decimal(chr(code), None)
            if value is not None:
                table[code] = str(value)
    for low, high in _DIGIT_LIKE:
        for code in range(low, high + 1):
            value = unicodedata.digit(chr(code), None)
            if value is not None:
                table[code] = str(value)
    for low, high in _COMPAT_LETTERS:
        for code in range(low, high + 1):
            if code in table:
                continue
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded.isascii() and folded != chr(code):
                table[code] = folded
    return table


FOLD_TABLE: dict[int, str] = _build_table()
"""``str.translate`` table of the fold view (every replacement is at most one character)."""

_DROP_SET = frozenset(_DROP)



def fold(text: str) -> View:
    """The fold view of ``text`` (see the module docstring); offsets map to ``text``.

    A dropped invisible character belongs to the visible character before it, so ``0️⃣`` maps
    back whole.
    """
    folded = text.translate(FOLD_TABLE)
    if len(folded) == len(text):
        return View(folded)
    keep = [ch not in _DROP_SET for ch in text]
    starts = list(compress(range(len(text)), keep))
    ends = starts[1:]
    ends.append(len(text))
    return View("".join(compress(text, keep)).translate(FOLD_TABLE), starts, ends)
