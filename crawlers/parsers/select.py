"""Selectors from ``sources.yaml`` applied to parsed pages: CSS or XPath, values as text, URLs, dates."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime

from lxml import etree
from parsel import Selector, SelectorList

from crawlers.parsers.text import clean_text, html_to_text, images
from crawlers.parsers.urls import absolute_url, unique
from tipwatch.config.sources import is_xpath

_LINK_ATTRIBUTES = ("href", "data-href", "data-url")
_DATE_ATTRIBUTES = ("datetime", "content", "title", "data-time", "data-date")


def select(root: Selector, expression: str) -> SelectorList[Selector]:
    """Nodes matched by ``expression`` (XPath when it starts with ``/``, ``(``, ``./``, ``..``; else CSS)."""
    return root.xpath(expression) if is_xpath(expression) else root.css(expression)


def is_value(node: Selector) -> bool:
    """True for an attribute or text result (``::attr(href)``, ``@href``, ``text()``), not an element."""
    return isinstance(node.root, str)


def node_text(node: Selector, exclude: Collection[etree._Element] = ()) -> str:
    """The visible text of an element (without the ``exclude`` subtrees), or the cleaned value of an
    attribute/text result."""
    return clean_text(node.root) if is_value(node) else html_to_text(node, exclude)


def first_text(root: Selector, expression: str | None) -> str | None:
    """The text of the first match with any text; None when nothing matches."""
    if expression is None:
        return None
    for node in select(root, expression):
        text = node_text(node)
        if text:
            return text
    return None


def node_urls(nodes: SelectorList[Selector], base_url: str) -> tuple[str, ...]:
    """Absolute link URLs of matched nodes: the value itself, a link attribute, else the first
    descendant ``a/@href``."""
    found: list[str | None] = []
    for node in nodes:
        if is_value(node):
            found.append(absolute_url(node.root, base_url))
            continue
        value = next((node.attrib[name] for name in _LINK_ATTRIBUTES if node.attrib.get(name)), None)
        found.append(absolute_url(value if value is not None else node.xpath(".//a/@href").get(), base_url))
    return unique(found)


def node_images(nodes: Iterable[Selector], base_url: str, exclude: Collection[etree._Element] = ()) -> tuple[str, ...]:
    """Absolute image URLs of matched nodes: the value itself, or the images in each element."""
    found: list[str | None] = []
    for node in nodes:
        if is_value(node):
            found.append(absolute_url(node.root, base_url))
        else:
            found.extend(images(node, base_url, exclude))
    return unique(found)


def owned(node: Selector, owner: Selector, others: Collection[etree._Element]) -> bool:
    """True when ``node`` belongs to ``owner`` rather than to one of ``others`` nested inside it
    (containers left unclosed nest every following container)."""
    if not others or is_value(node):
        return True
    element = node.root
    while element is not None and element is not owner.root:
        if element in others:
            return False
        element = element.getparent()
    return True


def node_date(nodes: SelectorList[Selector], read: Callable[[str | None], datetime | None]) -> datetime | None:
    """The first date ``read`` understands among matched nodes: date-like attributes first, then the text."""
    for node in nodes:
        candidates = [node.root] if is_value(node) else [node.attrib.get(name) for name in _DATE_ATTRIBUTES]
        if not is_value(node):
            candidates.append(html_to_text(node))
        for candidate in candidates:
            moment = read(candidate)
            if moment is not None:
                return moment
    return None
