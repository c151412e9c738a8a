"""Visible text, links and image URLs out of HTML, whitespace-normalised the same way everywhere.

``html_to_text`` turns a fragment (or a whole page) into the text a reader sees: block elements and
``<br>`` become line breaks, scripts and styles are dropped, entities are decoded, and invisible
characters (zero-width spaces and joiners, NULs, control characters) are removed, so that
``T\u200be\u200blegram`` is found as ``Telegram``. Emoji sequences keep their joiners.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator

from lxml import etree
from parsel import Selector

from crawlers.parsers.urls import absolute_url, unique

HtmlLike = str | Selector
"""An HTML string, or a parsel ``Selector`` of an element already parsed."""

_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "select"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "legend", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul",
})
_CELLS = frozenset({"td", "th"})
_IMAGE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "src")

_EMOJI = r"[\u2300-\u23ff\u2600-\u27bf\ufe0f\U0001f000-\U0001faff]"
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    rf"|(?<!{_EMOJI})\u200d|\u200d(?!{_EMOJI})"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_SPACE = re.compile(r"[^\S\n]+")
_SPACE_RUN = re.compile(r"\s+")
_BACKGROUND_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Normalise plain text: NFC, invisible and control characters removed, one space between words,
    no blank lines, no leading or trailing space on any line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", _INVISIBLE.sub("", text))
    lines = (_LINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _root(html: HtmlLike) -> etree._Element:
    if isinstance(html, Selector):
        if isinstance(html.root, str):  # an attribute or text node: parse its value as HTML
            return Selector(text=html.root or "<html></html>", type="html").root
        return html.root
    return Selector(text=html or "<html></html>", type="html").root


def _tag(node: etree._Element) -> str | None:
    tag = node.tag
    if not isinstance(tag, str):
        return None  # a comment or processing instruction
    return etree.QName(tag).localname.lower() if tag.startswith("{") else tag.lower()


def _pieces(root: etree._Element, exclude: Collection[etree._Element]) -> Iterator[str]:
    """Text pieces and line breaks of ``root`` in document order (iterative: deep trees are fine)."""
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = _tag(node)
        if not closing:
            if tag is None or tag in _SKIPPED or (node is not root and node in exclude):
                pass
            elif tag == "br":
                yield "\n"
            else:
                if tag in _BLOCKS:
                    yield "\n"
                if node.text:
                    yield _SPACE_RUN.sub(" ", node.text)  # in HTML a newline in text is just a space
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                continue
        elif tag in _BLOCKS:
            yield "\n"
        elif tag in _CELLS:
            yield " "
        if node is not root and node.tail:
            yield _SPACE_RUN.sub(" ", node.tail)


def _elements(root: etree._Element, exclude: Collection[etree._Element]) -> Iterator[etree._Element]:
    """``root`` and its descendants in document order, without the subtrees of ``exclude``."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node is not root and node in exclude:
            continue
        yield node
        stack.extend(reversed(node))


def html_to_text(html: HtmlLike, exclude: Collection[etree._Element] = ()) -> str:
    """The visible text of an HTML fragment, page or selected element, whitespace-normalised.

    ``exclude``: elements inside it whose text is not part of it (adverts nested by unclosed tags)."""
    return clean_text("".join(_pieces(_root(html), exclude)))


def links(html: HtmlLike, base_url: str, exclude: Collection[etree._Element] = ()) -> tuple[str, ...]:
    """Absolute URLs of the links (``a``/``area`` ``href``) in the fragment, in order, without repeats."""
    hrefs = [node.get("href") for node in _elements(_root(html), exclude) if _tag(node) in ("a", "area")]
    return unique([absolute_url(href, base_url) for href in hrefs])


def style_image_urls(style: str | None, base_url: str) -> tuple[str, ...]:
    """URLs in ``url(...)`` of an inline style (``background-image``)."""
    if not style:
        return ()
    return unique([absolute_url(match.group(2), base_url) for match in _BACKGROUND_URL.finditer(style)])


def images(html: HtmlLike, base_url: str, exclude: Collection[etree._Element] = ()) -> tuple[str, ...]:
    """Absolute URLs of the images in the fragment: ``img`` (lazy-load attributes first), video
    posters and inline ``background-image`` styles; ``data:`` URIs are skipped."""
    found: list[str | None] = []
    for node in _elements(_root(html), exclude):
        tag = _tag(node)
        if tag == "img":
            candidates = (absolute_url(node.get(name), base_url) for name in _IMAGE_ATTRIBUTES)
            found.append(next((url for url in candidates if url), None))
        elif tag == "video":
            found.append(absolute_url(node.get("poster"), base_url))
        if tag is not None and node.get("style"):
            found.extend(style_image_urls(node.get("style"), base_url))
    return unique(found)
