"""E-mail addresses, plain and obfuscated; values are lower case with the obfuscation undone.

Plain: ``name@example.com`` (any alphabetic top-level domain). Obfuscated forms, found in the
fold view (so ``＠`` and ``．`` are already ASCII):

- bracketed: ``name [at] gmail [dot] com``, ``name(at)gmail(dot)com``, ``name{@}gmail{.}com``;
- spaced: ``name @ gmail . com``;
- words: ``name at gmail dot com``, ``name AT gmail DOT com``, Thai ``แอท``/``ดอท``, Chinese
  ``艾特``/``点``, Vietnamese ``a còng``/``chấm``.

An obfuscated address needs a known top-level domain; the bare-word form (``at``/``dot`` with
only spaces around them) also needs a known mail provider (``gmail``, ``yahoo``, ``qq`` …), because
"meet us at the office dot …" is prose.
"""

from __future__ import annotations

import re

from pipelines.enrich.contacts.hits import Hit
from pipelines.enrich.contacts.tlds import GENERIC_TLDS, is_country_tld
from pipelines.enrich.contacts.wordfind import lower

MAIL_PROVIDERS = frozenset({
    "gmail", "googlemail", "yahoo", "ymail", "rocketmail", "hotmail", "outlook", "live", "msn",
    "icloud", "me", "mac", "aol", "protonmail", "proton", "pm", "zoho", "yandex", "mail", "gmx",
    "qq", "163", "126", "yeah", "sina", "sohu", "foxmail", "aliyun", "naver", "daum", "hanmail",
    "kakao", "rediffmail", "tutanota", "tuta", "fastmail", "hushmail", "inbox", "email", "lycos",
})

_LOCAL = r"[A-Za-z0-9._%+\-]{1,64}+"
_LOCAL_EDGE = r"(?<![A-Za-z0-9._%+\-@])"
_LABEL = r"[A-Za-z0-9\-]{1,63}+"
_PLAIN_RE = re.compile(rf"{_LOCAL_EDGE}(?P<local>{_LOCAL})@(?P<domain>(?:{_LABEL}\.){{1,6}}[A-Za-z]{{2,24}})"
                       r"(?![A-Za-z\-])")

_OPEN = r"[\[\(\{<【（]"
_CLOSE = r"[\]\)\}>】）]"
_AT = (
    rf"[ \t]*+(?:{_OPEN}[ \t]*(?:at|@|แอท)[ \t]*{_CLOSE}|@|แอท|艾特|a còng|a cong"
    r"|(?<=[ \t])(?P<word_at>at)(?=[ \t]))[ \t]*+"
)
_DOT = (
    rf"[ \t]*+(?:{_OPEN}[ \t]*(?:dot|\.|ดอท|点)[ \t]*{_CLOSE}|\.|ดอท|点|chấm|cham"
    r"|(?<=[ \t])dot(?=[ \t]))[ \t]*+"
)
_OBFUSCATED_RE = re.compile(
    rf"{_LOCAL_EDGE}(?P<local>{_LOCAL})(?:{_AT})(?P<domain>{_LABEL}(?:(?:{_DOT}){_LABEL}){{1,4}})"
    r"(?![a-z0-9\-])"
)
"""Runs on the lower-cased text (a case-insensitive regex is several times slower)."""
_DOT_SPLIT_RE = re.compile(_DOT)


def _known_tld(tld: str) -> bool:
    return tld.isalpha() and (tld.lower() in GENERIC_TLDS or is_country_tld(tld))


def find_emails(text: str) -> list[Hit]:
    """E-mail addresses in ``text``; obfuscated ones only where no plain one was found."""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for match in _PLAIN_RE.finditer(text) if "@" in text else ():
        local = match.group("local").strip(".")
        if not local:
            continue
        start = match.start() + match.group("local").index(local)
        hits.append(Hit("email", f"{local}@{match.group('domain')}".lower(), start, match.end()))
        taken.append((match.start(), match.end()))
    for match in _OBFUSCATED_RE.finditer(lower(text)):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        labels = _DOT_SPLIT_RE.split(match.group("domain"))
        if not _known_tld(labels[-1]):
            continue
        if match.group("word_at") and labels[0].lower() not in MAIL_PROVIDERS:
            continue
        local = match.group("local").strip(".")
        if not local or not any(ch.isalnum() for ch in local):
            continue
        value = f"{local}@{'.'.join(labels)}".lower()
        hits.append(Hit("email", value, match.start() + match.group("local").index(local), match.end()))
    return hits

