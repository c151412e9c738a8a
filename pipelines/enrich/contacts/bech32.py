"""Bech32 (BIP-173) and Bech32m (BIP-350) SegWit address decoding, written from the BIPs."""

from __future__ import annotations

from enum import Enum

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_INDEX = {ch: i for i, ch in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
MAX_LENGTH = 90


class Encoding(Enum):
    """Checksum constant of the two variants."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                check ^= generator
    return check


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]


def decode(text: str) -> tuple[str, list[int], Encoding] | None:
    """``(hrp, data without checksum, encoding)`` of a valid Bech32/Bech32m string, else ``None``."""
    if len(text) > MAX_LENGTH or (text.lower() != text and text.upper() != text):
        return None
    if any(not 33 <= ord(ch) <= 126 for ch in text):
        return None
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text):
        return None
    hrp = text[:separator]
    data: list[int] = []
    for ch in text[separator + 1:]:
        value = _INDEX.get(ch)
        if value is None:
            return None
        data.append(value)
    constant = _polymod(_expand_hrp(hrp) + data)
    for encoding in Encoding:
        if constant == encoding.value:
            return hrp, data[:-6], encoding
    return None


def _regroup(data: list[int], source: int, target: int) -> list[int] | None:
    """5-bit groups to 8-bit bytes without padding (``None`` if the padding is invalid)."""
    accumulator = 0
    bits = 0
    out: list[int] = []
    mask = (1 << target) - 1
    for value in data:
        if value >> source:
            return None
        accumulator = (accumulator << source) | value
        bits += source
        while bits >= target:
            bits -= target
            out.append((accumulator >> bits) & mask)
    if bits >= source or (accumulator << (target - bits)) & mask:
        return None
    return out


def decode_segwit(hrp: str, address: str) -> tuple[int, bytes] | None:
    """``(witness version, program)`` of a valid SegWit address for ``hrp``, else ``None``."""
    decoded = decode(address)
    if decoded is None or decoded[0] != hrp or not decoded[1]:
        return None
    _, data, encoding = decoded
    version = data[0]
    program = _regroup(data[1:], 5, 8)
    if version > 16 or program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if encoding is not expected:
        return None
    return version, bytes(program)
