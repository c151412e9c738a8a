"""Mastodon's REST API: hashtag and account timelines, and the account lookup that leads to one.

- ``/api/v1/timelines/tag/<tag>`` and ``/api/v1/accounts/<id>/statuses`` return a JSON array of
  statuses: one post each; a reblog is the reblogged status (so it gets that status's id); next_page is
  the same URL with ``max_id=<smallest id on the page>``, and an empty array ends the timeline.
- ``/api/v1/accounts/lookup?acct=<handle>`` returns an account: follow its statuses URL.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from parsel import Selector

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.dates import parse_date
from crawlers.parsers.jsonvalues import as_dict, as_list, as_str
from crawlers.parsers.text import clean_text, html_to_text
from crawlers.parsers.urls import absolute_url, unique, with_query
from tipwatch.config.sources import SourceConfig

STATUSES_PER_PAGE = "40"
"""``limit`` asked of account timelines followed from a lookup (Mastodon's maximum)."""
_OUTBOUND = "//a[@href][not(contains(concat(' ', normalize-space(@class), ' '), ' mention '))][not(@rel='tag')]"


def _outbound_links(content: str, base: str) -> list[str | None]:
    """Links of a status's HTML content, without mentions and hashtags (they point into Mastodon)."""
    if not content:
        return []
    hrefs = Selector(text=content, type="html").xpath(f"{_OUTBOUND}/@href").getall()
    return [absolute_url(href, base) for href in hrefs]


def _media(status: dict[str, Any], base: str) -> list[str | None]:
    found: list[str | None] = []
    for attachment in map(as_dict, as_list(status.get("media_attachments"))):
        if attachment.get("type") == "image":
            url = as_str(attachment.get("url")) or as_str(attachment.get("remote_url"))
        else:  # video, gifv, audio: their preview is the image
            url = as_str(attachment.get("preview_url")) or as_str(attachment.get("url"))
        found.append(absolute_url(url, base))
    return found


def _post(entry: dict[str, Any], page: Page) -> PostDraft | None:
    status = as_dict(entry.get("reblog")) or entry
    status_id = as_str(status.get("id"))
    url = as_str(status.get("url")) or as_str(status.get("uri"))
    if not status_id or not url:
        return None
    content = as_str(status.get("content"))
    parts = [html_to_text(content)] if content else []
    parts += [as_str(as_dict(option).get("title")) for option in as_list(as_dict(status.get("poll")).get("options"))]
    account = as_dict(status.get("account"))
    card_url = absolute_url(as_str(as_dict(status.get("card")).get("url")) or None, url)
    return PostDraft(
        url=url,
        text=clean_text("\n".join(parts)),
        platform_id=status_id,
        title=clean_text(as_str(status.get("spoiler_text"))) or None,
        published_at=parse_date(as_str(status.get("created_at"))),
        author_name=clean_text(as_str(account.get("display_name")) or as_str(account.get("username"))) or None,
        author_handle=as_str(account.get("acct")) or None,
        author_url=as_str(account.get("url")) or None,
        links=unique([*_outbound_links(content, url), card_url]),
        media=unique(_media(status, page.url)),
    )


def _sort_key(status_id: str) -> tuple[int, int, str]:
    """Snowflake ids compare as numbers; anything else as text after them."""
    return (0, int(status_id), "") if status_id.isdigit() else (1, 0, status_id)


def _timeline(statuses: list[Any], page: Page) -> ParseResult:
    entries = [entry for entry in statuses if isinstance(entry, dict)]
    if not entries:
        return ParseResult()
    posts = tuple(post for post in (_post(entry, page) for entry in entries) if post)
    ids = [as_str(entry.get("id")) for entry in entries if as_str(entry.get("id"))]
    oldest = min(ids, key=_sort_key) if ids else None
    return ParseResult(posts=posts, next_page=with_query(page.url, max_id=oldest) if oldest else None)


def _account(account: dict[str, Any], page: Page) -> ParseResult:
    parts = urlsplit(page.url)
    path = f"/api/v1/accounts/{quote(as_str(account['id']), safe='')}/statuses"
    statuses = urlunsplit((parts.scheme, parts.netloc, path, f"limit={STATUSES_PER_PAGE}", ""))
    return ParseResult(follow=(statuses,))


def parse_mastodon(page: Page, source: SourceConfig) -> ParseResult:
    """Posts and pagination of a Mastodon API response (see the module docstring)."""
    try:
        data = json.loads(page.text)
    except json.JSONDecodeError as exc:
        return ParseResult(empty_reason=f"invalid JSON from Mastodon: {exc.msg} at line {exc.lineno}")
    if isinstance(data, list):
        return _timeline(data, page)
    if isinstance(data, dict) and as_str(data.get("id")) and "acct" in data:
        return _account(data, page)
    if isinstance(data, dict) and "error" in data:
        return ParseResult(empty_reason=f"Mastodon error: {as_str(data['error'])}")
    return ParseResult(empty_reason="unexpected JSON from Mastodon: neither statuses nor an account")
