"""URL helpers for parsers: absolute links, allowed domains, query rewriting."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_DROPPED_SCHEMES = ("javascript", "data", "about", "blob", "vbscript")


def absolute_url(href: str | None, base: str) -> str | None:
    """``href`` resolved against ``base``; None for empty, in-page (``#…``) and script/data links."""
    if href is None:
        return None
    cleaned = "".join(ch for ch in href.strip() if ch not in "\t\n\r")
    if not cleaned or cleaned.startswith("#"):
        return None
    try:
        if urlsplit(cleaned).scheme.lower() in _DROPPED_SCHEMES:
            return None
        return urljoin(base, cleaned)
    except ValueError:
        return None


def without_fragment(url: str) -> str:
    """``url`` without its ``#fragment``."""
    return urlsplit(url)._replace(fragment="").geturl()


def host_of(url: str | None) -> str:
    """The lower-case host name of ``url`` ('' when there is none)."""
    if not url:
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def in_domains(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True when ``url`` is http(s) and its host is one of ``domains`` or a subdomain of one."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return False
    host = host_of(url)
    for domain in domains:
        wanted = domain.lower().lstrip(".")
        if host == wanted or host.endswith("." + wanted):
            return True
    return False


def with_query(url: str, **params: str) -> str:
    """``url`` with the given query parameters set (replacing any of the same name)."""
    parts = urlsplit(url)
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in params]
    kept.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(kept), fragment=""))


def unique(urls: list[str | None] | tuple[str | None, ...]) -> tuple[str, ...]:
    """The non-empty URLs in first-seen order, without repeats."""
    return tuple(dict.fromkeys(url for url in urls if url))
