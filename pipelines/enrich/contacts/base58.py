"""Base58Check decoding (Bitcoin alphabet), as used by Bitcoin legacy and TRON addresses."""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
MAX_CHARS = 64
"""Longest string decoded (addresses are 25-35 characters); longer input is refused, not decoded."""


def b58decode(text: str) -> bytes | None:
    """The bytes of a Base58 string, or ``None`` if a character is outside the alphabet."""
    if len(text) > MAX_CHARS:
        return None
    number = 0
    for ch in text:
        digit = _INDEX.get(ch)
        if digit is None:
            return None
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + body


def b58check_payload(text: str) -> bytes | None:
    """The payload of a Base58Check string (version byte included) if its 4-byte checksum holds."""
    raw = b58decode(text)
    if raw is None or len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload
