"""RSS 2.0 / RSS 1.0, Atom and JSON Feed: one post per item.

The item's guid / id is the ``platform_id``; the full content (``content:encoded``, Atom ``content``,
JSON ``content_html``) is preferred over summaries; enclosures and Media RSS are media. Broken XML is
repaired where that is safe (bare ``&``, HTML entities, control characters) and then parsed in lxml's
recover mode, so one bad item does not lose the others. Paged feeds (Atom ``rel="next"``, JSON Feed
``next_url``) give ``next_page``.
"""

from __future__ import annotations

import json
import re
from html.entities import name2codepoint
from typing import Any

from parsel import Selector

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.dates import parse_date
from crawlers.parsers.jsonvalues import as_dict, as_list, as_str
from crawlers.parsers.text import clean_text, html_to_text, images, links
from crawlers.parsers.urls import absolute_url, unique
from tipwatch.config.sources import SourceConfig

_MEDIA_RSS = "http://search.yahoo.com/mrss/"
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AUTHOR_IN_PARENS = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")


def repair_xml(text: str) -> str:
    """``text`` with the commonest feed breakages fixed: bare ``&``, HTML-only named entities
    (``&nbsp;``) and characters XML forbids."""
    text = _XML_ILLEGAL.sub("", text)
    text = _BARE_AMPERSAND.sub("&amp;", text)

    def entity(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        code = name2codepoint.get(name)
        return f"&#{code};" if code is not None else "&amp;" + name + ";"

    return _NAMED_ENTITY.sub(entity, text)


def _as_text(value: str | None) -> str:
    """Plain or HTML text to visible text."""
    if not value:
        return ""
    return html_to_text(value) if "<" in value and ">" in value else clean_text(value)


def _child(node: Selector, *names: str) -> Selector | None:
    """The first child element with one of ``names`` (local names, Media RSS excluded); failing that a
    deeper one, which is where recover mode puts the siblings of an element left unclosed."""
    for axis in ("./", ".//"):
        for name in names:
            found = node.xpath(f"{axis}*[local-name()='{name}' and namespace-uri()!='{_MEDIA_RSS}']")
            if found:
                return found[0]
    return None


def _child_value(node: Selector, *names: str) -> str | None:
    """The element's own text (not that of elements swallowed by it when it was left unclosed)."""
    found = _child(node, *names)
    if found is None:
        return None
    value = clean_text("".join(found.xpath("./text()").getall()))
    return value or None


def _content_html(node: Selector) -> str:
    """The richest body of an item as HTML (or text): content:encoded, Atom content, description, summary."""
    for name in ("encoded", "content", "description", "summary"):
        found = _child(node, name)
        if found is None:
            continue
        if found.attrib.get("type") == "xhtml":
            value = "".join(found.xpath("./*").getall())
        else:
            value = found.xpath("string()").get() or ""
        if value.strip():
            return value
    return ""


def _author(node: Selector) -> tuple[str | None, str | None]:
    """(name, url) of an item's author: Atom ``author/name|uri``, else RSS ``dc:creator``/``author``
    (``someone@example.org (Name)`` gives ``Name``)."""
    atom = node.xpath("./*[local-name()='author'][*]")
    if atom:
        return _child_value(atom[0], "name"), _child_value(atom[0], "uri")
    value = _child_value(node, "creator", "author")
    match = _AUTHOR_IN_PARENS.match(value or "")
    return (match.group(1).strip() if match else value), None


def _is_image(node: Selector) -> bool:
    """An attachment without ``type``/``medium`` is taken for an image (thumbnails have neither)."""
    kind = node.attrib.get("type", "")
    medium = node.attrib.get("medium", "")
    return kind.startswith("image/") or medium == "image" if kind or medium else True


def _xml_media(node: Selector, base: str) -> list[str | None]:
    """Image URLs attached to an item: enclosures, Media RSS content/thumbnails (also inside
    ``media:group``), Atom ``rel="enclosure"`` links; non-image types (PDF, audio) are left out."""
    attached = node.xpath(
        f"./*[local-name()='enclosure' or namespace-uri()='{_MEDIA_RSS}'][@url]"
        f" | ./*[namespace-uri()='{_MEDIA_RSS}']/*[namespace-uri()='{_MEDIA_RSS}'][@url]"
        " | ./*[local-name()='link'][@rel='enclosure'][@href]"
    )
    return [absolute_url(found.attrib.get("url") or found.attrib.get("href"), base)
            for found in attached if _is_image(found)]


def _xml_item(node: Selector, page: Page, source: SourceConfig,
              feed_author: tuple[str | None, str | None]) -> PostDraft | None:
    link = node.xpath("./*[local-name()='link'][not(@rel) or @rel='alternate']/@href").get()
    link = link or _child_value(node, "link")
    guid = _child_value(node, "guid", "id")
    permalink = node.xpath("./*[local-name()='guid'][not(@isPermaLink='false')]")
    if not link and guid and permalink and guid.startswith(("http://", "https://")):
        link = guid
    url = absolute_url(link, page.url) or page.url
    body = _content_html(node)
    title = _as_text(_child_value(node, "title")) or None
    text = _as_text(body) or (title or "")
    if not text:
        return None
    author, author_uri = _author(node)
    if author is None:
        author, author_uri = feed_author
    date = _child_value(node, "pubDate", "published", "date", "issued", "updated", "modified")
    return PostDraft(
        url=url,
        text=text,
        platform_id=guid,
        title=title,
        published_at=parse_date(date, country=source.country, zone=source.timezone),
        author_name=author,
        author_url=absolute_url(author_uri, url),
        links=links(body, url) if body else (),
        media=unique(_xml_media(node, url) + list(images(body, url) if body else ())),
    )


def _xml_feed(text: str, page: Page, source: SourceConfig) -> ParseResult:
    doc = Selector(text=repair_xml(text), type="xml", base_url=page.url)
    root = doc.xpath("local-name(/*)").get()
    if root not in ("rss", "feed", "RDF", "channel"):
        return ParseResult(empty_reason=f"not a feed: the document's root is <{root or 'nothing'}>")
    nodes = doc.xpath("//*[local-name()='item' or local-name()='entry']")
    feed_author = _author(doc.xpath("/*")[0]) if doc.xpath("/*/*[local-name()='author'][*]") else (None, None)
    posts = tuple(post for post in (_xml_item(n, page, source, feed_author) for n in nodes) if post)
    next_link = doc.xpath("/*/*[local-name()='link'][@rel='next']/@href").get()
    reason = None
    if not posts and re.search(r"<(?:\w+:)?(?:item|entry)\b", text):
        reason = "feed items could not be parsed (malformed XML)"
    return ParseResult(posts=posts, next_page=absolute_url(next_link, page.url), empty_reason=reason)


def _json_item(item: dict[str, Any], feed: dict[str, Any], page: Page, source: SourceConfig) -> PostDraft | None:
    url = absolute_url(as_str(item.get("url")) or as_str(item.get("external_url")), page.url) or page.url
    body = as_str(item.get("content_html"))
    text = _as_text(body) or clean_text(as_str(item.get("content_text")) or as_str(item.get("summary")))
    title = clean_text(as_str(item.get("title"))) or None
    if not (text or title):
        return None
    authors = as_list(item.get("authors")) or as_list(feed.get("authors")) or [item.get("author") or feed.get("author")]
    author = as_dict(authors[0])
    media = [as_str(item.get("image")), as_str(item.get("banner_image"))]
    media += [as_str(attachment.get("url")) for attachment in map(as_dict, as_list(item.get("attachments")))
              if (as_str(attachment.get("mime_type")) or "image/").startswith("image/")]
    found_links = [as_str(item.get("external_url")), *(links(body, url) if body else ())]
    return PostDraft(
        url=url,
        text=text or title or "",
        platform_id=as_str(item.get("id")) or None,
        title=title,
        published_at=parse_date(as_str(item.get("date_published")) or as_str(item.get("date_modified")),
                                country=source.country, zone=source.timezone),
        author_name=clean_text(as_str(author.get("name"))) or None,
        author_url=absolute_url(as_str(author.get("url")) or None, url),
        links=unique([absolute_url(link, url) for link in found_links]),
        media=unique([absolute_url(image, url) for image in media] + list(images(body, url) if body else ())),
    )


def _json_feed(text: str, page: Page, source: SourceConfig) -> ParseResult:
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult(empty_reason=f"invalid JSON Feed: {exc.msg} at line {exc.lineno}")
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
        return ParseResult(empty_reason="not a JSON Feed: no 'items' list")
    items = [item for item in feed["items"] if isinstance(item, dict)]
    posts = tuple(post for post in (_json_item(item, feed, page, source) for item in items) if post)
    return ParseResult(posts=posts, next_page=absolute_url(as_str(feed.get("next_url")) or None, page.url))


def parse_feed(page: Page, source: SourceConfig) -> ParseResult:
    """Posts of an RSS, Atom or JSON feed document."""
    text = page.text.lstrip("\ufeff \t\r\n")
    if text.startswith(("{", "[")):
        return _json_feed(text, page, source)
    return _xml_feed(text, page, source)
