"""Bluesky's XRPC API: ``app.bsky.feed.searchPosts`` and ``app.bsky.feed.getAuthorFeed``.

``{"posts": [postView…], "cursor"}`` or ``{"feed": [{"post": postView, "reason"?}…], "cursor"}``: one
post per post view, its ``at://`` URI as ``platform_id``, its web address
``https://bsky.app/profile/<handle>/post/<rkey>``; links come from rich-text facets and link cards,
media from image embeds (also inside quote posts with media) and video thumbnails. ``next_page``
repeats the request with the response's ``cursor``; no cursor or no posts ends the crawl.
"""

from __future__ import annotations

import json
from typing import Any

from crawlers.parsers.base import Page, ParseResult, PostDraft
from crawlers.parsers.dates import parse_date
from crawlers.parsers.jsonvalues import as_dict, as_list, as_str
from crawlers.parsers.text import clean_text
from crawlers.parsers.urls import unique, with_query
from tipwatch.config.sources import SourceConfig

WEB = "https://bsky.app"
_LINK_FACET = "app.bsky.richtext.facet#link"


def _embed_media(embed: dict[str, Any]) -> list[str]:
    """Image URLs of a post's embed view (images, video thumbnail, or the media of a quote post)."""
    kind = as_str(embed.get("$type"))
    if kind.startswith("app.bsky.embed.images"):
        found = [as_str(image.get("fullsize")) or as_str(image.get("thumb")) for image in map(as_dict,
                 as_list(embed.get("images")))]
        return [url for url in found if url]
    if kind.startswith("app.bsky.embed.video"):
        return [as_str(embed.get("thumbnail"))] if as_str(embed.get("thumbnail")) else []
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return _embed_media(as_dict(embed.get("media")))
    return []


def _links(record: dict[str, Any], embed: dict[str, Any]) -> tuple[str, ...]:
    found = [as_str(as_dict(feature).get("uri")) for facet in as_list(record.get("facets")) for feature in
             as_list(as_dict(facet).get("features")) if as_dict(feature).get("$type") == _LINK_FACET]
    for card in (embed, as_dict(embed.get("media")), as_dict(record.get("embed"))):
        found.append(as_str(as_dict(card.get("external")).get("uri")))
    return unique(found)


def _post(view: dict[str, Any]) -> PostDraft | None:
    uri = as_str(view.get("uri"))
    record = as_dict(view.get("record"))
    if not uri.startswith("at://"):
        return None
    author = as_dict(view.get("author"))
    handle = as_str(author.get("handle")) if author.get("handle") != "handle.invalid" else ""
    profile = handle or as_str(author.get("did")) or uri.split("/")[2]
    embed = as_dict(view.get("embed"))
    return PostDraft(
        url=f"{WEB}/profile/{profile}/post/{uri.rstrip('/').rsplit('/', 1)[-1]}",
        text=clean_text(as_str(record.get("text"))),
        platform_id=uri,
        published_at=parse_date(as_str(record.get("createdAt"))) or parse_date(as_str(view.get("indexedAt"))),
        author_name=clean_text(as_str(author.get("displayName"))) or None,
        author_handle=handle or None,
        author_url=f"{WEB}/profile/{profile}",
        links=_links(record, embed),
        media=unique(_embed_media(embed)),
    )


def parse_bluesky(page: Page, source: SourceConfig) -> ParseResult:
    """Posts of a searchPosts / getAuthorFeed response and the next page (by ``cursor``)."""
    try:
        data = json.loads(page.text)
    except json.JSONDecodeError as exc:
        return ParseResult(empty_reason=f"invalid JSON from Bluesky: {exc.msg} at line {exc.lineno}")
    if not isinstance(data, dict):
        return ParseResult(empty_reason="unexpected JSON from Bluesky: not an object")
    if "error" in data:
        message = f"{as_str(data['error'])}: {as_str(data.get('message'))}".rstrip(": ")
        return ParseResult(empty_reason=f"Bluesky error: {message}")
    if "posts" in data:
        views = as_list(data["posts"])
    elif "feed" in data:
        views = [as_dict(entry).get("post") for entry in as_list(data["feed"])]  # reposts: the reposted post
    else:
        return ParseResult(empty_reason="unexpected JSON from Bluesky: neither 'posts' nor 'feed'")
    posts = tuple(post for post in (_post(view) for view in views if isinstance(view, dict)) if post)
    cursor = as_str(data.get("cursor"))
    next_page = with_query(page.url, cursor=cursor) if cursor and views else None
    return ParseResult(posts=posts, next_page=next_page)
