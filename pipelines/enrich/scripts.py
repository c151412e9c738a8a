"""Unicode script profile of a post: letters per ISO 15924 script, and the dominant script.

Only letters count: digits, punctuation, symbols and emoji are ignored, and so are URLs, e-mail
addresses, ``@handles`` and a few platform or currency words (``Telegram``, ``WhatsApp``, ``USD``…)
that adverts in every language share. Combining vowel signs count with their script (Thai, Khmer,
Burmese, Devanagari… are written with them), so one code point is one "letter".

Scripts carry different amounts of text per character, so the dominant script is chosen by a
weighted count: a Han character weighs 2.5 letters, a Hangul syllable 2, a kana 1.5 (roughly the
letters an English word needs for the same meaning), and a Latin letter 0.5: Latin words inside a
post written in another script are mostly names, brands and job titles ("Customer Service",
"Admin Page"), while an English advert carries its few non-Latin words in a contact line. Two
groups are merged: Han with kana is ``Jpan`` (Japanese), and Han alone is reported as ``Hans`` or
``Hant`` by counting characters that exist only in Simplified or only in Traditional Chinese
(ICU's Hans-Hant transforms).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass

import icu

__all__ = [
    "SCRIPT_LANGUAGE",
    "ScriptProfile",
    "clean_for_language",
    "dominant_script",
    "han_variant",
    "keep_scripts",
    "profile",
    "script_of",
    "script_profile",
]

SCRIPT_LANGUAGE: dict[str, str] = {
    "Thai": "th", "Khmr": "km", "Laoo": "lo", "Mymr": "my", "Sinh": "si", "Hang": "ko",
    "Jpan": "ja", "Hira": "ja", "Kana": "ja", "Beng": "bn", "Taml": "ta", "Telu": "te",
    "Knda": "kn", "Mlym": "ml", "Gujr": "gu", "Guru": "pa", "Orya": "or", "Grek": "el",
    "Hebr": "he", "Armn": "hy", "Geor": "ka", "Ethi": "am", "Tibt": "bo", "Thaa": "dv",
}
"""Scripts that name their language (one major language per script in our region)."""

_WEIGHTS = {"Hani": 2.5, "Hang": 2.0, "Hira": 1.5, "Kana": 1.5, "Latn": 0.5}
_IGNORED_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})
_NO = "no"  # the cache's "not a letter" marker: None would not survive dict.get chains

_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}/\S*"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|me|io|ly|co|app|xyz|site|online"
    r"|shop|top|vip|example|kh|th|mm|la|vn|id|my|ph|cn|hk|tw|jp|kr|ru|in|bd|np|lk|pk|ae|sa|sg|uk)\b",
    re.IGNORECASE | re.ASCII,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,}")
_SHARED_WORDS = re.compile(
    r"\b(?:telegram|whatsapp|wa|viber|line|wechat|weixin|zalo|kakao(?:talk)?|imo|skype|messenger|"
    r"facebook|fb|instagram|ig|tiktok|usdt|usd|trc-?20|erc-?20|bep-?20|btc|eth|thb|khr|mmk|lak|vnd|"
    r"idr|myr|php|rmb|cny|aed|inr|id)\b",
    re.IGNORECASE | re.ASCII,
)
"""Platform and currency words shared by adverts in every language: not evidence of a language."""
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class _ScriptTable(dict[str, str]):
    """Character → ISO 15924 code for letters and marks, ``_NO`` otherwise (filled on demand)."""

    def __missing__(self, char: str) -> str:
        value = _NO
        if unicodedata.category(char)[0] in "LM":
            code = icu.Script.getScript(char).getShortName()
            if code not in _IGNORED_SCRIPTS:
                value = code
        self[char] = value
        return value


_TABLE = _ScriptTable()


def script_of(char: str) -> str | None:
    """ISO 15924 code of a letter or mark, ``None`` for digits, punctuation, symbols, emoji."""
    code = _TABLE[char]
    return None if code == _NO else code


def clean_for_language(text: str) -> str:
    """``text`` in NFC without control characters, URLs, e-mails, handles and shared platform words."""
    text = unicodedata.normalize("NFC", _CONTROLS.sub(" ", text))
    for pattern in (_EMAIL, _URL, _HANDLE, _SHARED_WORDS):
        text = pattern.sub(" ", text)
    return text


def script_profile(text: str) -> dict[str, int]:
    """Letters per script in ``text`` (after ``clean_for_language``), e.g. ``{"Thai": 41, "Latn": 5}``."""
    return _count(clean_for_language(text))


def _count(cleaned: str) -> dict[str, int]:
    counts = Counter(map(_TABLE.__getitem__, cleaned))
    counts.pop(_NO, None)
    return dict(counts)


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """Letters per script, the dominant script and its share of the weighted letter count."""

    counts: dict[str, int]
    dominant: str | None
    share: float
    letters: int

    @property
    def mixed(self) -> bool:
        """True when letters of more than one script group are present."""
        return self.share < 1.0


def profile(text: str, *, cleaned: bool = False) -> ScriptProfile:
    """The script profile of ``text`` (pass ``cleaned=True`` if it went through ``clean_for_language``)."""
    counts = _count(text if cleaned else clean_for_language(text))
    if not counts:
        return ScriptProfile({}, None, 0.0, 0)
    groups: dict[str, float] = {}
    for code, count in counts.items():
        group = _group(code, counts)
        groups[group] = groups.get(group, 0.0) + count * _WEIGHTS.get(code, 1.0)
    dominant = max(groups, key=groups.__getitem__)
    share = groups[dominant] / sum(groups.values())
    if dominant == "Hani":
        dominant = han_variant(text)
    return ScriptProfile(counts, dominant, share, sum(counts.values()))


def _group(code: str, counts: dict[str, int]) -> str:
    """Merge Han and kana into ``Jpan`` when there is more than one stray kana (a の in Chinese)."""
    if code in ("Hira", "Kana", "Hani") and _is_japanese(counts):
        return "Jpan"
    if code in ("Hira", "Kana"):  # a lone の in a Chinese post stays with the Han characters
        return "Hani"
    return code


def _is_japanese(counts: dict[str, int]) -> bool:
    kana = counts.get("Hira", 0) + counts.get("Kana", 0)
    return kana >= 2 or (kana == 1 and not counts.get("Hani"))


def dominant_script(text: str) -> str | None:
    """The ISO 15924 code with the most (weighted) letters; ``Jpan``/``Hans``/``Hant`` for CJK, None if none."""
    return profile(text).dominant


def keep_scripts(text: str, scripts: frozenset[str]) -> str:
    """``text`` with the letters of every other script replaced by spaces (digits and punctuation kept)."""
    table = _TABLE
    return "".join(char if table[char] in scripts or table[char] == _NO else " " for char in text)


class _HanSets:
    """Characters that exist only in Traditional or only in Simplified Chinese (built once, lazily)."""

    _lock = threading.Lock()
    _sets: tuple[frozenset[str], frozenset[str]] | None = None

    @classmethod
    def get(cls) -> tuple[frozenset[str], frozenset[str]]:
        if cls._sets is None:
            with cls._lock:
                if cls._sets is None:
                    cls._sets = cls._build()
        return cls._sets

    @staticmethod
    def _build() -> tuple[frozenset[str], frozenset[str]]:
        block = "".join(map(chr, range(0x4E00, 0xA000)))
        to_simplified = icu.Transliterator.createInstance("Hant-Hans").transliterate(block)
        to_traditional = icu.Transliterator.createInstance("Hans-Hant").transliterate(block)
        traditional = frozenset(a for a, b in zip(block, to_simplified, strict=True) if a != b)
        simplified = frozenset(a for a, b in zip(block, to_traditional, strict=True) if a != b)
        return traditional - simplified, simplified - traditional


def han_variant(text: str) -> str:
    """``Hant`` when Traditional-only characters outnumber Simplified-only ones, else ``Hans``."""
    traditional, simplified = _HanSets.get()
    chars = set(text)
    trad = sum(text.count(c) for c in chars & traditional)
    simp = sum(text.count(c) for c in chars & simplified)
    return "Hant" if trad > simp else "Hans"
