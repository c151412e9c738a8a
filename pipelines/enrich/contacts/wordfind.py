"""Fast search for a list of words: one trie-shaped regex, word boundaries checked in Python.

A plain alternation of a few hundred words with a look-behind in front of each is tried
alternative by alternative at every position (seconds per megabyte). Folding the words into a
trie (``t(?:el(?:egram|e)|g)``) lets the engine reject a position on its first character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

LETTERS = "A-Za-z\u00c0-\u024f\u1e00-\u1effА-Яа-яЁё"
"""Letters of the scripts that separate words with spaces and so need boundary checks."""

_WORDY = re.compile(rf"[{LETTERS}/@ ]+")
_LETTER = re.compile(rf"[{LETTERS}]")
_TAIL = rf"(?![{LETTERS}])"
_END = ""


def is_wordy(word: str) -> bool:
    """A Latin or Cyrillic word, matched as a whole word."""
    return bool(_WORDY.fullmatch(word))


def _char(ch: str) -> str:
    return "[ \\t]?" if ch == " " else re.escape(ch)


def _node(node: dict) -> str:
    branches = [_char(ch) + _node(child) for ch, child in sorted(node.items()) if ch != _END]
    if _END in node:
        branches.append(_TAIL if node[_END] else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` (longest first); Latin/Cyrillic words must end a word."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word.lower():
            node = node.setdefault(ch, {})
        node[_END] = is_wordy(word) and word[-1].isalpha()
    return _node(root) if root else "(?!)"


def _lower_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, high in ((0x41, 0x5A), (0xC0, 0x24F), (0x370, 0x52F), (0x1E00, 0x1EFF), (0xFF21, 0xFF3A)):
        for code in range(low, high + 1):
            lowered = chr(code).lower()
            if len(lowered) == 1 and lowered != chr(code):
                table[code] = lowered
    return table


_LOWER = _lower_table()


def lower(text: str) -> str:
    """``text`` in lower case, character for character (offsets do not move)."""
    return text.translate(_LOWER)


class WordFinder:
    """Finds any of a list of words, case-insensitively, as whole words where that makes sense.

    A Latin or Cyrillic word may not follow a letter, ``_`` or (unless ``after_digit``) a digit,
    so the cue ``ig`` is not found inside ``5iG1JSJ…`` (a wallet address).

    The search runs on a lower-cased copy (case-insensitive regexes lose the engine's
    first-character optimisation), so it yields spans, not match objects.
    """

    def __init__(self, words: Iterable[str], exclude_before: dict[str, list[str]] | None = None,
                 after_digit: bool = False) -> None:
        self.words = tuple(words)
        self.glue = re.compile(rf"[{LETTERS}_]" if after_digit else rf"[{LETTERS}0-9_]")
        self.pattern = re.compile(trie_pattern(self.words))
        self.exclude_before = {word.lower(): tuple(before) for word, before in (exclude_before or {}).items()}

    def find(self, text: str, lowered: str, pos: int = 0, endpos: int | None = None) -> tuple[int, int] | None:
        """The first word at or after ``pos``; ``lowered`` is ``lower(text)``."""
        end = len(text) if endpos is None else endpos
        while True:
            match = self.pattern.search(lowered, pos, end)
            if match is None:
                return None
            start = match.start()
            found = match.group()
            glued = start and _LETTER.match(found) and self.glue.match(text[start - 1])
            excluded = self.exclude_before.get(found)
            if not glued and not (excluded and any(text.endswith(before, 0, start) for before in excluded)):
                return start, match.end()
            pos = start + 1

    def spans(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each word in ``text[pos:endpos]`` not glued to a letter before it."""
        lowered = lower(text)
        while (span := self.find(text, lowered, pos, endpos)) is not None:
            yield span
            pos = span[1]
