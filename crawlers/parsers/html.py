"""Generic job boards and classifieds, driven by the ``html:`` selectors of a source.

A *list page* yields detail links to follow, the next list page and, on list-only sites, one post per
``item`` container. A *detail page* yields one post from ``title``/``text``/``author``/``published_at``/
``media``. Which one a page is: ``html.detail_url`` decides when set; otherwise the start URL and any
page where the list selectors match are list pages, and the rest are detail pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from lxml import etree
from parsel import Selector, SelectorList

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.dates import parse_date
from crawlers.parsers.select import (
    first_text,
    is_value,
    node_date,
    node_images,
    node_text,
    node_urls,
    owned,
    select,
)
from crawlers.parsers.text import clean_text, images, links
from crawlers.parsers.urls import absolute_url, host_of, in_domains, unique, without_fragment
from tipwatch.config.sources import HtmlRules, SourceConfig
from tipwatch.contract.ids import canonical_url


@dataclass(frozen=True)
class _Context:
    """What every field extraction on one page needs."""

    page_url: str
    base_url: str
    rules: HtmlRules
    domains: tuple[str, ...]
    read_date: Callable[[str | None], datetime | None]


def allowed_domains(source: SourceConfig, page_url: str) -> tuple[str, ...]:
    """``allowed_domains`` of the source, else the start URL's host (without ``www.``)."""
    if source.allowed_domains:
        return tuple(source.allowed_domains)
    host = host_of(source.url) or host_of(page_url)
    return (host.removeprefix("www."),) if host else ()


def _context(page: Page, source: SourceConfig, rules: HtmlRules, doc: Selector) -> _Context:
    base = absolute_url(doc.xpath("//head/base/@href").get(), page.url) or page.url
    read = partial(parse_date, country=source.country, zone=source.timezone, day_first=rules.day_first,
                   fmt=rules.date_format)
    return _Context(page.url, base, rules, allowed_domains(source, page.url), read)


def _same_page(first: str, second: str | None) -> bool:
    if second is None:
        return False
    return without_fragment(first).rstrip("/") == without_fragment(second).rstrip("/")


def _is_detail(page: Page, source: SourceConfig, rules: HtmlRules, doc: Selector) -> bool:
    if rules.detail_url is not None:
        return re.search(rules.detail_url, page.url) is not None
    if not (rules.item or rules.detail_links):
        return True
    if _same_page(page.url, source.url):
        return False
    return not any(expr and select(doc, expr) for expr in (rules.item, rules.detail_links))


def _nothing(*names_and_selectors: tuple[str, str | None]) -> str:
    named = ", ".join(f"{name} ({expr})" for name, expr in names_and_selectors if expr)
    return f"selectors matched nothing: {named}"


def _post(root: Selector, ctx: _Context, url: str, whole: SelectorList[Selector],
          nested: frozenset[etree._Element] = frozenset()) -> PostDraft | None:
    """One post from the fields found under ``root`` (a page or an item); ``whole`` is the text when
    ``html.text`` is not set; ``nested`` are other items inside this one (left out). None without text."""
    rules = ctx.rules
    matched = select(root, rules.text) if rules.text is not None else whole
    nodes = [node for node in matched if owned(node, root, nested)]
    text = clean_text("\n".join(node_text(node, nested) for node in nodes))
    if not text:
        return None
    found_links = unique([link for node in nodes for link in links(node, ctx.base_url, nested)])
    if rules.media is not None:
        media_nodes = [node for node in select(root, rules.media) if owned(node, root, nested)]
        media = node_images(media_nodes, ctx.base_url, nested)
    else:
        media = unique([image for node in nodes for image in images(node, ctx.base_url, nested)])
    author_url = None
    if rules.author is not None:
        author_url = next(iter(node_urls(select(root, rules.author)[:1], ctx.base_url)), None)
    return PostDraft(
        url=url,
        text=text,
        title=first_text(root, rules.title),
        published_at=node_date(select(root, rules.published_at), ctx.read_date) if rules.published_at else None,
        author_name=first_text(root, rules.author),
        author_url=author_url,
        links=found_links,
        media=media,
    )


def _detail(doc: Selector, ctx: _Context) -> ParseResult:
    rules = ctx.rules
    if rules.title is not None and first_text(doc, rules.title) is None:
        if rules.detail_url is not None:
            return ParseResult(empty_reason=_nothing(("title", rules.title)))
        # the page was taken for a detail page because the list selectors found nothing either
        return ParseResult(empty_reason=_nothing(("title", rules.title), ("detail_links", rules.detail_links),
                                                 ("item", rules.item)))
    post = _post(doc, ctx, ctx.page_url, doc.xpath("//body") or SelectorList([doc]))
    if post is None:
        return ParseResult(empty_reason=_nothing(("text", rules.text or "body")))
    return ParseResult(posts=(post,))


def _item_post(item: Selector, ctx: _Context, items: frozenset[etree._Element]) -> PostDraft | None:
    rules = ctx.rules
    url = ctx.page_url
    if rules.item_link is not None:
        url = next(iter(node_urls(select(item, rules.item_link), ctx.base_url)), ctx.page_url)
    post = _post(item, ctx, url, SelectorList([item]), items)
    if post is None:
        return None
    platform_id = first_text(item, rules.item_id)
    if platform_id is None and url == ctx.page_url:  # no id, no own link: the text identifies the post
        platform_id = "text-sha256:" + hashlib.sha256(post.text.encode("utf-8")).hexdigest()[:16]
    return replace(post, platform_id=platform_id)


def _listing(doc: Selector, ctx: _Context) -> ParseResult:
    rules = ctx.rules
    follow: tuple[str, ...] = ()
    if rules.detail_links is not None:
        urls = node_urls(select(doc, rules.detail_links), ctx.base_url)
        kept: dict[str, str] = {}  # canonical URL -> its first spelling on the page
        for url in urls:
            if in_domains(url, ctx.domains):
                kept.setdefault(canonical_url(url), without_fragment(url))
        follow = tuple(kept.values())
    next_page = None
    if rules.next_page is not None:
        candidates = node_urls(select(doc, rules.next_page), ctx.base_url)
        next_page = next((url for url in candidates if in_domains(url, ctx.domains)
                          and not _same_page(url, ctx.page_url)), None)
    items = select(doc, rules.item) if rules.item is not None else []
    roots = frozenset(item.root for item in items if not is_value(item))
    posts = tuple(post for post in (_item_post(item, ctx, roots) for item in items) if post is not None)
    reason = None
    if not posts and not follow:
        reason = _nothing(("item", rules.item), ("detail_links", rules.detail_links))
    return ParseResult(posts=posts, follow=follow, next_page=next_page, empty_reason=reason)


_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)


def close_title(html: str) -> str:
    """``html`` with an unclosed ``<title>`` closed at the end of its line: HTML parsers read everything
    after an unclosed title as its text, which would leave the page without a body."""
    opening = _TITLE_OPEN.search(html)
    if opening is None or _TITLE_CLOSE.search(html, opening.end()):
        return html
    end = min((pos for pos in (html.find("\n", opening.end()), html.find("<", opening.end())) if pos >= 0),
              default=len(html))
    return f"{html[:end]}</title>{html[end:]}"


def parse_html(page: Page, source: SourceConfig) -> ParseResult:
    """Posts, detail links and the next page of an ``html`` source's page (see the module docstring)."""
    rules = source.html
    if rules is None:
        return ParseResult(empty_reason="source has no 'html' selectors")
    doc = Selector(text=close_title(page.text) or "<html></html>", type="html", base_url=page.url)
    ctx = _context(page, source, rules, doc)
    if _is_detail(page, source, rules, doc):
        return _detail(doc, ctx)
    return _listing(doc, ctx)
