"""Crypto wallet addresses, reported only when their checksum holds.

- ``btc``: Base58Check P2PKH (version 0x00, ``1…``) and P2SH (0x05, ``3…``); SegWit ``bc1``
  addresses, Bech32 for witness version 0 (BIP-173) and Bech32m for 1-16 (BIP-350, Taproot).
- ``eth``: ``0x`` + 40 hex digits; all-lower and all-upper carry no checksum and are accepted,
  mixed case must match EIP-55 (Keccak-256 of the lower-case hex).
- ``trx``: TRON Base58Check, 25 bytes, version 0x41 (``T…``).

The USDT token contracts on TRON and Ethereum appear in many posts but are never the
advertiser's wallet, so they are not reported. Values are the address as written.
"""

from __future__ import annotations

import re

from Crypto.Hash import keccak

from pipelines.enrich.contacts.base58 import b58check_payload
from pipelines.enrich.contacts.bech32 import decode_segwit
from pipelines.enrich.contacts.hits import Hit

TOKEN_CONTRACTS = frozenset({
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # USDT (TRC-20)
    "0xdac17f958d2ee523a2206206994597c13d831ec7",  # USDT (ERC-20), compared lower-case
})

_B58 = "1-9A-HJ-NP-Za-km-z"
_EDGE_AFTER = r"(?![A-Za-z0-9])"
# The edge check sits after the first characters ("[13](?<![A-Za-z0-9].)") so that the regex
# engine can skip ahead to a possible first character instead of testing every position.
_BTC_BASE58_RE = re.compile(rf"[13](?<![A-Za-z0-9].)[{_B58}]{{25,34}}{_EDGE_AFTER}")
_BTC_BECH32_RE = re.compile(rf"(?:bc1|BC1)(?<![A-Za-z0-9]...)[02-9ac-hj-np-zAC-HJ-NP-Z]{{8,87}}{_EDGE_AFTER}")
_ETH_RE = re.compile(rf"0x(?<![A-Za-z0-9]..)[0-9a-fA-F]{{40}}{_EDGE_AFTER}")
_TRX_RE = re.compile(rf"T(?<![A-Za-z0-9].)[{_B58}]{{33}}{_EDGE_AFTER}")


def is_btc(address: str) -> bool:
    """A valid Bitcoin mainnet address (legacy, P2SH or SegWit)."""
    if address[:3].lower() == "bc1":
        return decode_segwit("bc", address) is not None
    payload = b58check_payload(address)
    return payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05)


def is_eth(address: str) -> bool:
    """A valid Ethereum address: no checksum (single case) or a correct EIP-55 checksum."""
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
        return False
    digits = address[2:]
    if digits == digits.lower() or digits == digits.upper():
        return True
    return eip55(digits.lower()) == digits


def eip55(lower_hex: str) -> str:
    """The EIP-55 mixed-case form of 40 lower-case hex digits (no ``0x``)."""
    digest = keccak.new(digest_bits=256, data=lower_hex.encode("ascii")).hexdigest()
    return "".join(ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch
                   for i, ch in enumerate(lower_hex))


def is_trx(address: str) -> bool:
    """A valid TRON address (Base58Check, version byte 0x41)."""
    payload = b58check_payload(address)
    return payload is not None and len(payload) == 21 and payload[0] == 0x41


def find_wallets(text: str) -> list[Hit]:
    """Checksum-valid BTC, ETH and TRON addresses in ``text``."""
    hits: list[Hit] = []
    for pattern, kind, valid in (
        (_BTC_BASE58_RE, "btc", is_btc),
        (_BTC_BECH32_RE, "btc", is_btc),
        (_ETH_RE, "eth", is_eth),
        (_TRX_RE, "trx", is_trx),
    ):
        for match in pattern.finditer(text):
            address = match.group()
            if address in TOKEN_CONTRACTS or address.lower() in TOKEN_CONTRACTS:
                continue
            if valid(address):
                hits.append(Hit(kind, address, match.start(), match.end()))
    return hits
