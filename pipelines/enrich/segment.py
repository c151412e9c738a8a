"""Word segmentation for ``text_tokens``: words separated by single spaces, for a whitespace analyser.

Thai, Khmer, Lao, Burmese, Chinese and Japanese are written without spaces between words, and the
Elasticsearch clusters tipwatch supports have no ICU analysis plugin. So the text is segmented
here with ICU's word BreakIterator, which switches to its dictionary engines for runs of those
scripts and uses the Unicode word-boundary rules elsewhere; the indexer then only has to split on
white space. Burmese in Zawgyi is converted to Unicode first; full-width ASCII is folded to ASCII;
everything is lower-cased; punctuation, symbols and emoji are dropped; numbers are kept.

``segment("รับสมัครพนักงานด่วน")`` → ``"รับ สมัคร พนักงาน ด่วน"``;
``segment("柬埔寨西港招聘客服")`` → ``"柬埔寨 西港 招聘 客 服"``.

BreakIterators are costly to build and not thread-safe: each ``Segmenter`` keeps one per locale
per thread and reuses it.
"""

from __future__ import annotations

import threading
import unicodedata

import icu

from pipelines.enrich.language.burmese import normalise_burmese

__all__ = ["Segmenter", "segment"]

_WORD_NONE = 0
"""ICU rule status of spaces, punctuation, symbols and emoji (UBRK_WORD_NONE)."""
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_LOCALES = frozenset({"th", "km", "lo", "my", "zh", "ja", "ko", "vi", "id", "ms", "tl", "en", "ru", "hi",
                      "bn", "ne", "si", "ta", "ur", "ar"})


class Segmenter:
    """Segments text into space-separated words with ICU; one BreakIterator per locale per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _iterator(self, language: str | None) -> icu.BreakIterator:
        cache: dict[str, icu.BreakIterator] | None = getattr(self._local, "iterators", None)
        if cache is None:
            cache = {}
            self._local.iterators = cache
        locale = language if language in _LOCALES else "root"
        iterator = cache.get(locale)
        if iterator is None:
            iterator = icu.BreakIterator.createWordInstance(icu.Locale(locale))
            cache[locale] = iterator
        return iterator

    def words(self, text: str, language: str | None = None) -> list[str]:
        """The words of ``text`` (Zawgyi converted, NFC, full width folded, lower-cased)."""
        text, _ = normalise_burmese(text)
        text = unicodedata.normalize("NFC", text).translate(_FULLWIDTH)
        if not text.strip():
            return []
        iterator = self._iterator(language)
        units = icu.UnicodeString(text)
        iterator.setText(units)
        same_offsets = len(units) == len(text)  # no character outside the BMP: UTF-16 = str offsets
        words: list[str] = []
        start = iterator.first()
        for end in iterator:
            piece = text[start:end] if same_offsets else str(units[start:end])
            start = end
            if iterator.getRuleStatus() == _WORD_NONE and not any(char.isalnum() for char in piece):
                continue
            words.extend(piece.lower().split())
        return words

    def segment(self, text: str, language: str | None = None) -> str:
        """``text_tokens``: the words of ``text`` joined by single spaces."""
        return " ".join(self.words(text, language))


_default = Segmenter()


def segment(text: str, language: str | None = None) -> str:
    """``text_tokens`` for ``text``; ``language`` (ISO 639-1) only selects the ICU locale."""
    return _default.segment(text, language)
