"""Lexical tie-breakers between close languages (Malay/Indonesian, Nepali/Hindi, Urdu/Arabic…).

Statistical identifiers separate these pairs badly on short text. A tie-breaker counts marker
words, two-word phrases, regular expressions and letters that are common in one member of the
group and rare in the others (``markers.yaml`` beside this module). It is asked only when the
statistical winner belongs to the group, and it answers only when one member has more markers
than every other member by the group's margin (or, for a group with a ``default``, when no member
has any marker); otherwise the statistical answer stands. A member may stand for several
languages (``ms|id``): its answer then only rules out the other members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import yaml

__all__ = ["MARKERS_FILE", "Markers", "TieBreaker", "load_tiebreakers"]

MARKERS_FILE = Path(__file__).with_name("markers.yaml")
_PUNCT = "!\"'()*,./:;?[]{}<>«»“”‘’…|·•।॥۔،؟!？。，、：；（）"


@dataclass(frozen=True, slots=True)
class Markers:
    """What counts as evidence for one language of a group."""

    words: frozenset[str]
    phrases: frozenset[tuple[str, str]]
    patterns: tuple[re.Pattern[str], ...]
    letters: frozenset[str]
    suffixes: tuple[str, ...]

    def count(self, words: list[str], text: str) -> int:
        """Marker occurrences in the tokenised ``words`` and the raw ``text``."""
        found = sum(1 for word in words if word in self.words)
        if self.suffixes:
            found += sum(1 for word in words if len(word) > 2 and word.endswith(self.suffixes))
        if self.phrases:
            found += sum(1 for pair in pairwise(words) if pair in self.phrases)
        found += sum(len(pattern.findall(text)) for pattern in self.patterns)
        if self.letters:
            found += sum(1 for char in text if char in self.letters)
        return found


@dataclass(frozen=True, slots=True)
class TieBreaker:
    """Marker sets for a group of close languages and the margin a winner needs."""

    name: str
    markers: dict[str, Markers]
    margin: int = 1
    default: str | None = None

    @property
    def languages(self) -> frozenset[str]:
        """Every language of the group."""
        return frozenset(lang for member in self.markers for lang in member.split("|"))

    def counts(self, text: str) -> dict[str, int]:
        """Marker counts per member language."""
        words = tokens(text)
        return {lang: markers.count(words, text) for lang, markers in self.markers.items()}

    def decide(self, text: str) -> tuple[frozenset[str] | None, dict[str, int]]:
        """The languages of the member that leads by ``margin`` (or the default), else None; and the counts."""
        counts = self.counts(text)
        ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if score - runner_up >= self.margin:
            return frozenset(best.split("|")), counts
        if score == 0 and self.default is not None:
            return frozenset({self.default}), counts
        return None, counts


def tokens(text: str) -> list[str]:
    """Lower-cased words split on white space with surrounding punctuation removed."""
    words = (word.strip(_PUNCT) for word in text.lower().split())
    return [word for word in words if word]


def _markers(spec: dict) -> Markers:
    entries = [str(entry).lower() for entry in spec.get("words", [])]
    words = frozenset(entry for entry in entries if " " not in entry)
    phrases = frozenset(
        (parts[0], parts[1]) for parts in (entry.split() for entry in entries) if len(parts) == 2
    )
    patterns = tuple(re.compile(p) for p in spec.get("patterns", []))
    letters = frozenset("".join(spec.get("letters", [])))
    suffixes = tuple(spec.get("suffixes", []))
    return Markers(words, phrases, patterns, letters, suffixes)


def load_tiebreakers(path: Path = MARKERS_FILE) -> dict[str, TieBreaker]:
    """Tie-breakers by group name (``ms-id``, ``ne-hi``…) from the markers file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    breakers: dict[str, TieBreaker] = {}
    for name, spec in data.items():
        members = {lang: _markers(body) for lang, body in spec.items() if isinstance(body, dict)}
        if len(members) < 2:
            raise ValueError(f"{path}: {name}: a tie-breaker needs at least two languages")
        default = spec.get("default")
        breakers[name] = TieBreaker(name, members, int(spec.get("margin", 1)), default)
    return breakers
