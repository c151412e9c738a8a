"""The contact cue lexicon (``cues.yaml``) compiled into regular expressions, once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.enrich.contacts.wordfind import LETTERS, WordFinder, is_wordy

LEXICON_FILE = Path(__file__).with_name("cues.yaml")

CUE_KINDS = ("telegram", "whatsapp", "line", "wechat", "signal", "instagram", "tiktok", "phone")
"""Kinds a cue can announce; ``phone`` cues only group others (``Tel/WA: …``)."""



@dataclass(frozen=True)
class Lexicon:
    """Compiled cue lexicon."""

    cue_re: WordFinder
    kinds: dict[str, str]
    phone_prefixes: frozenset[str]
    not_phone_re: re.Pattern[str]
    currency_before_re: re.Pattern[str]
    currency_after_re: re.Pattern[str]
    stopwords: frozenset[str]
    weak: frozenset[str]

    def kind_of(self, cue: str) -> str:
        """The kind announced by a matched cue."""
        return self.kinds[cue_key(cue)]

    def is_weak(self, cue: str) -> bool:
        """An everyday word used as a cue, written in lower or title case."""
        return cue_key(cue) in self.weak and not cue.isupper()


def cue_key(cue: str) -> str:
    """Lookup key of a cue as written: lower case, no spaces."""
    return re.sub(r"[ \t]", "", cue.lower())


def _word_pattern(word: str, excluded: list[str] | None = None) -> str:
    """A regex for one lexicon entry: whole word for Latin/Cyrillic, anywhere otherwise."""
    body = re.escape(word).replace(r"\ ", "[ \\t]?")
    if is_wordy(word):
        tail = "" if not word[-1].isalpha() else f"(?![{LETTERS}])"
        head = "" if not word[0].isalpha() else f"(?<![{LETTERS}_])"
        return head + body + tail
    guards = "".join(f"(?<!{re.escape(before)})" for before in excluded or [])
    return guards + body


def _alternation(words: list[str], exclusions: dict[str, list[str]] | None = None) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(_word_pattern(word, (exclusions or {}).get(word)) for word in ordered)


def _strings(data: dict, key: str, where: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{where}: {key} must be a list of non-empty strings (quote yes/no/on/off)")
    return value


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Load and compile a cue lexicon file; ``ValueError`` names the file and key on bad data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("cues"), dict):
        raise ValueError(f"{where}: expected a mapping with a 'cues' mapping")
    kinds: dict[str, str] = {}
    words: list[str] = []
    for kind in data["cues"]:
        if kind not in CUE_KINDS:
            raise ValueError(f"{where}: cues.{kind}: unknown kind (one of {', '.join(CUE_KINDS)})")
        for word in _strings(data["cues"], kind, where + ": cues"):
            key = cue_key(word)
            if kinds.get(key, kind) != kind:
                raise ValueError(f"{where}: cues.{kind}: {word!r} is already a {kinds[key]} cue")
            kinds[key] = kind
            words.append(word)
    exclusions = data.get("exclude_before") or {}
    if not isinstance(exclusions, dict):
        raise ValueError(f"{where}: exclude_before must be a mapping")
    for word in exclusions:
        _strings(exclusions, word, where + ": exclude_before")
    not_phone = _strings(data, "not_phone_before", where)
    before = _strings(data, "currency_before", where)
    after = _strings(data, "currency_after", where)
    return Lexicon(
        cue_re=WordFinder(words, exclusions),
        kinds=kinds,
        phone_prefixes=frozenset(word.lower() for word in _strings(data, "phone_prefixes", where)),
        not_phone_re=re.compile(_alternation(not_phone), re.IGNORECASE),
        currency_before_re=re.compile(rf"(?:{_alternation(before)})[ \t]?$", re.IGNORECASE),
        currency_after_re=re.compile(rf"[ \t]?(?:{_alternation(after)})", re.IGNORECASE),
        stopwords=frozenset(word.lower() for word in _strings(data, "handle_stopwords", where)),
        weak=frozenset(cue_key(word) for word in _strings(data, "weak_cues", where)),
    )


LEXICON = load_lexicon()
"""The lexicon shipped with tipwatch."""
