"""The Telegram parser: saved ``t.me/s/<channel>`` pages in, posts and the older-messages link out."""

from __future__ import annotations

import pytest

from crawlers.parsers.base import Page
from crawlers.parsers.telegram import parse_telegram
from tests.crawlers.parsers.cases import Case, cases, check
from tipwatch.config import SourceConfig

SOURCE = SourceConfig.model_validate({"id": "tg", "kind": "telegram", "channel": "chan"})


@pytest.mark.parametrize("case", cases("telegram"), ids=str)
def test_saved_page(case: Case) -> None:
    check(case)


def _message(number: int, text: str) -> str:
    return (f'<div class="tgme_widget_message js-widget_message" data-post="chan/{number}">'
            f'<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text">{text}</div>'
            f'<a class="tgme_widget_message_date" href="https://t.me/chan/{number}">'
            f'<time datetime="2026-11-12T07:30:00+00:00">07:30</time></a></div></div>')


def _page(html: str, url: str = "https://t.me/s/chan") -> Page:
    return Page(url=url, status=200, headers={}, body=html.encode(), text=html)


def test_next_page_asks_for_messages_before_the_oldest() -> None:
    html = "<section class='tgme_channel_history'>" + _message(40, "a") + _message(38, "b") + "</section>"
    result = parse_telegram(_page(html, "https://t.me/s/chan?before=50&embed=1"), SOURCE)
    assert [post.platform_id for post in result.posts] == ["chan/40", "chan/38"]
    assert result.next_page == "https://t.me/s/chan?embed=1&before=38"


def test_the_first_message_of_a_channel_ends_the_crawl() -> None:
    result = parse_telegram(_page(_message(1, "first")), SOURCE)
    assert len(result.posts) == 1 and result.next_page is None


def test_messages_with_unreadable_ids_are_skipped() -> None:
    html = _message(5, "ok").replace('data-post="chan/5"', 'data-post="chan/abc"') + _message(6, "six")
    assert [post.text for post in parse_telegram(_page(html), SOURCE).posts] == ["six"]
