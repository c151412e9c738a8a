"""Region hints for phone numbers written in national format (no ``+``)."""

from __future__ import annotations

import phonenumbers

LANGUAGE_REGIONS: dict[str, str] = {
    "th": "TH", "km": "KH", "my": "MM", "lo": "LA", "vi": "VN", "id": "ID", "ms": "MY",
    "tl": "PH", "fil": "PH", "zh": "CN", "ja": "JP", "ko": "KR", "ru": "RU", "ar": "AE",
    "hi": "IN", "bn": "BD", "ne": "NP", "si": "LK", "ur": "PK", "ta": "IN",
}
"""ISO 639-1 language → the region whose national format a post in that language most likely uses.

English has no entry: English posts come from everywhere. Arabic maps to the UAE (Dubai
recruitment), Tamil to India; both are guesses that a source ``country`` overrides.
"""

FALLBACK_REGIONS: tuple[str, ...] = ("TH", "KH", "MM", "LA", "VN", "ID", "MY", "PH", "CN")
"""Tried when a post has no usable hint: a national-format number must start with the trunk
prefix 0 and be valid in exactly one of them (so ``081 234 5678``, valid in Thailand and
Indonesia, is not reported without a hint)."""

_SUPPORTED = frozenset(phonenumbers.SUPPORTED_REGIONS)


def region_hints(country: str | None, language: str | None) -> tuple[str, ...]:
    """Regions to parse national-format numbers with, best first (empty: no usable hint)."""
    hints: list[str] = []
    if country and country.upper() in _SUPPORTED:
        hints.append(country.upper())
    if language:
        region = LANGUAGE_REGIONS.get(language.lower().split("-")[0])
        if region and region not in hints:
            hints.append(region)
    return tuple(hints)
