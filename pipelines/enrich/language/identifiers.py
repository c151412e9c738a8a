"""The two statistical identifiers, behind one small interface: text + candidates → probabilities.

* ``Py3LangId``: py3langid's naive-Bayes model (shipped in its wheel), restricted to the candidate
  languages of the post's script, probabilities normalised over those candidates.
* ``LangDetect``: langdetect (seeded, so it is deterministic), restricted to the same candidates
  through its prior map. It has no Malay, Khmer, Burmese, Lao or Sinhala profile; it raises
  ``LangDetectException`` when the text has no n-gram it knows, which is answered with ``{}``.

Both load their model once, on first use, under a lock; afterwards they are safe to share between
threads (nothing is mutated per call).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

__all__ = ["Identifier", "LangDetect", "Py3LangId", "Scores"]

Scores = dict[str, float]
"""Language code → probability (summing to at most 1)."""

DetectorFactory.seed = 0
_LANGDETECT_ALIASES = {"zh-cn": "zh", "zh-tw": "zh"}
_LANGDETECT_MAX_CHARS = 1000
"""langdetect reads at most this many characters (its cost grows with the text, not its accuracy)."""


class Identifier(Protocol):
    """A statistical language identifier restricted to candidate languages."""

    name: str

    def scores(self, text: str, candidates: frozenset[str]) -> Scores:
        """Probabilities of the candidates it knows; ``{}`` when it cannot tell."""
        ...


class Py3LangId:
    """py3langid restricted per candidate set (one restricted copy per set, model arrays shared)."""

    name = "py3langid"

    def __init__(self, model_path: Path | None = None) -> None:
        self._path = model_path or MODEL_DIR / MODEL_FILE
        self._lock = threading.Lock()
        self._model: tuple | None = None
        self._restricted: dict[frozenset[str], LanguageIdentifier | None] = {}

    def _identifier(self, candidates: frozenset[str]) -> LanguageIdentifier | None:
        """The model restricted to the candidates it knows (None if it knows none of them)."""
        if candidates in self._restricted:
            return self._restricted[candidates]
        with self._lock:
            if candidates not in self._restricted:
                if self._model is None:
                    self._model = load_model(self._path)
                ptc, pc, classes, nextmove, row, output = self._model
                known = sorted(candidates & set(classes))
                identifier = None
                if known:
                    identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True,
                                                    tk_row=row)
                    identifier.set_languages(known)
                self._restricted[candidates] = identifier
        return self._restricted[candidates]

    def scores(self, text: str, candidates: frozenset[str]) -> Scores:
        """Probabilities over ``candidates``; ``{}`` when the text has no feature of the model."""
        identifier = self._identifier(candidates)
        if identifier is None:
            return {}
        ranked = identifier.rank(text)
        if len(ranked) > 1 and ranked[0][1] == ranked[-1][1]:
            return {}  # featureless input: uniform scores
        return {lang: float(p) for lang, p in ranked if p > 0.0}


class LangDetect:
    """langdetect with ``DetectorFactory.seed = 0`` and a prior map limited to the candidates."""

    name = "langdetect"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._factory: DetectorFactory | None = None

    def _load(self) -> DetectorFactory:
        if self._factory is None:
            with self._lock:
                if self._factory is None:
                    factory = DetectorFactory()
                    factory.load_profile(PROFILES_DIRECTORY)
                    self._factory = factory
        return self._factory

    def known(self, candidates: Iterable[str]) -> frozenset[str]:
        """The candidates langdetect has a profile for."""
        langs = {_LANGDETECT_ALIASES.get(lang, lang) for lang in self._load().get_lang_list()}
        return frozenset(candidates) & langs

    def scores(self, text: str, candidates: frozenset[str]) -> Scores:
        """Probabilities over ``candidates``; ``{}`` if none is known or the text has no features."""
        factory = self._load()
        prior = {lang: 1.0 for lang in factory.get_lang_list()
                 if _LANGDETECT_ALIASES.get(lang, lang) in candidates}
        if not prior:
            return {}
        detector = factory.create()
        detector.set_prior_map(prior)
        detector.append(text[:_LANGDETECT_MAX_CHARS])
        try:
            found = detector.get_probabilities()
        except LangDetectException:
            return {}
        result: Scores = {}
        for item in found:
            lang = _LANGDETECT_ALIASES.get(item.lang, item.lang)
            result[lang] = result.get(lang, 0.0) + item.prob
        return result
