"""The language-detection chain: Zawgyi → script → statistical identifiers → lexical tie-breakers.

1. Burmese in Zawgyi is converted to Unicode (``burmese.normalise_burmese``).
2. URLs, e-mails, handles, platform words, digits, punctuation and emoji are ignored; the letters
   left are counted per script (``pipelines.enrich.scripts``). No letters ⇒ ``und``.
3. The dominant script (weighted letter count) decides when it names its language (Thai, Khmer,
   Lao, Myanmar, Sinhala, Hangul, Japanese kana, Bengali, Tamil…); Han without kana is Chinese
   (never Korean), ``Hans`` or ``Hant`` by its characters. Myanmar script with Shan, Mon or Karen
   letters is ``und`` (those languages have no ISO 639-1 code).
4. Latin, Cyrillic, Devanagari and Arabic go to py3langid restricted to that script's candidate
   languages, on the letters of that script only. When its best probability is below
   ``confident``, langdetect is asked too and the two distributions are averaged (langdetect has
   no Malay: its "id" votes for Malay-or-Indonesian and py3langid splits that vote).
5. Tie-breakers (``lexical.py``) separate close languages: ms/id, tl/ms/id, ne/hi, ur/ar, Cyrillic
   letters (ru/uk/be/kk), and Japanese-only kanji in kana-less Han text.

``confidence`` = probability of the answer × a length factor (few letters ⇒ low) × the dominant
script's share of the letters (mixed posts ⇒ lower). ``method`` names the path that decided.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from pipelines.enrich.language.burmese import normalise_burmese, other_myanmar_language
from pipelines.enrich.language.identifiers import Identifier, LangDetect, Py3LangId, Scores
from pipelines.enrich.language.lexical import TieBreaker, load_tiebreakers
from pipelines.enrich.scripts import SCRIPT_LANGUAGE, ScriptProfile, clean_for_language, keep_scripts, profile
from tipwatch.contract import Language

__all__ = ["DEFAULT_FAMILIES", "DetectorConfig", "LanguageDetector"]

DEFAULT_FAMILIES: dict[str, frozenset[str]] = {
    "Latn": frozenset({"en", "vi", "id", "ms", "tl"}),
    "Cyrl": frozenset({"ru", "uk", "be", "kk"}),
    "Deva": frozenset({"hi", "ne"}),
    "Arab": frozenset({"ar", "ur", "fa", "ps"}),
}
"""Candidate languages per script for the statistical identifiers: the targets written in it, plus
neighbours that are cheap to tell apart and common in the region (Ukrainian, Belarusian, Kazakh;
Persian, Pashto). European languages in Latin and Marathi in Devanagari cost more accuracy on
short posts than they bring (measured, docs/enrichment/language.md)."""

_INFO = {"Hani": 2.5, "Hang": 2.0, "Hira": 1.5, "Kana": 1.5}
"""Letters' worth in the length factor (a Han character says more than a Latin letter)."""
_GROUP_SCRIPTS = {"Jpan": ("Hani", "Hira", "Kana"), "Hans": ("Hani", "Hira", "Kana"),
                  "Hant": ("Hani", "Hira", "Kana")}
_PROXIES = {"ms": "id"}
"""Candidates langdetect lacks, and the profile that stands for them (its "id" means "id or ms")."""


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Tunable settings of the chain (defaults measured on tests/data/language/dev.jsonl)."""

    families: dict[str, frozenset[str]] = field(default_factory=lambda: dict(DEFAULT_FAMILIES))
    confident: float = 0.7
    """Primary identifier's probability at or above which langdetect is not asked."""
    min_letters: float = 3.0
    """Below this many letters a Latin/Cyrillic/Devanagari/Arabic text is ``und``."""
    script_half: float = 3.0
    """Letters at which a script-decided answer gets half confidence (length factor n/(n+k))."""
    statistical_half: float = 10.0
    """Letters at which a statistical answer gets half confidence."""


@dataclass(frozen=True, slots=True)
class _Answer:
    code: str
    probability: float
    method: str


class LanguageDetector:
    """Detects the language of a post; one instance can be shared by threads."""

    def __init__(self, config: DetectorConfig | None = None, *, primary: Identifier | None = None,
                 langdetect: LangDetect | None = None,
                 tiebreakers: dict[str, TieBreaker] | None = None) -> None:
        self.config = config or DetectorConfig()
        self.primary: Identifier = primary or Py3LangId()
        self.langdetect = langdetect or LangDetect()
        self.tiebreakers = list((tiebreakers if tiebreakers is not None else load_tiebreakers()).values())
        self._known: dict[frozenset[str], frozenset[str]] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load both models now (call once at start-up, before serving threads)."""
        for candidates in self.config.families.values():
            self.primary.scores("warm up", candidates)
            self._langdetect_known(candidates)

    def detect(self, text: str) -> Language:
        """The language of ``text`` as a ``tipwatch.contract.Language``."""
        unicode_text, zawgyi = normalise_burmese(text)
        cleaned = clean_for_language(unicode_text)
        prof = profile(cleaned, cleaned=True)
        if prof.dominant is None:
            return Language(code="und", script=None, confidence=0.0, method="no-letters")
        script = prof.dominant
        letters = self._letters(prof)
        if script == "Mymr" and other_myanmar_language(unicode_text):
            return Language(code="und", script=script, confidence=0.0, method="script-not-burmese")
        if script in SCRIPT_LANGUAGE:
            answer = _Answer(SCRIPT_LANGUAGE[script], 1.0, "script")
            half = self.config.script_half
        elif script in ("Hans", "Hant"):
            answer = self._tiebreak(cleaned, _Answer("zh", 1.0, "script"), {"zh": 1.0})
            half = self.config.script_half
            if answer.code == "ja":
                script = "Jpan"
        elif script in self.config.families:
            if letters < self.config.min_letters:
                return Language(code="und", script=script, confidence=0.0, method="too-short")
            only = keep_scripts(cleaned, frozenset({script})) if prof.mixed else cleaned
            answer = self._statistical(only, self.config.families[script])
            half = self.config.statistical_half
        else:
            return Language(code="und", script=script, confidence=0.0, method="script-unsupported")
        if answer.code == "und":
            return Language(code="und", script=script, confidence=0.0, method=answer.method)
        confidence = answer.probability * letters / (letters + half) * prof.share
        method = answer.method + ("+zawgyi" if zawgyi else "")
        return Language(code=answer.code, script=script, confidence=round(min(1.0, confidence), 3),
                        method=method)

    @staticmethod
    def _letters(prof: ScriptProfile) -> float:
        """Letters of the dominant script group, Han/Hangul/kana counted by what they carry."""
        scripts = _GROUP_SCRIPTS.get(prof.dominant or "", (prof.dominant,))
        return sum(prof.counts.get(s, 0) * _INFO.get(s, 1.0) for s in scripts if s)

    def _langdetect_known(self, candidates: frozenset[str]) -> frozenset[str]:
        known = self._known.get(candidates)
        if known is None:
            with self._lock:
                known = self._known.setdefault(candidates, self.langdetect.known(candidates))
        return known

    def _statistical(self, text: str, candidates: frozenset[str]) -> _Answer:
        """The primary identifier, then langdetect when it is unsure, then the tie-breakers."""
        scores = self.primary.scores(text, candidates)
        method = self.primary.name
        if not scores or _proxied_max(scores) < self.config.confident:
            second = self.langdetect.scores(text, candidates)
            if second and scores:
                scores = _combine(scores, second, self._langdetect_known(candidates))
                method = f"{self.primary.name}+langdetect"
            elif second:
                scores, method = second, "langdetect"
        if not scores:
            return _Answer("und", 0.0, "no-features")
        best = max(scores, key=scores.__getitem__)
        return self._tiebreak(text, _Answer(best, scores[best], method), scores)

    def _tiebreak(self, text: str, answer: _Answer, scores: Scores) -> _Answer:
        """Let each tie-breaker whose group contains the current answer confirm or change it."""
        for breaker in self.tiebreakers:
            if answer.code not in breaker.languages:
                continue
            winners, counts = breaker.decide(text)
            if winners is None:
                continue
            in_group = {lang: scores.get(lang, 0.0) for lang in breaker.languages}
            mass = sum(in_group.values()) or answer.probability
            picked = max(sorted(winners), key=lambda lang: in_group.get(lang, 0.0))  # sorted: no hash order
            total = sum(counts.values())
            lexical = (max(counts.values()) + 1) / (total + len(counts))
            if picked == answer.code:
                if len(winners) == 1:  # a confirmation by markers of this very language
                    probability = max(answer.probability, mass * lexical)
                    answer = _Answer(picked, probability, f"{answer.method}+lexical-{breaker.name}")
            else:
                answer = _Answer(picked, mass * lexical, f"lexical-{breaker.name}")
        return answer


def _proxied_max(scores: Scores) -> float:
    """The best probability once each language langdetect lacks is merged into its proxy.

    py3langid hesitating between Malay and Indonesian only is not a reason to ask langdetect,
    which cannot tell them apart; the ms-id tie-breaker handles that.
    """
    merged = dict(scores)
    for lang, proxy in _PROXIES.items():
        if lang in merged and proxy in merged:
            merged[proxy] += merged.pop(lang)
    return max(merged.values())


def _combine(first: Scores, second: Scores, known: frozenset[str]) -> Scores:
    """Average two distributions; languages langdetect lacks share their proxy's vote by ``first``."""
    merged = dict(first)
    for lang, proxy in _PROXIES.items():
        if lang in merged and lang not in known and proxy in merged:
            merged[proxy] += merged.pop(lang)
    averaged = {lang: (p + (second.get(lang, 0.0) if lang in known else p)) / 2 for lang, p in merged.items()}
    for lang in second:
        if lang not in averaged:
            averaged[lang] = second[lang] / 2
    for lang, proxy in _PROXIES.items():
        if lang in first and lang not in known and proxy in averaged:
            pair = first[lang] + first.get(proxy, 0.0)
            share = first[lang] / pair if pair else 0.5
            averaged[lang] = averaged[proxy] * share
            averaged[proxy] *= 1.0 - share
    return averaged
