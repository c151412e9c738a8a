"""Generate deterministic, checksum-valid wallet addresses (and broken copies) for the contact tests.

    .venv/bin/python tests/data/contacts/make_wallets.py   # rewrites wallets.json beside this file

Payloads are SHA-256 digests of fixed seed strings, so nobody holds the keys and the output is
the same on every run. The encoders here are written independently of the extractor's decoders
(pipelines/enrich/contacts/base58.py, bech32.py) so that the data checks them, not itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from Crypto.Hash import keccak

OUT = Path(__file__).with_name("wallets.json")
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def seed_bytes(seed: str, size: int) -> bytes:
    """``size`` bytes derived from ``seed``."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"tipwatch-test-wallet:{seed}:{counter}".encode()).digest()
        counter += 1
    return out[:size]


def base58check(payload: bytes) -> str:
    """Base58Check encoding of ``payload`` (version byte included)."""
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, rest = divmod(number, 58)
        chars.append(B58[rest])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(chars))


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for value in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ value
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def segwit(version: int, program: bytes) -> str:
    """A ``bc1`` address: bech32 for version 0, bech32m otherwise (BIP-173/BIP-350)."""
    acc, bits, data = 0, 0, [version]
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if version == 0 else 0x2BC830A3
    hrp = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    mod = _polymod(hrp + data + [0] * 6) ^ const
    check = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(BECH[d] for d in data + check)


def checksummed(address_bytes: bytes) -> str:
    """The EIP-55 form of a 20-byte address."""
    hex_lower = address_bytes.hex()
    digest = keccak.new(digest_bits=256, data=hex_lower.encode()).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) > 7 else c for i, c in enumerate(hex_lower))


def broken(address: str, alphabet: str) -> str:
    """``address`` with one character in the middle replaced by another from ``alphabet``."""
    middle = len(address) // 2
    old = address[middle]
    new = next(ch for ch in alphabet if ch != old and ch.lower() != old.lower())
    return address[:middle] + new + address[middle + 1:]


def build() -> dict[str, list[str]]:
    """Valid and invalid addresses of each kind, twelve of each."""
    out: dict[str, list[str]] = {key: [] for key in (
        "btc_p2pkh", "btc_p2sh", "btc_p2wpkh", "btc_p2wsh", "btc_taproot", "eth_checksum", "eth_lower",
        "trx", "invalid_btc", "invalid_eth", "invalid_trx",
    )}
    for i in range(12):
        out["btc_p2pkh"].append(base58check(b"\x00" + seed_bytes(f"p2pkh{i}", 20)))
        out["btc_p2sh"].append(base58check(b"\x05" + seed_bytes(f"p2sh{i}", 20)))
        out["btc_p2wpkh"].append(segwit(0, seed_bytes(f"p2wpkh{i}", 20)))
        out["btc_p2wsh"].append(segwit(0, seed_bytes(f"p2wsh{i}", 32)))
        out["btc_taproot"].append(segwit(1, seed_bytes(f"p2tr{i}", 32)))
        eth = seed_bytes(f"eth{i}", 20)
        out["eth_checksum"].append(checksummed(eth))
        out["eth_lower"].append("0x" + seed_bytes(f"ethlower{i}", 20).hex())
        out["trx"].append(base58check(b"\x41" + seed_bytes(f"trx{i}", 20)))
    for i in range(12):
        legacy = out["btc_p2pkh"][i] if i % 3 == 0 else out["btc_p2sh"][i] if i % 3 == 1 else out["btc_taproot"][i]
        out["invalid_btc"].append(broken(legacy, BECH if legacy.startswith("bc1") else B58))
        eth = out["eth_checksum"][i]
        # flip the case of one letter: still hex, but the EIP-55 checksum no longer holds
        index = next(k for k in range(2 + i % 5, 42) if eth[k].isalpha())
        out["invalid_eth"].append(eth[:index] + eth[index].swapcase() + eth[index + 1:])
        out["invalid_trx"].append(broken(out["trx"][i], B58))
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
