"""The html parser: saved job-board pages in, expected JSON out; plus the rules case by case."""

from __future__ import annotations

import pytest

from crawlers.parsers.base import Page
from crawlers.parsers.html import allowed_domains, close_title, parse_html
from tests.crawlers.parsers.cases import Case, cases, check
from tipwatch.config import SourceConfig


@pytest.mark.parametrize("case", cases("html"), ids=str)
def test_saved_page(case: Case) -> None:
    check(case)


def _page(url: str, html: str) -> Page:
    return Page(url=url, status=200, headers={}, body=html.encode(), text=html)


def _source(**html: str) -> SourceConfig:
    return SourceConfig.model_validate({"id": "t", "kind": "html", "url": "https://jobs.example.org/list",
                                        "country": "TH", "html": html})


LIST = """<html><body><div class="ad" data-id="7"><h2>Cook</h2><p class="t">Cook wanted. Tel 081-111-2222</p>
<span class="d">2026-11-12 09:00</span></div><div class="ad"><h2>Driver</h2><p class="t">Driver wanted</p></div>
<div class="ad"><h2>Empty</h2><p class="t">  </p></div></body></html>"""


def test_list_only_items_become_posts_with_ids() -> None:
    source = _source(item="div.ad", item_id="::attr(data-id)", title="h2", text="p.t", published_at="span.d")
    result = parse_html(_page("https://jobs.example.org/list", LIST), source)
    assert [post.title for post in result.posts] == ["Cook", "Driver"]  # the item without text is skipped
    cook, driver = result.posts
    assert cook.platform_id == "7"
    assert cook.published_at is not None and cook.published_at.isoformat() == "2026-11-12T02:00:00+00:00"
    assert driver.platform_id is not None and driver.platform_id.startswith("text-sha256:")
    assert driver.url == "https://jobs.example.org/list"


def test_items_without_an_id_keep_their_id_when_the_text_is_unchanged() -> None:
    source = _source(item="div.ad", text="p.t")
    first = parse_html(_page("https://jobs.example.org/list", LIST), source)
    moved = parse_html(_page("https://jobs.example.org/list?page=1", LIST.replace("Cook", "Chef")), source)
    assert first.posts[1].platform_id == moved.posts[1].platform_id
    assert first.posts[0].platform_id != moved.posts[0].platform_id


def test_xpath_and_css_selectors_are_both_understood() -> None:
    source = _source(item="//div[@class='ad']", title=".//h2", text="p.t")
    assert [post.title for post in parse_html(_page("https://jobs.example.org/list", LIST), source).posts] == [
        "Cook", "Driver"]


def test_links_outside_the_allowed_domains_are_not_followed() -> None:
    html = """<a class="j" href="/job/1">1</a><a class="j" href="https://sub.jobs.example.org/job/2">2</a>
    <a class="j" href="https://elsewhere.example.net/job/3">3</a><a class="j" href="javascript:void(0)">4</a>
    <a class="n" href="https://elsewhere.example.net/list?page=2">next</a>"""
    result = parse_html(_page("https://jobs.example.org/list", html), _source(detail_links="a.j", next_page="a.n"))
    assert result.follow == ("https://jobs.example.org/job/1", "https://sub.jobs.example.org/job/2")
    assert result.next_page is None


def test_allowed_domains_default_to_the_start_host_without_www() -> None:
    source = SourceConfig.model_validate({"id": "t", "kind": "html", "url": "https://www.jobs.example.org/",
                                          "html": {"detail_links": "a"}})
    assert allowed_domains(source, "https://other.example/") == ("jobs.example.org",)
    configured = source.model_copy(update={"allowed_domains": ["a.example", "b.example"]})
    assert allowed_domains(configured, "https://other.example/") == ("a.example", "b.example")


def test_a_next_page_link_to_the_same_page_is_ignored() -> None:
    html = '<a class="j" href="/job/1">1</a><a class="n" href="/list#top">next</a>'
    result = parse_html(_page("https://jobs.example.org/list", html), _source(detail_links="a.j", next_page="a.n"))
    assert result.next_page is None


def test_detail_url_decides_the_page_role() -> None:
    html = """<h1>Cook</h1><div class="body">Cook wanted</div>
    <ul class="related"><li><a class="j" href="/job/9">Other job</a></li></ul>"""
    source = _source(detail_links="a.j", detail_url=r"/job/\d+$", title="h1", text="div.body")
    result = parse_html(_page("https://jobs.example.org/job/8", html), source)
    assert [post.title for post in result.posts] == ["Cook"] and result.follow == ()
    as_list = parse_html(_page("https://jobs.example.org/list?page=2", html), source)
    assert as_list.posts == () and as_list.follow == ("https://jobs.example.org/job/9",)


def test_a_detail_page_without_text_selector_uses_the_body() -> None:
    html = "<html><head><title>x</title><script>var a=1;</script></head><body><p>Only text</p></body></html>"
    result = parse_html(_page("https://jobs.example.org/job/1", html), _source())
    assert result.posts[0].text == "Only text"


def test_empty_reason_names_the_selectors_that_found_nothing() -> None:
    result = parse_html(_page("https://jobs.example.org/list", "<p>new layout</p>"),
                        _source(item="div.ad", detail_links="a.job"))
    assert result.empty_reason == "selectors matched nothing: item (div.ad), detail_links (a.job)"
    detail = parse_html(_page("https://jobs.example.org/job/1", "<p>x</p>"), _source(title="h1.title"))
    assert detail.empty_reason == "selectors matched nothing: title (h1.title)"
    blank = parse_html(_page("https://jobs.example.org/job/1", "<div class='b'> </div>"), _source(text="div.b"))
    assert blank.empty_reason == "selectors matched nothing: text (div.b)"


def test_base_href_resolves_relative_links() -> None:
    html = ('<html><head><base href="https://cdn.jobs.example.org/m/"></head>'
            '<body><a class="j" href="job/1">1</a></body></html>')
    result = parse_html(_page("https://jobs.example.org/list", html), _source(detail_links="a.j"))
    assert result.follow == ("https://cdn.jobs.example.org/m/job/1",)


def test_the_page_is_not_mutated() -> None:
    page = _page("https://jobs.example.org/list", LIST)
    before = (page.url, page.text, dict(page.headers))
    parse_html(page, _source(item="div.ad", text="p.t"))
    assert (page.url, page.text, dict(page.headers)) == before


def test_an_unclosed_title_does_not_swallow_the_page() -> None:
    html = "<html><head><title>Broken job\n<body><h1>Cook</h1><div class='b'>Cook wanted</div>"
    result = parse_html(_page("https://jobs.example.org/job/1", html), _source(title="h1", text="div.b"))
    assert [(post.title, post.text) for post in result.posts] == [("Cook", "Cook wanted")]
    assert close_title("<title>a</title><p>b") == "<title>a</title><p>b"
    assert close_title("<TITLE>a<p>b") == "<TITLE>a</title><p>b"


def test_unclosed_item_containers_do_not_mix_adverts() -> None:
    html = """<div class="list"><div class="ad"><h2>Cook</h2><p class="t">Cook wanted <a href="/1">tel</a></p>
    <img src="/1.jpg"><div class="ad"><h2>Driver</h2><p class="t">Driver wanted <a href="/2">tel</a></p>
    <img src="/2.jpg"><div class="ad"><h2>Maid</h2><p class="t">Maid wanted</p></div>"""
    for text in ("p.t", None):
        source = _source(item="div.ad", title="h2", **({"text": text} if text else {}))
        posts = parse_html(_page("https://jobs.example.org/list", html), source).posts
        assert [post.title for post in posts] == ["Cook", "Driver", "Maid"]
        assert [post.text.splitlines()[-1] for post in posts] == ["Cook wanted tel", "Driver wanted tel", "Maid wanted"]
        assert [post.links for post in posts] == [("https://jobs.example.org/1",), ("https://jobs.example.org/2",), ()]
        images = [("https://jobs.example.org/1.jpg",), ("https://jobs.example.org/2.jpg",), ()]
        assert [post.media for post in posts] == (images if text is None else [(), (), ()])  # images of `text`
