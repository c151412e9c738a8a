"""Plain post text to each platform's markup: links, ``@handles`` and ``#hashtags`` found once, rendered
the way Telegram, Mastodon and Bluesky render them (HTML with line breaks, or rich-text facets)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from markupsafe import Markup, escape

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]])"
    r"|(?P<tme>(?<![\w./@])t\.me/[A-Za-z0-9_]{4,32})"
    r"|(?P<mention>(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@]))"
    r"|(?P<tag>(?<![\w#&])#[^\s#.,;:!?()\[\]\"'<>/]+)"
)

Kind = Literal["text", "url", "tme", "mention", "tag"]


@dataclass(frozen=True)
class Token:
    """A piece of a line: plain text, a URL, a ``t.me/`` link, an ``@handle`` or a ``#hashtag``."""

    kind: Kind
    value: str

    @property
    def href(self) -> str:
        """Where a link token points (Telegram-style for handles)."""
        if self.kind == "tme":
            return "https://" + self.value
        if self.kind == "mention":
            return "https://t.me/" + self.value[1:]
        return self.value


def tokens(line: str) -> Iterator[Token]:
    """The tokens of one line, in order."""
    position = 0
    for match in _TOKEN.finditer(line):
        if match.start() > position:
            yield Token("text", line[position:match.start()])
        kind = match.lastgroup
        assert kind is not None
        yield Token(kind, match.group())  # type: ignore[arg-type]
        position = match.end()
    if position < len(line):
        yield Token("text", line[position:])


def hashtags(text: str) -> list[str]:
    """The hashtags of a text without ``#``, in order, without repeats."""
    found = [token.value[1:] for line in text.splitlines() for token in tokens(line) if token.kind == "tag"]
    return list(dict.fromkeys(found))


def telegram_html(text: str) -> Markup:
    """A message's HTML as ``t.me/s`` shows it: ``<br/>`` between lines, links, handles and hashtags."""
    lines = []
    for line in text.splitlines():
        parts = []
        for token in tokens(line):
            if token.kind == "text":
                parts.append(escape(token.value))
            elif token.kind == "tag":
                parts.append(Markup('<a href="?q={}">{}</a>').format(quote(token.value), token.value))
            elif token.kind == "url":
                parts.append(Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(token.href,
                                                                                                 token.value))
            else:
                parts.append(Markup('<a href="{}">{}</a>').format(token.href, token.value))
        lines.append(Markup("").join(parts))
    return Markup("<br/>").join(lines)


def mastodon_html(text: str, base_url: str) -> str:
    """A status's ``content``: one ``<p>`` per paragraph, ``<br />`` per line, hashtag and link anchors."""
    paragraphs = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    rendered = []
    for block in paragraphs:
        lines = []
        for line in block.splitlines():
            parts = []
            for token in tokens(line):
                if token.kind == "tag":
                    name = token.value[1:]
                    parts.append(Markup('<a href="{}/tags/{}" class="mention hashtag" rel="tag">#<span>{}</span></a>')
                                 .format(base_url, quote(name), name))
                elif token.kind == "url":
                    scheme, _, rest = token.value.partition("://")
                    parts.append(Markup('<a href="{}" target="_blank" rel="nofollow noopener" translate="no">'
                                        '<span class="invisible">{}://</span><span class="">{}</span></a>')
                                 .format(token.value, scheme, rest))
                else:  # Mastodon does not link Telegram handles or bare t.me addresses
                    parts.append(escape(token.value))
            lines.append(Markup("").join(parts))
        rendered.append(Markup("<p>{}</p>").format(Markup("<br />").join(lines)))
    return str(Markup("").join(rendered))


def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Rich-text facets of a post record: links and tags with UTF-8 byte offsets."""
    facets: list[dict[str, Any]] = []
    offset = 0
    for index, line in enumerate(text.split("\n")):
        if index:
            offset += 1
        for token in tokens(line):
            size = len(token.value.encode("utf-8"))
            if token.kind in ("url", "tme"):
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": token.href}
            elif token.kind == "tag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": token.value[1:]}
            else:
                feature = None
            if feature is not None:
                facets.append({"$type": "app.bsky.richtext.facet",
                               "index": {"byteStart": offset, "byteEnd": offset + size}, "features": [feature]})
            offset += size
    return facets


def excerpt(text: str, limit: int = 160) -> str:
    """The first lines of a text run together, cut at ``limit`` characters with an ellipsis."""
    joined = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip() + "…"
