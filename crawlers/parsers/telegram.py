"""Public Telegram channels through their web preview, ``t.me/s/<channel>``.

One post per ``.tgme_widget_message`` with a ``data-post="channel/123"`` (the ``platform_id``); the
date is the message's ``time[datetime]``, the author the channel. Photos and video thumbnails are the
``background-image`` of their wraps. ``next_page`` asks for older messages (``?before=<smallest id>``).
A channel page without messages is an empty channel (no ``empty_reason``); a page that is not a
channel preview at all (a private or non-existent channel, or a changed layout) has one.
"""

from __future__ import annotations

from parsel import Selector

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.dates import parse_date
from crawlers.parsers.text import clean_text, html_to_text, links, style_image_urls
from crawlers.parsers.urls import unique, with_query
from tipwatch.config.sources import SourceConfig

MESSAGE = "//div[has-class('tgme_widget_message')][@data-post]"
_OUTSIDE_QUOTES = "[not(ancestor::*[has-class('tgme_widget_message_reply')])]"
_TEXT = f".//div[has-class('tgme_widget_message_text')]{_OUTSIDE_QUOTES}"
_EXTRA_TEXT = (
    ".//*[has-class('tgme_widget_message_poll_question') or has-class('tgme_widget_message_poll_option_text')"
    f" or has-class('tgme_widget_message_document_title')]{_OUTSIDE_QUOTES}"
)
_MEDIA = (
    ".//*[has-class('tgme_widget_message_photo_wrap') or has-class('tgme_widget_message_video_thumb')]"
    f"{_OUTSIDE_QUOTES}/@style"
)


def _channel_title(doc: Selector) -> str | None:
    title = doc.css(".tgme_channel_info_header_title").xpath("string()").get()
    title = title or doc.xpath("//meta[@property='og:title']/@content").get()
    return clean_text(title or "") or None


def _is_hashtag_search(url: str) -> bool:
    return "/s/" in url and "?q=" in url


def _message(node: Selector, page: Page, channel_title: str | None) -> tuple[int, PostDraft] | None:
    """(message number, post) of one message; None for service messages and unreadable ids."""
    channel, _, number = node.attrib["data-post"].rpartition("/")
    if not number.isdigit() or not channel or node.xpath("self::*[has-class('service_message')]"):
        return None
    texts = node.xpath(_TEXT)
    parts = [html_to_text(text) for text in texts] + [html_to_text(extra) for extra in node.xpath(_EXTRA_TEXT)]
    found_links = [url for text in texts for url in links(text, page.url) if not _is_hashtag_search(url)]
    found_links += node.css("a.tgme_widget_message_link_preview::attr(href)").getall()
    media = [url for style in node.xpath(_MEDIA).getall() for url in style_image_urls(style, page.url)]
    owner = node.css(".tgme_widget_message_owner_name").xpath("string()").get()
    url = node.css("a.tgme_widget_message_date::attr(href)").get() or f"https://t.me/{channel}/{number}"
    return int(number), PostDraft(
        url=url,
        text=clean_text("\n".join(parts)),
        platform_id=f"{channel}/{number}",
        published_at=parse_date(node.css(".tgme_widget_message_date time::attr(datetime)").get()),
        author_name=clean_text(owner or "") or channel_title,
        author_handle=channel,
        author_url=f"https://t.me/{channel}",
        links=unique(found_links),
        media=unique(media),
    )


def parse_telegram(page: Page, source: SourceConfig) -> ParseResult:
    """Posts of a ``t.me/s/<channel>`` page and the URL of the older messages (``source`` is not needed:
    the page names its channel)."""
    doc = Selector(text=page.text or "<html></html>", type="html", base_url=page.url)
    nodes = doc.xpath(MESSAGE)
    if not nodes:
        if doc.css(".tgme_channel_history, .tgme_channel_info"):
            return ParseResult()
        return ParseResult(empty_reason="selectors matched nothing: .tgme_widget_message[data-post] "
                                        "(not a public channel preview)")
    title = _channel_title(doc)
    found = [message for message in (_message(node, page, title) for node in nodes) if message]
    oldest = min((number for number, _ in found), default=None)
    next_page = with_query(page.url, before=str(oldest)) if oldest is not None and oldest > 1 else None
    return ParseResult(posts=tuple(post for _, post in found), next_page=next_page)
