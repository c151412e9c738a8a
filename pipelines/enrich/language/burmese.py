"""Zawgyi → Unicode conversion for Burmese text.

Much Burmese online text is typed with the Zawgyi font encoding: the same code points as Unicode
Burmese, in a different order and with different meanings, so words do not match and ICU cannot
segment them. ``myanmartools``' ZawgyiDetector (model inside the package) gives the probability
that a text is Zawgyi; above ``ZAWGYI_THRESHOLD`` the text is converted with ICU's ``Zawgyi-my``
transform. Text without Myanmar letters is returned unchanged without running either.

The Myanmar script also writes Shan, Mon and the Karen languages, with letters of their own
(U+105A–U+108F, U+109A–U+109F). ``other_myanmar_language`` spots them (after Zawgyi conversion,
since Zawgyi reuses some of those code points for Burmese glyph variants).
"""

from __future__ import annotations

import re
import threading

import icu
from myanmartools import ZawgyiDetector

__all__ = ["ZAWGYI_THRESHOLD", "normalise_burmese", "other_myanmar_language", "zawgyi_probability"]

ZAWGYI_THRESHOLD = 0.95
"""The myanmar-tools README's threshold for automatic conversion (under 1% of Unicode strings flagged)."""
_MYANMAR = re.compile("[\u1000-\u109f]")
_NOT_BURMESE = re.compile("[\u105a-\u108f\u109a-\u109f]")
OTHER_LANGUAGE_SHARE = 0.1
"""Share of Shan/Mon/Karen letters among Myanmar-block characters above which a text is not Burmese
(FLORES-200: every Shan sentence has at least 0.24, every Burmese sentence 0)."""
_DETECTOR = ZawgyiDetector()
_local = threading.local()


def _transliterator() -> icu.Transliterator:
    """One ICU transform per thread (ICU transliterators are not thread-safe)."""
    transform = getattr(_local, "zawgyi", None)
    if transform is None:
        transform = icu.Transliterator.createInstance("Zawgyi-my")
        _local.zawgyi = transform
    return transform


def zawgyi_probability(text: str) -> float:
    """Probability that ``text`` is Zawgyi-encoded (0.0 when it has no Myanmar letters)."""
    if not _MYANMAR.search(text):
        return 0.0
    return max(0.0, float(_DETECTOR.get_zawgyi_probability(text)))


def normalise_burmese(text: str) -> tuple[str, bool]:
    """``(text in Unicode Burmese, True)`` if it was Zawgyi, else ``(text, False)`` unchanged."""
    if zawgyi_probability(text) < ZAWGYI_THRESHOLD:
        return text, False
    return _transliterator().transliterate(text), True


def other_myanmar_language(text: str) -> bool:
    """True when ``text`` (in Unicode) is Myanmar script but Shan, Mon or Karen rather than Burmese."""
    others = len(_NOT_BURMESE.findall(text))
    return others >= 2 and others >= OTHER_LANGUAGE_SHARE * len(_MYANMAR.findall(text))
