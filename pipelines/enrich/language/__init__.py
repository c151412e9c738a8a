"""Language detection for posts: ``detect_language(text) -> Language`` and Zawgyi normalisation.

Public API::

    detect_language(text)      -> tipwatch.contract.Language (code, script, confidence, method)
    normalise_burmese(text)    -> (text in Unicode Burmese, was_zawgyi)
    LanguageDetector, DetectorConfig   the chain itself, for custom candidates or thresholds

See ``detector.py`` for the chain and docs/enrichment/language.md for measurements.
"""

from __future__ import annotations

import threading

from pipelines.enrich.language.burmese import normalise_burmese
from pipelines.enrich.language.detector import DetectorConfig, LanguageDetector
from tipwatch.contract import Language

__all__ = ["DetectorConfig", "LanguageDetector", "default_detector", "detect_language", "normalise_burmese"]

_lock = threading.Lock()
_default: LanguageDetector | None = None


def default_detector() -> LanguageDetector:
    """The shared detector with the default configuration (built on first use)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = LanguageDetector()
    return _default


def detect_language(text: str) -> Language:
    """The language of ``text``: ISO 639-1 code (``und`` if unknown), script, confidence, method."""
    return default_detector().detect(text)
