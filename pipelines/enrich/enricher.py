"""The enricher: one raw post in, one enriched post out, through every enrichment stage.

Stages, in order (each a plain function, injected so tests can swap one)::

    language    detect_language(title + text)          -> Language (Zawgyi handled there)
    segment     segment(text, language)                -> text_tokens (and the title's tokens)
    contacts    extract_contacts(text, country=source.country, language=language)
    indicators  Lexicon.match(title + text, title tokens + text tokens, language)
    risk        score_risk(indicators, contacts, RiskConfig)
    fingerprint fingerprint(text, text_tokens, contacts)    -> near_duplicate (for the indexer's clusters)

A stage that raises turns into ``EnrichmentError`` naming the stage, so a consumer can dead-letter
the one record (a poison record must not stop the worker) instead of crash-looping on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pipelines.enrich.indicators import RISK_FILE, Lexicon, load_lexicon
from pipelines.enrich.risk import RiskConfig, load_risk_config, score_risk
from tipwatch.contract import Contact, EnrichedPost, Language, NearDuplicate, RawPost, utc_now
from tipwatch.fingerprint import fingerprint

DetectLanguage = Callable[[str], Language]
Segment = Callable[[str, str | None], str]
ExtractContacts = Callable[..., Sequence[Contact]]
_T = TypeVar("_T")

INDICATORS_DIR = "indicators"
"""Lexicons and risk.yaml live in ``<config>/indicators/``."""


class EnrichmentError(RuntimeError):
    """A stage failed on one record; ``stage`` says which, the message says why."""

    def __init__(self, stage: str, reason: str) -> None:
        self.stage = stage
        self.reason = reason
        super().__init__(f"{stage}: {reason}")


def _run(stage: str, func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Call one stage; whatever it raises becomes an EnrichmentError naming the stage."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise EnrichmentError(stage, f"{type(exc).__name__}: {exc}") from exc


def near_duplicate(text: str, text_tokens: str, contacts: Sequence[Contact]) -> NearDuplicate:
    """The record's near-duplicate fingerprint (see ``tipwatch.fingerprint``)."""
    return fingerprint(text, text_tokens, [{"raw": c.raw, "value": c.value} for c in contacts]).record()


class Enricher:
    """All enrichment stages, built once per process and reused for every post."""

    def __init__(self, lexicon: Lexicon, risk: RiskConfig, *, detect_language: DetectLanguage,
                 segment: Segment, extract_contacts: ExtractContacts) -> None:
        self.lexicon = lexicon
        self.risk = risk
        self._detect_language = detect_language
        self._segment = segment
        self._extract_contacts = extract_contacts

    @classmethod
    def from_config(cls, config_dir: Path) -> Enricher:
        """The production enricher: lexicons and risk from ``<config_dir>/indicators``; raises ConfigError."""
        directory = Path(config_dir) / INDICATORS_DIR
        lexicon = load_lexicon(directory)
        risk = load_risk_config(directory / RISK_FILE, lexicon.weights)

        from pipelines.enrich.contacts import extract_contacts
        from pipelines.enrich.language import detect_language
        from pipelines.enrich.segment import segment

        return cls(lexicon, risk, detect_language=detect_language, segment=segment,
                   extract_contacts=extract_contacts)

    def enrich(self, raw: RawPost) -> EnrichedPost:
        """The enriched record for ``raw`` (a new object; ``raw`` is not changed)."""
        title = raw.title or ""
        full_text = f"{title}\n{raw.text}" if title else raw.text
        language = _run("language", self._detect_language, full_text)
        code = None if language.code == "und" else language.code
        text_tokens = _run("segment", self._segment, raw.text, code)
        title_tokens = _run("segment", self._segment, title, code) if title else ""
        contacts = list(_run("contacts", self._extract_contacts, raw.text,
                             country=raw.source.country, language=code))
        indicators = _run("indicators", self.lexicon.match, full_text,
                          f"{title_tokens}\n{text_tokens}" if title else text_tokens, language.code)
        risk = _run("risk", score_risk, indicators, contacts, self.risk)
        near = _run("fingerprint", near_duplicate, raw.text, text_tokens, contacts)
        try:
            return EnrichedPost.model_validate({
                **raw.model_dump(by_alias=True),
                "language": language,
                "text_tokens": text_tokens,
                "contacts": contacts,
                "indicators": indicators,
                "risk": risk,
                "enriched_at": utc_now(),
                "near_duplicate": near,
            })
        except ValidationError as exc:
            raise EnrichmentError("record", str(exc).replace("\n", " ")) from exc
