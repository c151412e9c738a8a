"""The lexicon file format (``config/indicators/*.yaml``) and the text normalisation terms share with posts.

Validated with ``tipwatch.config.validate``, so every problem names the file, the line and the key.
The format is documented in docs/enrichment/indicators.md.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

CATEGORIES = ("destination", "job_bait", "too_good", "process", "urgency_age")
Category = Literal["destination", "job_bait", "too_good", "process", "urgency_age"]
LanguageCode = Literal[
    "th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en",
    "ko", "ja", "ru", "hi", "bn", "ne", "si", "ta", "ur", "ar",
]
"""The target languages of DESIGN.md (ISO 639-1); a term list under any other key is an error."""

# Unspaced scripts: Thai, Lao, Burmese (+ extensions), Khmer, kana, CJK ideographs.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f\u1780-\u17ff\u19e0-\u19ff"
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002ffff]"
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_FOLD_EXTRA = str.maketrans({"ё": "е", "\t": " ", "\n": " ", "\r": " ", "\f": " ", "\v": " ",
                             "\u00a0": " ", "\u3000": " "})


def is_unspaced(char: str) -> bool:
    """True for a character of a script written without spaces between words."""
    return _UNSPACED.match(char) is not None


def clean_text(text: str) -> str:
    """NFC, without zero-width characters and soft hyphens (they split words invisibly)."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def fold_text(text: str) -> str:
    """Lower-case without changing the length, so offsets stay valid; ё→е, all spaces → ' '."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)
    return lowered.translate(_FOLD_EXTRA)


def _check_term(term: str) -> str:
    """A term is one word or phrase, single-spaced; ``*`` may end it (spaced scripts only)."""
    if term != term.strip():
        raise ValueError("term has leading or trailing spaces")
    if "  " in term or any(ch in term for ch in "\t\n\r"):
        raise ValueError("use single spaces inside a term")
    body = term.removesuffix("*")
    if "*" in body:
        raise ValueError("'*' may only end a term (the word continues)")
    if len(body) < 2:
        raise ValueError("term is shorter than two characters")
    if body != term and any(is_unspaced(ch) for ch in body):
        raise ValueError("'*' is for spaced scripts; unspaced terms already match inside token runs")
    return term


def _repeats(pattern: str, index: int) -> bool:
    """True when a repeating quantifier (*, +, {n,}) starts at ``index``."""
    if index >= len(pattern):
        return False
    if pattern[index] in "*+":
        return True
    quantifier = re.match(r"\{(\d*)(,?)(\d*)\}", pattern[index:])
    return bool(quantifier and quantifier.group(2) and not quantifier.group(3))


_GROUP_PREFIX = re.compile(r"\(\?(?:P<\w+>|<[=!]|[=!:>]|[aiLmsux-]+:)")


def _check_pattern(pattern: str) -> str:
    """A pattern compiles, cannot match empty text, and cannot backtrack exponentially."""
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        raise ValueError("backreferences are not allowed in patterns")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc
    if compiled.fullmatch(""):
        raise ValueError("pattern matches empty text")
    groups: list[bool] = []  # per open group: contains a quantifier or an alternation
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 + (pattern[index + 1:index + 2] == "^")
            index += pattern[index:index + 1] == "]"  # a leading ']' is a literal
            continue
        elif char == "(":
            groups.append(False)
            prefix = _GROUP_PREFIX.match(pattern, index)
            index = prefix.end() if prefix else index + 1
            continue
        elif char == ")" and groups:
            inner = groups.pop()
            if inner and _repeats(pattern, index + 1):
                raise ValueError("nested repetition such as (a+)+ can take exponential time; "
                                 "repeat single characters or classes instead")
            if groups and (inner or _repeats(pattern, index + 1)):
                groups[-1] = True
        elif char in "*+?{|" and groups:
            groups[-1] = True
        index += 1
    return pattern


Term = Annotated[str, AfterValidator(_check_term)]
PatternText = Annotated[str, AfterValidator(_check_pattern)]


class IndicatorSpec(BaseModel):
    """One indicator as written in a lexicon file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z][a-z_]*\.[a-z0-9_]+$")]
    """``<category>.<name>``, e.g. ``destination.cambodia``; stable: alerts and searches use it."""
    category: Category
    weight: Annotated[float, Field(gt=0, le=1, strict=True)]
    """What one match adds to the category's score (see risk.yaml for caps and rules)."""
    description: Annotated[str, Field(min_length=1)]
    terms: dict[LanguageCode, list[Term]] = Field(default_factory=dict)
    patterns: list[PatternText] = Field(default_factory=list)
    """Regular expressions (case-insensitive, on NFC text) for numbers: ages, salary amounts."""
    exclude: dict[LanguageCode, list[Term]] = Field(default_factory=dict)
    """Phrases that contain a term but do not mean the indicator; a hit inside one is dropped."""
    except_languages: list[LanguageCode] = Field(default_factory=list)
    """Posts in these languages never get this indicator (e.g. 'Cambodia' in Khmer posts)."""
    references: list[str] = Field(default_factory=list)
    """Where the cue comes from (report, advisory); free text."""

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorSpec:
        if not self.id.startswith(f"{self.category}."):
            raise ValueError(f"id {self.id!r} must start with its category '{self.category}.'")
        if not any(self.terms.values()) and not self.patterns:
            raise ValueError("an indicator needs at least one term or pattern")
        for language, terms in self.terms.items():
            folded = [fold_text(clean_text(term)) for term in terms]
            duplicates = sorted({term for term in folded if folded.count(term) > 1})
            if duplicates:
                raise ValueError(f"duplicate terms in {language}: {', '.join(duplicates)}")
        return self


class LexiconFile(BaseModel):
    """A lexicon file: a list of indicators."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: Annotated[list[IndicatorSpec], Field(min_length=1)]
