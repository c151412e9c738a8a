"""Near-duplicate fingerprints: normalised words, shingles, MinHash band keys and a shingle sketch.

Two posts are near-duplicates when the Jaccard similarity of their word 3-shingles is at least
0.8, after normalising contacts (any phone, handle, e-mail, URL or wallet becomes one placeholder),
numbers (every digit run, in any script, becomes ``0``), punctuation, emoji, case and whitespace.
Words come from ``text_tokens`` (segmented by enrichment for Thai, Khmer, Lao, Burmese, CJK) or
from ``text``.

Each post gets 20 LSH *band keys* (MinHash: 120 universal hashes of its shingles, cut into 20
bands of 6) and a *sketch*: its 256 smallest shingle hashes. Two posts sharing a band key are
candidates; their similarity is then computed from the sketches, exactly when both have at most
256 shingles (about 260 words), as a bottom-256 estimate beyond. See ``clusters.py`` for how the
keys and sketches stored in Elasticsearch are used.

Enrichment computes the fingerprint (``near_duplicate``) and the enriched record carries it
(``near_duplicate``: ``method``, ``bands``, ``sketch``), so the indexer, the one stage that keeps
cluster state, only decodes it; it computes the fingerprint itself for records without one, or
with another ``method``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

import numpy as np

from tipwatch.contract import NearDuplicate

_T = TypeVar("_T")

SHINGLE_WORDS = 3
BANDS = 20
ROWS = 6
PERMUTATIONS = BANDS * ROWS
THRESHOLD = 0.8
SKETCH = 256
"""Shingle hashes kept per post (the smallest ones): exact similarity up to this many shingles."""

METHOD = f"minhash-w{SHINGLE_WORDS}-b{BANDS}r{ROWS}-s{SKETCH}/1"
"""Names this normalisation, shingling and banding: a carried fingerprint of another method is recomputed."""

SIGNATURE_CHUNK = 2048
"""Most shingle hashes MinHashed in one vector operation (2048 x 120 x 8 bytes = 2 MB, cache-sized)."""

_CONTACT = "\ue000"  # a private-use character: one word, never in real text
_NUMBER = "0"


def _parameters() -> tuple[np.ndarray, np.ndarray]:
    """The fixed (a, b) of each MinHash function (multiply-shift hashing: ``(a·x + b) mod 2^64``,
    ``a`` odd), derived from blake2b so they never change."""
    a, b = [], []
    for i in range(PERMUTATIONS):
        digest = hashlib.blake2b(f"tipwatch-minhash-{i}".encode(), digest_size=16).digest()
        a.append(int.from_bytes(digest[:8], "little") | 1)
        b.append(int.from_bytes(digest[8:], "little"))
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


_A, _B = _parameters()
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_MIX = np.array([(0x100000001B3 * (2 * i + 1)) & 0xFFFFFFFFFFFFFFFF for i in range(ROWS)], dtype=np.uint64)
_BAND_PREFIX = tuple(f"{band:02d}-" for band in range(BANDS))

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"@[\w.]+")
_NUMBER_RUN = re.compile(r"\d+(?:[.,:/\-]\d+)*")
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _contact_spellings(contact: Mapping[str, Any]) -> list[str]:
    """How a contact may appear in the text or tokens: as written, normalised, without spaces."""
    raw = str(contact.get("raw") or "").casefold()
    value = str(contact.get("value") or "").casefold()
    spellings = {raw, value, "".join(raw.split())}
    return sorted((s for s in spellings if len(s) >= 3), key=len, reverse=True)


_PUNCTUATION: dict[int, str] | None = None


def _punctuation_table() -> dict[int, str]:
    """Every punctuation, symbol, space and format code point of planes 0-1 (emoji included) -> a
    space; built once."""
    global _PUNCTUATION
    if _PUNCTUATION is None:
        _PUNCTUATION = {cp: " " for cp in range(0x20000)
                        if unicodedata.category(chr(cp))[0] in "PSZ" or unicodedata.category(chr(cp)) == "Cf"}
        for keep in ("\u200c", "\u200d"):
            _PUNCTUATION.pop(ord(keep), None)
    return _PUNCTUATION


_ASCII_PUNCTUATION = bytes(32 if unicodedata.category(chr(cp))[0] in "PSZ" or unicodedata.category(chr(cp)) == "Cf"
                           else cp for cp in range(256))
"""``_punctuation_table`` for ASCII text, as a ``bytes.translate`` table."""


_PUNCTUATION_MASK: np.ndarray | None = None


def _blank_punctuation(text: str) -> str:
    """``text.translate(_punctuation_table())``, vectorised over the text's code points."""
    global _PUNCTUATION_MASK
    if _PUNCTUATION_MASK is None:
        mask = np.zeros(0x20001, dtype=bool)  # the last entry stands for every code point beyond plane 1
        mask[list(_punctuation_table())] = True
        _PUNCTUATION_MASK = mask
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    points[_PUNCTUATION_MASK[np.minimum(points, 0x20000)]] = 32
    return points.tobytes().decode("utf-32-le")


def normalise_words(text: str, tokens: str = "", contacts: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """The words compared for near-duplicates: contacts, numbers, punctuation and case normalised."""
    base = (tokens if tokens.strip() else text).casefold()
    for contact in contacts:
        for written in _contact_spellings(contact):
            if written in base:
                base = base.replace(written, f" {_CONTACT} ")
    if "http" in base or "www." in base:
        base = _URL.sub(f" {_CONTACT} ", base)
    if "@" in base:
        base = _HANDLE.sub(f" {_CONTACT} ", _EMAIL.sub(f" {_CONTACT} ", base))
    base = _NUMBER_RUN.sub(f" {_NUMBER} ", base)
    if base.isascii():
        base = base.encode("ascii").translate(_ASCII_PUNCTUATION).decode("ascii")
    else:
        base = _blank_punctuation(base)
    split = base.split()
    if tokens.strip() or _UNSPACED.search(base) is None:
        return [word for word, previous in zip(split, [None, *split], strict=False)
                if word != previous or (word != _CONTACT and word != _NUMBER)]
    words: list[str] = []
    for word in split:
        if word in (_CONTACT, _NUMBER) and words and words[-1] == word:
            continue
        if len(word) > 3 and _UNSPACED.search(word):
            words.extend(word[i:i + 3] for i in range(len(word) - 2))
            continue
        words.append(word)
    return words


@lru_cache(maxsize=1 << 17)
def _word_hash(word: str) -> int:
    """crc32 of a word (cached: adverts reuse a small vocabulary)."""
    return zlib.crc32(word.encode("utf-8"))


def shingle_hashes(words: Sequence[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """Word n-grams as sorted, unique 64-bit hashes (the whole text is one shingle when it is
    shorter than ``size`` words).

    Each word is hashed once (crc32, stable across processes); a shingle's hash combines its words'
    hashes with fixed odd multipliers, so shingling is a few vector operations.
    """
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashed = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    if len(words) <= size:
        combined = np.zeros(1, dtype=np.uint64)
        for position in range(len(words)):
            combined = combined * _MIX[position % len(_MIX)] + hashed[position:position + 1]
        return combined
    count = len(words) - size + 1
    combined = np.zeros(count, dtype=np.uint64)
    for position in range(size):
        combined = combined * _MIX[position] + hashed[position:position + count]
    return np.unique(combined)


def shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> frozenset[int]:
    """The shingle hashes as a set (for tests and tools)."""
    return frozenset(shingle_hashes(words, size).tolist())


def band_keys(hashes: np.ndarray | frozenset[int]) -> tuple[str, ...]:
    """The LSH band keys of a shingle set: ``"07-<16 hex>"`` for each of the 20 bands."""
    values = hashes if isinstance(hashes, np.ndarray) else np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    if not len(values):
        return ()
    products = np.multiply.outer(values, _A)  # one set: no concatenation or reduceat (enrichment's case)
    products += _B
    return _keys_text(_band_hex(products.min(axis=0)[np.newaxis]), 0)


def _band_hex(signatures: np.ndarray) -> str:
    """The band hashes of MinHash signatures (one row per post) as one hex string, 16 digits a band."""
    bands = (signatures.reshape(len(signatures), BANDS, ROWS) * _BAND_MIX).sum(axis=2, dtype=np.uint64)
    return bands.astype(">u8").tobytes().hex()


def _keys_text(text: str, offset: int) -> tuple[str, ...]:
    """The 20 band keys of one post from the hex of its band hashes, starting at ``offset``."""
    return tuple(_BAND_PREFIX[band] + text[offset + band * 16:offset + band * 16 + 16] for band in range(BANDS))


def band_keys_many(sets: Sequence[np.ndarray]) -> list[tuple[str, ...]]:
    """``band_keys`` of many shingle sets, MinHashed together in a few vector operations."""
    keys: list[tuple[str, ...]] = [()] * len(sets)
    longest = max((len(values) for values in sets), default=0)
    if not longest:
        return keys
    total = sum(len(values) for values in sets)
    work = np.empty((max(min(SIGNATURE_CHUNK, total), longest), PERMUTATIONS), dtype=np.uint64)
    group: list[int] = []
    size = 0
    for number, values in enumerate(sets):
        if not len(values):
            continue
        if group and size + len(values) > len(work):
            _band_group(sets, group, keys, work)
            group, size = [], 0
        group.append(number)
        size += len(values)
    if group:
        _band_group(sets, group, keys, work)
    return keys


def _band_group(sets: Sequence[np.ndarray], group: list[int], keys: list[tuple[str, ...]], work: np.ndarray) -> None:
    """Band keys of the non-empty sets ``group`` (indices into ``sets``), written into ``keys``; ``work``
    is scratch space for the (shingles x hash functions) products, reused to avoid page faults."""
    values = np.concatenate([sets[number] for number in group])
    starts = np.zeros(len(group), dtype=np.intp)
    np.cumsum([len(sets[number]) for number in group[:-1]], out=starts[1:])
    products = work[:len(values)]
    np.multiply.outer(values, _A, out=products)
    np.add(products, _B, out=products)
    text = _band_hex(np.minimum.reduceat(products, starts, axis=0))
    for row, number in enumerate(group):
        keys[number] = _keys_text(text, row * BANDS * 16)


def content_key(sketch: bytes) -> str:
    """``Fingerprint.content_key`` of a sketch as little-endian uint64 bytes."""
    return f"{len(sketch) // 8:03d}-{hashlib.blake2b(sketch, digest_size=8).hexdigest()}"


class _once(Generic[_T]):
    """``functools.cached_property`` without the lock it takes in Python 3.11 (one lock for every
    instance, taken by every thread on first access): computing twice in a race is harmless here."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """A post's shingle sketch (sorted uint64 hashes, at most SKETCH) and band keys."""

    sketch: np.ndarray
    bands: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when the sketch holds every shingle of the post."""
        return len(self.sketch) < SKETCH

    @_once
    def band_set(self) -> frozenset[str]:
        """The band keys as a set (for set operations with other posts' keys)."""
        return frozenset(self.bands)

    @_once
    def members(self) -> frozenset[int]:
        """The sketch as a set (set intersections of a few hundred ints beat numpy's sort-based ones)."""
        return frozenset(self.sketch.tolist())

    def content_key(self) -> str:
        """A hash of the sketch: posts with the same normalised content share it (``cluster_content``)."""
        return content_key(self.sketch.astype("<u8").tobytes())

    def encoded(self) -> str:
        """The sketch as stored in the ``cluster_sketch`` binary field (base64, little-endian)."""
        return base64.b64encode(self.sketch.astype("<u8").tobytes()).decode("ascii")

    def record(self) -> NearDuplicate:
        """The ``near_duplicate`` field of an enriched record."""
        return NearDuplicate(method=METHOD, bands=list(self.bands), sketch=self.encoded())

    @classmethod
    def carried(cls, near: NearDuplicate | None) -> Fingerprint | None:
        """The fingerprint an enriched record carries, when it was computed by this ``METHOD``."""
        if near is None or not is_current(near.method, near.bands):
            return None
        return cls.decode(near.sketch, near.bands)

    @classmethod
    def decode(cls, encoded: str, bands: Iterable[str]) -> Fingerprint:
        """A fingerprint from a stored sketch and band keys."""
        return cls.from_bytes(base64.b64decode(encoded), bands)

    @classmethod
    def from_bytes(cls, sketch: bytes, bands: Iterable[str]) -> Fingerprint:
        """A fingerprint from its sketch as little-endian uint64 bytes and its band keys."""
        return cls(sketch=np.frombuffer(sketch, dtype="<u8").astype(np.uint64), bands=tuple(bands))


def is_current(method: str, bands: Sequence[str]) -> bool:
    """True when a carried fingerprint was made by this ``METHOD`` (else the indexer recomputes it)."""
    return method == METHOD and len(bands) == BANDS


def similarity(left: Fingerprint, right: Fingerprint) -> float:
    """Jaccard similarity of two posts' shingle sets: exact for complete sketches, else bottom-k."""
    a, b = left.sketch, right.sketch
    if not len(a) or not len(b):
        return 0.0
    if left.complete and right.complete:
        common = len(left.members & right.members)
        return common / (len(a) + len(b) - common)
    both = np.intersect1d(a, b, assume_unique=True)
    union = np.union1d(a, b)[:SKETCH]
    return float(np.isin(union, both, assume_unique=True).sum()) / len(union)


def fingerprint(text: str, tokens: str = "", contacts: Iterable[Mapping[str, Any]] = ()) -> Fingerprint:
    """Normalise, shingle, sketch and band one post."""
    hashes = shingle_hashes(normalise_words(text, tokens, contacts))
    return Fingerprint(sketch=hashes[:SKETCH], bands=band_keys(hashes))


def fingerprints(posts: Iterable[tuple[str, str, Iterable[Mapping[str, Any]]]]) -> list[Fingerprint]:
    """``fingerprint`` of many posts (text, tokens, contacts), their band keys computed together."""
    hashes = [shingle_hashes(normalise_words(text, tokens, contacts)) for text, tokens, contacts in posts]
    return [Fingerprint(sketch=values[:SKETCH], bands=bands) for values, bands in zip(hashes, band_keys_many(hashes),
                                                                                     strict=True)]


def source_fingerprint(source: Mapping[str, Any]) -> Fingerprint:
    """The fingerprint of an indexed post from its ``_source`` (stored sketch, else its text)."""
    if source.get("cluster_sketch") is not None and source.get("cluster_bands") is not None:
        return Fingerprint.decode(source["cluster_sketch"], source["cluster_bands"])
    return fingerprint(source.get("text") or "", source.get("text_tokens") or "", source.get("contacts") or ())
