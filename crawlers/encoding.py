"""Bytes to text for fetched pages, robust to the wrong charsets the region's sites declare.

Order of trust: a byte-order mark; the charset declared by ``Content-Type`` if the bytes decode with it
without errors; the document's own ``<meta charset>`` / ``<?xml encoding?>`` under the same condition;
then detection by trial (UTF-8, Thai windows-874, GB18030, Big5, windows-1252), keeping the candidate
whose text has the fewest replacement, control and out-of-script characters; finally UTF-8 with
replacement characters. ``decode_body`` never raises.
"""

from __future__ import annotations

import codecs
import re

_ALIASES = {
    # WHATWG: these labels mean the superset browsers actually use.
    "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "tis-620": "cp874", "tis620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
    "x-windows-874": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "euc-cn": "gb18030", "big5": "big5hkscs", "x-x-big5": "big5hkscs", "shift_jis": "cp932",
    "shift-jis": "cp932", "sjis": "cp932", "euc-kr": "cp949", "unicode-1-1-utf-8": "utf-8",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
CANDIDATES = ("utf-8", "cp874", "gb18030", "big5hkscs", "cp1252")
"""Encodings tried, in order of preference on a tie, when nothing trustworthy is declared."""

_SAMPLE_BYTES = 65536
_HEAD_BYTES = 8192
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_DECL = re.compile(rb"<\?xml\b[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.IGNORECASE)

_BAD = re.compile(r"[\ufffd\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
_THAI_MARK = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
_ORPHAN_THAI_MARK = re.compile(rf"(?<![\u0e01-\u0e2e{_THAI_MARK}])[{_THAI_MARK}]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TYPOGRAPHY = frozenset("\u00a0\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u20ac\u2122\u00b7")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]")


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label (browser aliases applied), or None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        b"a".decode(key)  # LookupError for unknown names and for bytes-to-bytes codecs (base64, rot13)
    except UnicodeDecodeError:
        pass  # a text codec that needs more bytes (utf-16)
    except LookupError:
        return None
    return codecs.lookup(key).name


def charset_of(content_type: str | None) -> str | None:
    """The charset label in a ``Content-Type`` value (or the value itself when it is a bare label)."""
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    if match:
        return match.group(1)
    return None if "/" in content_type or ";" in content_type else content_type.strip()


def _strict(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _single_byte(codec: str) -> bool:
    return len(bytes(range(256)).decode(codec, "replace")) == 256


def _trusted(body: bytes, codec: str | None) -> tuple[str, str] | None:
    """(text, codec) when ``body`` decodes with ``codec`` without errors; valid multi-byte UTF-8
    under a single-byte label is never an accident, so then the label is wrong and UTF-8 wins."""
    text = _strict(body, codec)
    if text is None or codec is None:
        return None
    if _single_byte(codec) and not body.isascii():
        utf8 = _strict(body, "utf-8")
        if utf8 is not None:
            return utf8, "utf-8"
    return text, codec


def _document_charset(body: bytes) -> str | None:
    head = body[:_HEAD_BYTES]
    match = _XML_DECL.search(head) or _META.search(head)
    if not match:
        return None
    codec = codec_name(match.group(1).decode("ascii", "replace"))
    return "utf-8" if codec in ("utf-16", "utf-16-le", "utf-16-be") else codec


def _unexpected(run: str, codec: str) -> float:
    """How many characters of a non-ASCII run would be unlikely in real text decoded with ``codec``."""
    if codec == "utf-8":
        return 0.0
    if codec == "cp874":
        return float(sum(1 for ch in run if not ("\u0e01" <= ch <= "\u0e5b" or ch in _TYPOGRAPHY)))
    if codec == "cp1252":
        if len(run) >= 3:
            return float(len(run))
        return float(sum(1 for ch in run if not (ch.isalpha() or ch in _TYPOGRAPHY)))
    frequent_codec, low, high = ("gb2312", 0xB0, 0xD7) if codec == "gb18030" else ("big5", 0xA4, 0xC6)
    odd = 0.0
    for ch in run:
        if _HAN.match(ch):
            try:
                lead = ch.encode(frequent_codec)[0]
            except UnicodeEncodeError:
                lead = 0
            odd += 0.0 if low <= lead <= high else 0.5
        elif not (_CJK_PUNCTUATION.match(ch) or ch in _TYPOGRAPHY):
            odd += 1.0
    return odd


def badness(text: str, codec: str) -> float:
    """Implausibility of ``text`` as decoded with ``codec``: 0 is clean, higher is worse (per character)."""
    if not text:
        return 0.0
    bad = len(_BAD.findall(text)) + len(_ORPHAN_THAI_MARK.findall(text))
    odd = sum(_unexpected(run, codec) for run in _NON_ASCII.findall(text))
    return (4 * bad + odd) / len(text)


def detect(body: bytes) -> str:
    """The most plausible of ``CANDIDATES`` for undeclared or wrongly declared bytes."""
    sample = body[:_SAMPLE_BYTES]
    scores = [(badness(sample.decode(codec, "replace"), codec), index, codec) for index, codec in
              enumerate(CANDIDATES)]
    return codecs.lookup(min(scores)[2]).name


def decode_body(body: bytes, declared: str | None, html_meta: bool = True) -> tuple[str, str]:
    """``body`` as text, and the encoding used. ``declared`` is the Content-Type charset (or the whole
    header value); ``html_meta`` lets the document's own declaration count. Never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace"), codec
    found = _trusted(body, codec_name(charset_of(declared)))
    if found is None and html_meta:
        found = _trusted(body, _document_charset(body))
    if found is None:
        found = _trusted(body, "utf-8")
    if found is not None:
        return found
    codec = detect(body)
    return body.decode(codec, "replace"), codec
