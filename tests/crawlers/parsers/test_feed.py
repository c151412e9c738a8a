"""The feed parser: RSS, Atom and JSON Feed documents in, posts out (broken XML too)."""

from __future__ import annotations

import pytest

from crawlers.parsers.base import Page
from crawlers.parsers.feed import parse_feed, repair_xml
from tests.crawlers.parsers.cases import Case, cases, check
from tipwatch.config import SourceConfig

SOURCE = SourceConfig.model_validate({"id": "f", "kind": "feed", "url": "https://jobs.example.org/feed",
                                      "country": "TH"})


@pytest.mark.parametrize("case", cases("feed"), ids=str)
def test_saved_page(case: Case) -> None:
    check(case)


def _page(text: str) -> Page:
    return Page(url="https://jobs.example.org/feed", status=200, headers={}, body=text.encode(), text=text)


def test_repair_xml_escapes_bare_ampersands_and_html_entities() -> None:
    repaired = repair_xml("<t>A & B &nbsp;&amp; &#233; &bogus; \x0b</t>")
    assert repaired == "<t>A &amp; B &#160;&amp; &#233; &amp;bogus; </t>"


def test_rss_1_0_items_are_read() -> None:
    rdf = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="https://jobs.example.org/"><title>Jobs</title></channel>
    <item rdf:about="https://jobs.example.org/1"><title>Cook</title><link>https://jobs.example.org/1</link>
    <description>Cook wanted</description><dc:date>2026-11-12T10:00:00+07:00</dc:date></item></rdf:RDF>"""
    (post,) = parse_feed(_page(rdf), SOURCE).posts
    assert (post.url, post.title, post.text) == ("https://jobs.example.org/1", "Cook", "Cook wanted")
    assert post.published_at is not None and post.published_at.hour == 3


def test_atom_xhtml_content_is_read_as_html() -> None:
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id><title>T</title>
    <link href="/1"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Line one</p><p>Line
    <a href="https://t.me/x">two</a></p></div></content></entry></feed>"""
    (post,) = parse_feed(_page(atom), SOURCE).posts
    assert post.text == "Line one\nLine two"
    assert post.links == ("https://t.me/x",)
    assert post.url == "https://jobs.example.org/1"


def test_an_item_without_body_uses_its_title_as_text() -> None:
    rss = "<rss><channel><item><title>Only a title</title><guid>g1</guid></item><item></item></channel></rss>"
    (post,) = parse_feed(_page(rss), SOURCE).posts
    assert (post.text, post.platform_id, post.url) == ("Only a title", "g1", "https://jobs.example.org/feed")


def test_a_valid_feed_without_items_is_not_an_error() -> None:
    result = parse_feed(_page("<rss><channel><title>Quiet</title></channel></rss>"), SOURCE)
    assert result.posts == () and result.empty_reason is None


def test_invalid_json_feed_says_why() -> None:
    assert parse_feed(_page('{"items": [}'), SOURCE).empty_reason == "invalid JSON Feed: Expecting value at line 1"
    assert parse_feed(_page('{"version": "x"}'), SOURCE).empty_reason == "not a JSON Feed: no 'items' list"
