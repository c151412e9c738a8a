"""Top-level domains that make a dotted word look like a real domain name."""

from __future__ import annotations

import phonenumbers

GENERIC_TLDS = frozenset({
    "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "asia", "xyz", "top", "vip",
    "club", "online", "site", "shop", "store", "tech", "app", "dev", "io", "me", "co", "cc", "ly",
    "tv", "pro", "work", "jobs", "live", "link", "click", "life", "world", "today", "news", "blog",
    "cloud", "space", "fun", "icu", "win", "bet", "mobi", "name", "agency", "career", "careers",
    "company", "group", "global", "email", "page", "website", "services", "center", "network",
    "ltd", "inc", "llc", "lat", "cyou", "buzz", "monster", "bond", "sbs", "cfd", "rest", "one",
})
"""Generic TLDs common in job adverts and scam sites (not the whole IANA list)."""

_EXTRA_COUNTRY = frozenset({"uk", "eu", "ac", "su", "io"})
_COUNTRY = frozenset(region.lower() for region in phonenumbers.SUPPORTED_REGIONS) | _EXTRA_COUNTRY


def is_country_tld(tld: str) -> bool:
    """Whether ``tld`` is a two-letter country-code TLD."""
    return tld.lower() in _COUNTRY


def is_known_tld(tld: str) -> bool:
    """Generic or country-code TLD from the lists above."""
    return tld.lower() in GENERIC_TLDS or is_country_tld(tld)
