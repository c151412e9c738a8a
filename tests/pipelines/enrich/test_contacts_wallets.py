"""Wallets: spec test vectors (BIP-173, BIP-350, EIP-55), Base58Check, and broken checksums."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.enrich.contacts import extract_contacts
from pipelines.enrich.contacts.base58 import b58check_payload, b58decode
from pipelines.enrich.contacts.bech32 import Encoding, decode, decode_segwit
from pipelines.enrich.contacts.wallets import eip55, is_btc, is_eth, is_trx

WALLETS = json.loads((Path(__file__).resolve().parents[2] / "data" / "contacts" / "wallets.json").read_text())

BECH32_VALID = [  # BIP-173 test vectors
    "A12UEL5L", "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl",
]
BECH32M_VALID = [  # BIP-350 test vectors
    "A1LQFN3A", "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v", "?1v759aa",
]
BECH32M_INVALID = [  # BIP-350: not valid Bech32m (and not valid Bech32 either)
    "\x201xj0phk", "\x7f1g6xzxy", "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i", "au1s5cgom",
    "M1VUXWEZ", "16plkw9", "1p2gdwpf",
]
SEGWIT_VALID = [  # BIP-350 mainnet segwit addresses (v0, v1, v16, v2)
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]
SEGWIT_INVALID = [  # BIP-350 invalid addresses (mainnet ones; testnet HRPs are never BTC mainnet)
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # bech32 instead of bech32m
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # bech32m instead of bech32
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "bc1gmk9yu",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",  # valid, but testnet
]
EIP55_VALID = [  # EIP-55 test addresses: all caps, all lower, mixed
    "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("text", BECH32_VALID)
def test_bech32_vectors(text: str) -> None:
    decoded = decode(text)
    assert decoded is not None and decoded[2] is Encoding.BECH32


@pytest.mark.parametrize("text", BECH32M_VALID)
def test_bech32m_vectors(text: str) -> None:
    decoded = decode(text)
    assert decoded is not None and decoded[2] is Encoding.BECH32M


@pytest.mark.parametrize("text", BECH32M_INVALID)
def test_bech32m_invalid_vectors(text: str) -> None:
    assert decode(text) is None


@pytest.mark.parametrize("address", SEGWIT_VALID)
def test_segwit_valid(address: str) -> None:
    assert decode_segwit("bc", address) is not None
    assert is_btc(address)


@pytest.mark.parametrize("address", SEGWIT_INVALID)
def test_segwit_invalid(address: str) -> None:
    assert not is_btc(address)


def test_segwit_program() -> None:
    assert decode_segwit("bc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == (
        0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"))
    version, program = decode_segwit("bc", SEGWIT_VALID[-1])
    assert version == 1
    assert program.hex() == "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def test_base58check() -> None:
    payload = b58check_payload("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    assert payload is not None and payload[0] == 0 and len(payload) == 21
    assert b58check_payload("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3") is None
    assert b58decode("0OIl") is None  # not in the alphabet
    assert b58decode("1" * 65) is None  # longer than any address: not decoded
    assert b58decode("111") == b"\0\0\0"


def test_legacy_and_tron() -> None:
    assert is_btc("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")  # P2PKH
    assert is_btc("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")  # P2SH
    assert not is_btc("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz")
    assert is_trx("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert not is_trx("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6x")
    assert not is_trx("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")  # valid Base58Check, wrong version
    assert not is_btc("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")


@pytest.mark.parametrize("address", EIP55_VALID)
def test_eip55_vectors(address: str) -> None:
    assert is_eth(address)
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper():
        assert "0x" + eip55(digits.lower()) == address


@pytest.mark.parametrize("address", EIP55_VALID[4:])
def test_eip55_one_flipped_letter_is_invalid(address: str) -> None:
    index = next(i for i in range(2, 42) if address[i].isalpha())
    broken = address[:index] + address[index].swapcase() + address[index + 1:]
    assert not is_eth(broken)


def test_keccak_is_not_sha3() -> None:
    import hashlib

    lower = EIP55_VALID[4][2:].lower()
    sha3 = hashlib.sha3_256(lower.encode()).hexdigest()
    with_sha3 = "".join(c.upper() if c.isalpha() and int(sha3[i], 16) >= 8 else c for i, c in enumerate(lower))
    assert with_sha3 != EIP55_VALID[4][2:]
    assert eip55(lower) == EIP55_VALID[4][2:]


@pytest.mark.parametrize(("key", "kind"), [
    ("btc_p2pkh", "btc"), ("btc_p2sh", "btc"), ("btc_p2wpkh", "btc"), ("btc_p2wsh", "btc"),
    ("btc_taproot", "btc"), ("eth_checksum", "eth"), ("eth_lower", "eth"), ("trx", "trx"),
])
def test_generated_wallets_are_found(key: str, kind: str) -> None:
    for address in WALLETS[key]:
        contacts = extract_contacts(f"pay to {address}.")
        assert [(c.kind, c.value, c.raw) for c in contacts] == [(kind, address, address)]


@pytest.mark.parametrize("key", ["invalid_btc", "invalid_eth", "invalid_trx"])
def test_broken_checksums_are_not_wallets(key: str) -> None:
    for address in WALLETS[key]:
        assert extract_contacts(f"USDT: {address}") == []


def test_token_contracts_and_lookalikes_are_not_wallets() -> None:
    assert extract_contacts("USDT TRC20 contract TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == []
    assert extract_contacts("ERC20 0xdAC17F958D2ee523a2206206994597C13D831ec7") == []
    tx = "0x9fc76417374aa880d4449a1f7f31ec597f00b1f6f3dd2d66f4c9c6c445836d8b"
    assert extract_contacts(f"tx {tx}") == []  # 64 hex digits: a hash, not an address
    assert extract_contacts(f"x{EIP55_VALID[4]}") == []  # glued to a letter


def test_wallet_inside_a_link_is_reported_with_the_link() -> None:
    address = EIP55_VALID[5]
    contacts = extract_contacts(f"https://etherscan.io/address/{address}")
    assert {(c.kind, c.value) for c in contacts} == {("url", f"https://etherscan.io/address/{address}"),
                                                      ("eth", address)}
