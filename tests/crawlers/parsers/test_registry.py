"""Every source kind has a parser, and no parser raises on hostile input (errors are data)."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from crawlers.parsers import PARSERS, Page
from tipwatch.config import SourceConfig
from tipwatch.config.sources import SourceKind

SOURCES = {
    "html": {"url": "https://x.example/", "html": {"item": "div", "title": "h1", "published_at": "time",
                                                   "detail_links": "a", "next_page": "a.n"}},
    "feed": {"url": "https://x.example/feed"},
    "telegram": {"channel": "c"},
    "mastodon": {"url": "https://x.example", "hashtags": ["t"]},
    "bluesky": {"url": "https://x.example", "query": "q"},
}
WRONG_TYPES = [
    {"id": 1, "url": 2, "content": ["x"], "account": "a", "reblog": 3, "media_attachments": {"a": 1},
     "poll": {"options": "x"}, "card": [1], "created_at": 5},
    {"uri": "at://did:plc:x/app.bsky.feed.post/1", "record": {"text": 5, "facets": "x", "createdAt": []},
     "author": [], "embed": {"$type": 7, "images": {"x": 1}}},
]
HOSTILE = [
    "", "\x00\x01\x02", "<" * 10000, "<div>" * 3000, "{", "[]", "null", "42", '"text"',
    json.dumps(WRONG_TYPES), json.dumps({"posts": WRONG_TYPES, "cursor": {"a": 1}}),
    json.dumps({"feed": [None, 1, {"post": WRONG_TYPES[1]}]}), json.dumps({"error": ["x"], "message": 3}),
    json.dumps({"items": [{"title": 5, "authors": "x", "attachments": [1, {"url": 2}], "id": [1]}]}),
    json.dumps({"id": {"x": 1}, "acct": "a"}),
    "<rss><channel><item><title>&bogus;<![CDATA[x</item>", "<feed><entry><link href='javascript:x'/></entry>",
    '<div class="tgme_widget_message" data-post="/"></div><div class="tgme_widget_message" data-post="c/0"></div>',
    '<time datetime="9999-99-99">x</time><h1>t</h1><div>Ünïcode \ud800?</div>'.encode("utf-8", "replace").decode(),
]


def test_every_source_kind_has_a_parser() -> None:
    assert set(PARSERS) == set(get_args(SourceKind))


@pytest.mark.parametrize("kind", sorted(PARSERS))
@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_no_parser_raises_on_hostile_input(kind: str, body: str) -> None:
    source = SourceConfig.model_validate({"id": "s", "kind": kind, **SOURCES[kind]})
    page = Page(url="https://x.example/p", status=200, headers={}, body=body.encode("utf-8", "replace"), text=body)
    result = PARSERS[kind](page, source)
    for post in result.posts:
        assert isinstance(post.url, str) and isinstance(post.text, str)
        assert all(isinstance(link, str) for link in (*post.links, *post.media))
