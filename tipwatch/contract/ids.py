"""Stable post ids: the same post gets the same id on every crawl, in every process."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "ref_src", "igshid", "si")


def canonical_url(url: str) -> str:
    """Normalise a URL so that trivially different spellings of one post compare equal.

    Lower-cases scheme and host, drops default ports, fragments and tracking parameters,
    and sorts the remaining query parameters.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def post_id(source_id: str, *, platform_id: str | None = None, url: str | None = None) -> str:
    """The stable id of a post: a hash of the source id and the platform's post id or canonical URL.

    The platform id wins when the platform has one (a Telegram message id, a Mastodon status id);
    otherwise the canonical URL identifies the post.
    """
    if not source_id:
        raise ValueError("post_id needs a source id")
    if platform_id:
        key = f"{source_id}\x1fid\x1f{platform_id}"
    elif url:
        key = f"{source_id}\x1furl\x1f{canonical_url(url)}"
    else:
        raise ValueError("post_id needs a platform id or a URL")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
