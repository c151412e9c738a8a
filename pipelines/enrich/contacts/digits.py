"""The digit view: undo the tricks used to hide phone numbers from search.

Applied to the fold view (digits of every script are already ASCII there):

- letters standing in for digits inside a digit run: ``O``/``o`` → 0, ``l``/``I`` → 1
  (``08l-234-567O``); only in runs that hold a real digit and are not part of a word;
- odd separators between digits (``*``, ``_``, ``~``, ``·``, ``•``) → ``-``;
- digits written as words — English (``zero``/``oh`` … ``nine``, ``double``/``triple``), Thai,
  Malay/Indonesian and Chinese numerals — in runs worth at least seven digits that contain at
  least one word, so ordinary prose is never turned into numbers;
- ``00`` + a country calling code at the start of a number → ``+``.
"""

from __future__ import annotations

import re

import phonenumbers

from pipelines.enrich.contacts.normalise import View, rewrite
from pipelines.enrich.contacts.wordfind import LETTERS, WordFinder, lower, trie_pattern

MIN_WORD_RUN_DIGITS = 7
"""A run of digit words is converted only when it is worth at least this many digits."""
MAX_WORD_RUN_TOKENS = 40
"""Longer runs ("one one one …") are not a phone number or two; they are left alone."""

LATIN_WORDS: dict[str, str] = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "kosong": "0", "nol": "0", "satu": "1", "dua": "2", "tiga": "3", "empat": "4", "lima": "5",
    "enam": "6", "tujuh": "7", "delapan": "8", "lapan": "8", "sembilan": "9",
}
"""English and Malay/Indonesian digit words (matched as whole words, any case)."""

REPEATERS: dict[str, int] = {"double": 2, "triple": 3}
"""``double eight`` = 88."""

SCRIPT_WORDS: dict[str, str] = {
    "ศูนย์": "0", "หนึ่ง": "1", "สอง": "2", "สาม": "3", "สี่": "4", "ห้า": "5", "หก": "6",
    "เจ็ด": "7", "แปด": "8", "เก้า": "9",
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4", "五": "5",
    "六": "6", "七": "7", "八": "8", "九": "9",
}
"""Thai and Chinese digit words (no word boundaries in these scripts)."""


_LATIN = trie_pattern(LATIN_WORDS)
_REPEAT = trie_pattern(REPEATERS)
_SCRIPT = trie_pattern(SCRIPT_WORDS)
_NOT_AFTER_LETTER = f"(?<![{LETTERS}])"
_TOKEN = (
    rf"{_NOT_AFTER_LETTER}{_REPEAT}[ \t-]{{0,2}}(?:{_LATIN}|\d)"
    rf"|{_NOT_AFTER_LETTER}{_LATIN}|{_SCRIPT}|\d"
)
_TOKEN_RE = re.compile(_TOKEN)
_WORD_RUN_RE = re.compile(rf"(?:{_TOKEN})(?:[ \t,.\-]{{0,2}}(?:{_TOKEN})){{0,{MAX_WORD_RUN_TOKENS}}}")
"""Token regexes run on the lower-cased text."""
_WORD_RUN_HINT = WordFinder([*LATIN_WORDS, *REPEATERS, *SCRIPT_WORDS], after_digit=True)
_SPLIT_REPEAT = re.compile(rf"({_REPEAT})[ \t-]{{0,2}}(.+)", re.DOTALL)

_LETTER_RUN_RE = re.compile(r"(?<![0-9OolI])(?:[0-9]+[OolI]|[OolI]+[0-9])[0-9OolI]*")
_LETTER_DIGITS = str.maketrans("OolI", "0011")
_LETTER_HINT_RE = re.compile(r"[0-9][OolI]|[OolI][0-9]")
_ODD_SEPARATOR_RE = re.compile(r"[*_~·•](?<=\d.)(?=\d)")
_INTERNATIONAL_00_RE = re.compile(r"00(?<![\w+]00)(?=[ .\-]?[1-9])")
"""Literal first, look-behind second: the engine then jumps from one "00" to the next."""
_NUMBER_AFTER_RE = re.compile(r"[ .\-]?\d(?:[ .\-]?\d){0,16}")
_CALLING_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _letters_to_digits(text: str) -> str:
    """O/o/l/I inside digit runs → 0/1 (same length, so no offset map is needed)."""

    def convert(match: re.Match[str]) -> str:
        run = match.group()
        if run.isdigit() or not any(ch.isdigit() for ch in run):
            return run
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalpha() or after.isalpha():
            # part of a word such as "Tel0812…" or "10lbs": only letters strictly between digits
            chars = list(run)
            for i in range(1, len(chars) - 1):
                if not chars[i].isdigit() and chars[i - 1].isdigit() and chars[i + 1].isdigit():
                    chars[i] = chars[i].translate(_LETTER_DIGITS)
            return "".join(chars)
        return run.translate(_LETTER_DIGITS)

    if _LETTER_HINT_RE.search(text) is None:
        return text
    return _LETTER_RUN_RE.sub(convert, text)


def _word_edits(text: str) -> list[tuple[int, int, str]]:
    """Edits turning digit words into digits, for runs worth at least seven digits."""
    edits: list[tuple[int, int, str]] = []
    lowered = lower(text)
    pos = 0
    while (hint := _WORD_RUN_HINT.find(text, lowered, pos)) is not None:
        run = _WORD_RUN_RE.match(lowered, _run_start(lowered, hint[0]))
        if run is None or run.end() <= hint[0]:
            pos = hint[1]
            continue
        pos = max(run.end(), hint[1])
        if edits and run.start() < edits[-1][1]:
            continue
        tokens = list(_TOKEN_RE.finditer(lowered, run.start(), run.end()))
        if len(tokens) > MAX_WORD_RUN_TOKENS:
            continue
        values = [_token_digits(token.group()) for token in tokens]
        if sum(len(value) for value in values) < MIN_WORD_RUN_DIGITS:
            continue
        previous_end = run.start()
        for token, value in zip(tokens, values, strict=True):
            for comma in range(previous_end, token.start()):
                if text[comma] == ",":
                    edits.append((comma, comma + 1, " "))  # "oh nine one seven, one two three"
            if not token.group().isdigit():
                edits.append((token.start(), token.end(), value))
            previous_end = token.end()
    return edits


def _run_start(text: str, pos: int) -> int:
    """Step back over digits and separators so a word run starting with digits is seen whole."""
    start = pos
    limit = max(0, pos - 40)
    while start > limit and (text[start - 1].isdigit() or text[start - 1] in " \t,.-"):
        start -= 1
    while start < pos and not text[start].isdigit():
        start += 1
    return start


def _token_digits(token: str) -> str:
    if token.isdigit():
        return token
    repeated = _SPLIT_REPEAT.fullmatch(token)
    if repeated:
        count = REPEATERS[repeated.group(1)]
        return _token_digits(repeated.group(2)) * count
    return LATIN_WORDS.get(token) or SCRIPT_WORDS.get(token, "")


def _plus_edits(text: str) -> list[tuple[int, int, str]]:
    """``00`` + country code at the start of a number → ``+``."""
    edits: list[tuple[int, int, str]] = []
    for match in _INTERNATIONAL_00_RE.finditer(text):
        before = text[max(0, match.start() - 4): match.start()].rstrip(" \t.-/()[]")
        if before[-1:].isdigit():
            continue  # a group inside a number ("138 0013 8000"), not its start
        number = _NUMBER_AFTER_RE.match(text, match.end())
        if number is None or len(re.sub(r"\D", "", number.group())) < 8:
            continue
        rest = text[match.end(): match.end() + 4].lstrip(" .-")
        if any(rest[:size] in _CALLING_CODES for size in (1, 2, 3)):
            edits.append((match.start(), match.end(), "+"))
    return edits


def digit_view(text: str) -> View:
    """The digit view of (a fold view's) ``text``; offsets map to ``text``."""
    same_length = _ODD_SEPARATOR_RE.sub("-", _letters_to_digits(text))
    edits = sorted(_word_edits(same_length) + _plus_edits(same_length))
    merged: list[tuple[int, int, str]] = []
    for edit in edits:
        if merged and edit[0] < merged[-1][1]:
            continue
        merged.append(edit)
    return rewrite(same_length, merged)
