"""Recruitment-risk indicators: multilingual lexicons (``config/indicators/*.yaml``) and their matcher.

A lexicon file lists indicators (``id``, ``category``, ``weight``, ``terms`` per language, optional
``patterns``, ``exclude`` and ``except_languages``; format in ``indicator_schema``).
``load_lexicon`` validates every file and compiles all terms once into an Aho-Corasick automaton
(one pass over a post finds every term of every language). ``Lexicon.match`` then keeps:

* terms in spaced scripts (Latin, Cyrillic, Hangul…): case-insensitive whole words on the text
  (``*`` at the end of a term lets the word continue: ``캄보디아*``, ``Камбодж*``);
* terms in unspaced scripts (Thai, Lao, Khmer, Burmese, Chinese, Japanese): occurrences in the
  text that start and end on a token boundary of ``text_tokens`` (the term may span several
  tokens, so a segmenter cutting a proper name into pieces does not matter, but ``西港`` inside
  ``广西 港口`` does not match); long terms (Thai/Lao 6, Khmer/Burmese 8, CJK 3 code points)
  also match anywhere, which survives a segmenter gluing a loanword to its neighbour. When the
  tokens cannot be found in the text (Zawgyi converted to Unicode), terms match on the tokens;
* ``exclude`` phrases cancel a hit they contain (``แรงงานพม่า`` "Burmese workers" is not the
  destination Myanmar); ``except_languages`` skips an indicator for posts in those languages.

Terms are matched in every post whatever its language, because adverts mix languages and
scripts. See docs/enrichment/indicators.md for the file format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.enrich.indicator_schema import (
    CATEGORIES,
    IndicatorSpec,
    LexiconFile,
    clean_text,
    fold_text,
    is_unspaced,
)
from tipwatch.config import ConfigError, Problem, load_yaml, validate
from tipwatch.contract import Indicator

__all__ = ["CATEGORIES", "MAX_EVIDENCE", "RISK_FILE", "Lexicon", "lexicon_files", "load_lexicon"]

RISK_FILE = "risk.yaml"
"""The risk weights live beside the lexicons but are not a lexicon."""
MAX_EVIDENCE = 10
"""At most this many distinct matched strings are kept per indicator."""
_SUBSTRING_MIN = ((re.compile("[\u0e00-\u0eff]"), 6), (re.compile("[\u1000-\u109f\u1780-\u17ff]"), 8))
"""Shortest unspaced term (code points) also matched as a substring: Thai/Lao 6, Burmese/Khmer 8
(their stacked consonants and vowel signs make words long in code points), CJK 3."""
_CJK_SUBSTRING_MIN = 3
_MAX_GAP = 16
"""Characters (spaces, punctuation) the segmenter may drop between two tokens."""
_MIN_ALIGNED = 0.8
"""Below this share of token characters found in the text, unspaced terms are matched on the tokens."""


def _char_class(char: str) -> str | None:
    """'L' for letters and marks of spaced scripts, 'N' for digits, None for anything else."""
    if is_unspaced(char):
        return None
    if char.isdigit():
        return "N"
    if char.isalpha() or char == "_" or unicodedata.category(char).startswith("M"):
        return "L"
    return None


@dataclass(frozen=True)
class _Entry:
    indicator: int
    text: str
    prefix: bool
    exclude: bool
    unspaced: bool
    substring: bool


class _Automaton:
    """Aho-Corasick over folded strings: every occurrence of every key, in one pass."""

    def __init__(self, keys: Sequence[tuple[str, int]]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[list[tuple[int, int]]] = [[]]
        for text, value in keys:
            node = 0
            for char in text:
                nxt = self._goto[node].get(char)
                if nxt is None:
                    nxt = len(self._goto)
                    self._goto[node][char] = nxt
                    self._goto.append({})
                    self._out.append([])
                node = nxt
            self._out[node].append((len(text), value))
        self._fail = [0] * len(self._goto)
        queue = list(self._goto[0].values())
        for node in queue:
            for char, child in self._goto[node].items():
                fail = self._fail[node]
                while fail and char not in self._goto[fail]:
                    fail = self._fail[fail]
                target = self._goto[fail].get(char, 0)
                self._fail[child] = target if target != child else 0
                self._out[child] = self._out[child] + self._out[self._fail[child]]
                queue.append(child)

    def find(self, text: str) -> Iterator[tuple[int, int, int]]:
        """``(start, end, value)`` for each occurrence, overlapping ones included."""
        node = 0
        goto, fail, out = self._goto, self._fail, self._out
        for index, char in enumerate(text):
            while node and char not in goto[node]:
                node = fail[node]
            node = goto[node].get(char, 0)
            for length, value in out[node]:
                yield index + 1 - length, index + 1, value


def _substring_ok(term: str) -> bool:
    for script, minimum in _SUBSTRING_MIN:
        if script.search(term):
            return len(term) >= minimum
    return len(term) >= _CJK_SUBSTRING_MIN


def _compact(tokens: str) -> tuple[str, frozenset[int]]:
    """Tokens joined without spaces, and the offsets where a token starts or ends."""
    parts = fold_text(clean_text(tokens)).split()
    bounds, offset = {0}, 0
    for part in parts:
        offset += len(part)
        bounds.add(offset)
    return "".join(parts), frozenset(bounds)


def _aligned_bounds(tokens: str, folded: str) -> tuple[frozenset[int], float]:
    """Token starts and ends as offsets into the text, and the share of token characters found."""
    bounds: set[int] = set()
    position = found = total = 0
    for token in fold_text(clean_text(tokens)).split():
        total += len(token)
        at = folded.find(token, position, position + len(token) + _MAX_GAP)
        if at >= 0:
            bounds.update((at, at + len(token)))
            position = at + len(token)
            found += len(token)
    return frozenset(bounds), found / total if total else 1.0


class Lexicon:
    """All indicators, compiled once; ``match`` is safe to call from many threads."""

    def __init__(self, specs: Sequence[IndicatorSpec]) -> None:
        self.specs = tuple(specs)
        entries: dict[_Entry, None] = {}  # ordered set: one entry per distinct term of an indicator
        for index, spec in enumerate(self.specs):
            for lists, exclude in ((spec.terms, False), (spec.exclude, True)):
                for term in (term for terms in lists.values() for term in terms):
                    text = fold_text(clean_text(term.removesuffix("*")))
                    unspaced = any(is_unspaced(ch) for ch in text)
                    entries[_Entry(index, text, term.endswith("*"), exclude, unspaced,
                                   unspaced and _substring_ok(text))] = None
        self._entries = tuple(entries)
        self._text = _Automaton([(e.text, n) for n, e in enumerate(entries)])
        self._tokens = _Automaton([(e.text.replace(" ", ""), n) for n, e in enumerate(entries) if e.unspaced])
        self._patterns = tuple(tuple(re.compile(p, re.IGNORECASE) for p in spec.patterns)
                               for spec in self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def weights(self) -> dict[str, float]:
        """Indicator id -> weight."""
        return {spec.id: spec.weight for spec in self.specs}

    def match(self, text: str, text_tokens: str, language: str) -> list[Indicator]:
        """The indicators found in a post, in lexicon order, each with its evidence.

        ``text_tokens`` is the segmented text (``segment``); ``language`` the detected code.
        """
        shown = clean_text(text)
        folded = fold_text(shown)
        bounds, aligned = _aligned_bounds(text_tokens, folded)
        found: dict[int, list[str]] = {}
        _collect(self._text_hits(folded, bounds), shown, found)
        sources = [shown]
        if aligned < _MIN_ALIGNED:  # tokens differ from the text (Zawgyi converted): match on them
            compact, compact_bounds = _compact(text_tokens)
            _collect(self._token_hits(compact, compact_bounds), compact, found)
            sources.append(clean_text(text_tokens))
        for index, patterns in enumerate(self._patterns):
            for pattern in patterns:
                for hit in (hit for source in sources for hit in pattern.finditer(source)):
                    _add(found, index, hit.group(0).strip())
        return [
            Indicator(id=spec.id, category=spec.category, evidence=found[index][:MAX_EVIDENCE])
            for index, spec in enumerate(self.specs)
            if index in found and language not in spec.except_languages
        ]

    def _text_hits(self, folded: str, bounds: frozenset[int]) -> Iterator[tuple[_Entry, int, int]]:
        for start, end, number in self._text.find(folded):
            entry = self._entries[number]
            if entry.exclude:
                yield entry, start, end
            elif entry.unspaced:
                if entry.substring or (start in bounds and end in bounds):
                    yield entry, start, end
            elif _starts_word(folded, start):
                if entry.prefix:
                    while end < len(folded) and _char_class(folded[end]) == "L":
                        end += 1
                    yield entry, start, end
                elif _ends_word(folded, end):
                    yield entry, start, end

    def _token_hits(self, compact: str, bounds: frozenset[int]) -> Iterator[tuple[_Entry, int, int]]:
        for start, end, number in self._tokens.find(compact):
            entry = self._entries[number]
            if entry.exclude or (start in bounds and end in bounds):
                yield entry, start, end


def _starts_word(folded: str, start: int) -> bool:
    before = _char_class(folded[start - 1]) if start else None
    return before is None or before != _char_class(folded[start])


def _ends_word(folded: str, end: int) -> bool:
    after = _char_class(folded[end]) if end < len(folded) else None
    return after is None or after != _char_class(folded[end - 1])


def _collect(hits: Iterator[tuple[_Entry, int, int]], shown: str, found: dict[int, list[str]]) -> None:
    """Add the hits that lie outside their indicator's exclude spans and inside no longer hit.

    One sort and one sweep per indicator (spans by start, longest first: a span lies inside another
    exactly when an earlier span reaches at least as far), so a long post with thousands of hits
    stays linear-logarithmic."""
    spans: dict[int, set[tuple[int, int]]] = {}
    excluded: dict[int, set[tuple[int, int]]] = {}
    for entry, start, end in hits:
        (excluded if entry.exclude else spans).setdefault(entry.indicator, set()).add((start, end))
    for index, kept in spans.items():
        blocked = excluded.get(index, set())
        reach = -1
        for start, end in sorted(kept | blocked, key=lambda span: (span[0], -span[1])):
            inside = reach >= end
            reach = max(reach, end)
            if not inside and (start, end) in kept and (start, end) not in blocked:
                _add(found, index, shown[start:end])


def _add(found: dict[int, list[str]], index: int, evidence: str) -> None:
    seen = found.setdefault(index, [])
    if evidence and len(seen) < MAX_EVIDENCE and evidence not in seen:
        seen.append(evidence)


def lexicon_files(directory: Path) -> list[Path]:
    """The lexicon files of a directory, in the order their indicators are reported."""
    return sorted(path for path in directory.glob("*.yaml") if path.name != RISK_FILE)


def load_lexicon(directory: Path) -> Lexicon:
    """Read and validate every lexicon file in ``directory``; raises ConfigError naming each problem."""
    if not directory.is_dir():
        raise ConfigError([Problem(directory, 1, "<directory>", "indicator directory not found")])
    files = lexicon_files(directory)
    if not files:
        raise ConfigError([Problem(directory, 1, "<directory>", "no lexicon files (*.yaml) found")])
    problems: list[Problem] = []
    specs: list[IndicatorSpec] = []
    first_seen: dict[str, str] = {}
    for path in files:
        try:
            loaded = load_yaml(path)
            lexicon_file = validate(LexiconFile, loaded)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        for position, spec in enumerate(lexicon_file.indicators):
            if spec.id in first_seen:
                problems.append(loaded.problem(("indicators", position, "id"),
                                               f"duplicate indicator id {spec.id!r} (first in {first_seen[spec.id]})"))
                continue
            first_seen[spec.id] = f"{path}:{loaded.line_of(('indicators', position, 'id'))}"
            specs.append(spec)
    if problems:
        raise ConfigError(problems)
    return Lexicon(specs)
