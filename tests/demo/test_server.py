"""The demo server: every route, its counts and paging, and the crawler parsers reading what it serves."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

import apprise
import pytest
import yaml
from parsel import Selector

import demo
from crawlers.parsers import PARSERS, Page
from crawlers.parsers.text import clean_text
from demo.corpus import Corpus
from demo.pages import CLASSIFIEDS_FIRST, JOBS_PER_PAGE, TELEGRAM_PAGE
from demo.receiver import start_receiver
from tipwatch.config.sources import SourceConfig, SourcesFile


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request (errors included)."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get_json(url: str) -> Any:
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8", (url, status)
    return json.loads(body)


def html(url: str) -> Selector:
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8", (url, status)
    return Selector(text=body.decode("utf-8"))


def test_serve_binds_loopback(base_url: str) -> None:
    assert base_url.startswith("http://127.0.0.1:") and not base_url.endswith(":0")


@pytest.mark.parametrize(("path", "content_type"), [
    ("/", "text/html; charset=utf-8"),
    ("/robots.txt", "text/plain; charset=utf-8"),
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/static/classifieds.js", "text/javascript; charset=utf-8"),
    ("/static/board.css", "text/css; charset=utf-8"),
    ("/classifieds/data.json", "application/json; charset=utf-8"),
])
def test_static_files_have_their_content_type(base_url: str, path: str, content_type: str) -> None:
    status, headers, body = fetch(base_url + path)
    assert status == 200 and headers["Content-Type"] == content_type and body
    head_status, head_headers, head_body = fetch(base_url + path, method="HEAD")
    assert head_status == 200 and head_body == b"" and head_headers["Content-Length"] == str(len(body))


def test_robots_allows_everything(base_url: str) -> None:
    _, _, body = fetch(base_url + "/robots.txt")
    assert "User-agent: *" in body.decode() and "Allow: /" in body.decode() and "Disallow" not in body.decode()


@pytest.mark.parametrize("path", ["/nothing", "/jobs/?page=99", "/jobs/?page=x", "/t/s/no_such_channel",
                                  "/%2e%2e/posts.yaml", "/../posts.yaml", "/t/s/kh_easyjob_center?before=x"])
def test_unknown_paths_are_404(base_url: str, path: str) -> None:
    assert fetch(base_url + path)[0] == 404


def test_job_board_pages_and_details(base_url: str, corpus: Corpus) -> None:
    jobs = corpus.of("jobboard")
    seen: list[str] = []
    url: str | None = base_url + "/jobs/"
    while url:
        page = html(url)
        cards = page.css("li.job-card h2.job-card__title a::attr(href)").getall()
        assert 0 < len(cards) <= JOBS_PER_PAGE
        seen += cards
        following = page.css("nav.pagination a[rel=next]::attr(href)").get()
        url = base_url + following if following else None
    assert seen == [f"/jobs/{job.number}.html" for job in jobs], "list pages show every job once, newest first"
    job = jobs[-1]
    detail = html(f"{base_url}/jobs/{job.number}.html")
    assert detail.css("h1.job-title::text").get() == job.title
    assert detail.css("time.job-posted::attr(datetime)").get() == job.published_at.isoformat()
    assert len(detail.css("section.job-description p")) == len(job.lines)
    assert fetch(base_url + "/jobs")[0] == 200  # redirected to /jobs/


def test_classifieds_are_only_in_json(base_url: str, corpus: Corpus) -> None:
    page = html(base_url + "/classifieds/")
    assert page.css("#listings article").getall() == [] and page.css("#show-more")
    initial = json.loads(page.css("script#initial-data::text").get() or "{}")
    more = get_json(base_url + initial["more"])
    ads = initial["ads"] + more["ads"]
    assert len(initial["ads"]) == CLASSIFIEDS_FIRST and more["more"] is None
    assert [ad["id"] for ad in ads] == [post.number for post in corpus.of("classifieds")]


@pytest.mark.parametrize("channel", ["kh_easyjob_center", "thai_lao_jobs_board"])
def test_telegram_preview_pages_back_with_before(base_url: str, corpus: Corpus, channel: str) -> None:
    expected = sorted(post.number for post in corpus.of("telegram", channel))
    seen: list[int] = []
    url: str | None = f"{base_url}/t/s/{channel}"
    while url:
        page = html(url)
        numbers = [int(post.split("/")[1]) for post in
                   page.css(".tgme_widget_message:not(.service_message)::attr(data-post)").getall()]
        assert len(numbers) <= TELEGRAM_PAGE and numbers == sorted(numbers)
        assert len(page.css(".tgme_widget_message_text")) >= len(numbers)
        seen = numbers + seen
        before = page.css("a.tme_messages_more::attr(data-before)").get()
        url = f"{base_url}/t/s/{channel}?before={before}" if before else None
    assert seen == expected
    after = html(f"{base_url}/t/s/{channel}?after={expected[0]}")
    assert [int(p.split("/")[1]) for p in after.css(".tgme_widget_message::attr(data-post)").getall()] == \
        expected[1:1 + TELEGRAM_PAGE]


def _mastodon_all(url: str) -> list[dict[str, Any]]:
    statuses: list[dict[str, Any]] = []
    while True:
        page = get_json(url)
        if not page:
            return statuses
        assert len(page) <= 40
        statuses += page
        url = url.split("?")[0] + f"?limit=7&max_id={page[-1]['id']}"


def test_mastodon_timelines_accounts_and_paging(base_url: str, corpus: Corpus) -> None:
    tagged = _mastodon_all(f"{base_url}/api/v1/timelines/tag/hiring?limit=7")
    assert all("#<span>hiring</span>" in status["content"] for status in tagged)
    ids = [int(status["id"]) for status in tagged]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    covered = {status["id"] for status in tagged}
    for acct in ("mekongjobs", "migrantaid_sea"):
        account = get_json(f"{base_url}/api/v1/accounts/lookup?acct={acct}")
        assert account["acct"] == acct
        own = _mastodon_all(f"{base_url}/api/v1/accounts/{account['id']}/statuses?limit=7")
        assert own and {status["account"]["acct"] for status in own} == {acct}
        covered |= {status["id"] for status in own}
    assert len(covered) == len(corpus.of("mastodon")), "the demo source reaches every status"
    status, headers, _ = fetch(f"{base_url}/api/v1/timelines/tag/hiring?limit=2")
    assert status == 200 and 'rel="next"' in headers["Link"]
    assert fetch(f"{base_url}/api/v1/accounts/lookup?acct=nobody")[0] == 404
    assert fetch(f"{base_url}/api/v1/timelines/tag/hiring?limit=zero")[0] == 422


def _bluesky_all(url: str, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = get_json(url + (f"&cursor={cursor}" if cursor else ""))
        found += [entry["post"] if key == "feed" else entry for entry in page[key]]
        cursor = page.get("cursor")
        if not cursor:
            return found


def test_bluesky_search_author_feeds_and_cursors(base_url: str, corpus: Corpus) -> None:
    hits = _bluesky_all(f"{base_url}/xrpc/app.bsky.feed.searchPosts?q=hiring&limit=6", "posts")
    assert hits and all("hiring" in post["record"]["text"].lower() for post in hits)
    covered = {post["uri"] for post in hits}
    for actor in ("jobs-mekong.bsky.social", "safe-migration-sea.bsky.social", "jennyhr88.bsky.social"):
        feed = _bluesky_all(f"{base_url}/xrpc/app.bsky.feed.getAuthorFeed?actor={actor}&limit=3", "feed")
        assert feed and {post["author"]["handle"] for post in feed} == {actor}
        covered |= {post["uri"] for post in feed}
    assert len(covered) == len(corpus.of("bluesky")), "the demo source reaches every post"
    assert fetch(f"{base_url}/xrpc/app.bsky.feed.getAuthorFeed?actor=nobody.bsky.social")[0] == 400
    assert fetch(f"{base_url}/xrpc/app.bsky.feed.searchPosts")[0] == 400
    assert fetch(f"{base_url}/xrpc/app.bsky.graph.getFollows")[0] == 501


def test_feed_has_every_item(base_url: str, corpus: Corpus) -> None:
    _, _, body = fetch(base_url + "/feed.xml")
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) == len(corpus.of("feed"))
    assert [item.findtext("title") for item in items] == [post.title for post in corpus.of("feed")]


# --- the crawler parsers on what the server serves --------------------------------------------------------


def _sources(base_url: str) -> list[SourceConfig]:
    return SourcesFile.model_validate(yaml.safe_load(demo.sources_for(base_url))).sources


def _start_urls(source: SourceConfig, base_url: str) -> list[str]:
    if source.kind == "mastodon":
        return [f"{base_url}/api/v1/timelines/tag/{tag}" for tag in source.hashtags] + \
            [f"{base_url}/api/v1/accounts/lookup?acct={account}" for account in source.accounts]
    if source.kind == "bluesky":
        return [f"{base_url}/xrpc/app.bsky.feed.searchPosts?q={quote(source.query or '')}"] + \
            [f"{base_url}/xrpc/app.bsky.feed.getAuthorFeed?actor={account}" for account in source.accounts]
    return [source.url or ""]


def _crawl(source: SourceConfig, base_url: str) -> dict[str, str]:
    """Follow every link and next page a parser returns; text of each post by platform id or URL."""
    queue, texts, pages = _start_urls(source, base_url), {}, 0
    while queue:
        url = queue.pop(0)
        pages += 1
        assert pages < 500, "the crawl does not end"
        status, headers, body = fetch(url)
        assert status == 200, url
        result = PARSERS[source.kind](Page(url, status, headers, body, body.decode("utf-8")), source)
        assert result.empty_reason is None, (url, result.empty_reason)
        texts.update({post.platform_id or post.url: post.text for post in result.posts})
        queue += list(result.follow) + ([result.next_page] if result.next_page else [])
    return texts


def test_crawler_parsers_read_every_post(base_url: str, corpus: Corpus) -> None:
    for source in _sources(base_url):
        if source.render:
            continue
        name = {"html": "jobboard", "telegram": "telegram"}.get(source.kind, source.kind)
        expected = sorted(clean_text(post.text) for post in corpus.of(name, source.channel))
        texts = _crawl(source, base_url)
        assert sorted(texts.values()) == expected, f"{source.id}: {len(texts)} of {len(expected)} posts"


@pytest.mark.browser
def test_classifieds_render_in_chromium(base_url: str, corpus: Corpus) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no Chromium on this machine")
    source = next(source for source in _sources(base_url) if source.render)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(source.url or "")
        for action in source.page_actions:
            if action.action == "wait_for_selector":
                page.wait_for_selector(action.selector or "", timeout=10_000)
            elif action.action == "click":
                page.click(action.selector or "")
        rendered = page.content()
        browser.close()
    result = PARSERS["html"](Page(source.url or "", 200, {}, rendered.encode(), rendered, rendered=True), source)
    expected = corpus.of("classifieds")
    assert [post.platform_id for post in result.posts] == [str(post.number) for post in expected]
    assert [post.text for post in result.posts] == [clean_text(post.text) for post in expected]


def test_webhook_receiver_gets_apprise_json(tmp_path: Path) -> None:
    receiver = start_receiver(tmp_path / "notifications.jsonl")
    try:
        client = apprise.Apprise()
        assert client.add(receiver.apprise_url)
        assert client.notify(title="demo alert", body="@vip_hr_jenny88 on 3 sources")
    finally:
        receiver.stop()
    lines = (tmp_path / "notifications.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and len(receiver.received) == 1
    entry = json.loads(lines[0])
    assert entry["path"] == "/alerts" and entry["payload"]["title"] == "demo alert"
