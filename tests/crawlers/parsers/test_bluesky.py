"""The Bluesky parser: saved searchPosts / getAuthorFeed responses in, posts and ``cursor`` pages out."""

from __future__ import annotations

import json

import pytest

from crawlers.parsers.base import Page
from crawlers.parsers.bluesky import parse_bluesky
from tests.crawlers.parsers.cases import Case, cases, check
from tipwatch.config import SourceConfig

SOURCE = SourceConfig.model_validate({"id": "b", "kind": "bluesky", "url": "https://api.bsky.example",
                                      "query": "jobs"})
URL = "https://api.bsky.example/xrpc/app.bsky.feed.searchPosts?q=jobs&cursor=25"


@pytest.mark.parametrize("case", cases("bluesky"), ids=str)
def test_saved_page(case: Case) -> None:
    check(case)


def _page(data: object) -> Page:
    text = json.dumps(data)
    return Page(url=URL, status=200, headers={}, body=text.encode(), text=text)


def test_the_cursor_replaces_the_previous_one() -> None:
    view = {"uri": "at://did:plc:x/app.bsky.feed.post/3k", "author": {"handle": "a.example"}, "record": {"text": "hi"}}
    result = parse_bluesky(_page({"posts": [view], "cursor": "50"}), SOURCE)
    assert result.next_page == "https://api.bsky.example/xrpc/app.bsky.feed.searchPosts?q=jobs&cursor=50"
    assert result.posts[0].url == "https://bsky.app/profile/a.example/post/3k"


def test_an_empty_page_ends_the_crawl_even_with_a_cursor() -> None:
    assert parse_bluesky(_page({"posts": [], "cursor": "75"}), SOURCE).next_page is None


def test_post_views_without_an_at_uri_are_skipped() -> None:
    result = parse_bluesky(_page({"posts": [{"uri": "https://x", "record": {"text": "x"}}, 3]}), SOURCE)
    assert result.posts == ()


def test_unexpected_json_says_why() -> None:
    assert parse_bluesky(_page([1]), SOURCE).empty_reason == "unexpected JSON from Bluesky: not an object"
    assert parse_bluesky(_page({"x": 1}), SOURCE).empty_reason == (
        "unexpected JSON from Bluesky: neither 'posts' nor 'feed'")
