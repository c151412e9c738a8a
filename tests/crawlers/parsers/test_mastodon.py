"""The Mastodon parser: saved API responses in, posts, follows and ``max_id`` pages out."""

from __future__ import annotations

import json

import pytest

from crawlers.parsers.base import Page
from crawlers.parsers.mastodon import parse_mastodon
from tests.crawlers.parsers.cases import Case, cases, check
from tipwatch.config import SourceConfig

SOURCE = SourceConfig.model_validate({"id": "m", "kind": "mastodon", "url": "https://social.example.org",
                                      "hashtags": ["jobs"]})
URL = "https://social.example.org/api/v1/timelines/tag/jobs?limit=20"


@pytest.mark.parametrize("case", cases("mastodon"), ids=str)
def test_saved_page(case: Case) -> None:
    check(case)


def _page(data: object) -> Page:
    text = json.dumps(data)
    return Page(url=URL, status=200, headers={}, body=text.encode(), text=text)


def test_ids_compare_as_numbers_for_max_id() -> None:
    statuses = [{"id": id_, "url": f"https://social.example.org/@a/{id_}", "content": "<p>x</p>"}
                for id_ in ("99", "100", "98")]
    result = parse_mastodon(_page(statuses), SOURCE)
    assert result.next_page == URL + "&max_id=98"


def test_statuses_without_id_or_url_are_skipped_but_paging_goes_on() -> None:
    result = parse_mastodon(_page([{"id": "5", "content": "<p>no url</p>"}, "junk"]), SOURCE)
    assert result.posts == () and result.next_page == URL + "&max_id=5"


def test_unexpected_json_says_why() -> None:
    assert parse_mastodon(_page({"x": 1}), SOURCE).empty_reason == (
        "unexpected JSON from Mastodon: neither statuses nor an account")
    bad = Page(url=URL, status=200, headers={}, body=b"<html>", text="<html>")
    assert parse_mastodon(bad, SOURCE).empty_reason == "invalid JSON from Mastodon: Expecting value at line 1"
