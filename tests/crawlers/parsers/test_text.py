"""Visible text, links and images out of HTML."""

from __future__ import annotations

from parsel import Selector

from crawlers.parsers.text import clean_text, html_to_text, images, links, style_image_urls


def test_blocks_and_br_become_line_breaks_and_inline_tags_do_not() -> None:
    html = "<div>Hello <b>wor</b>ld<br>next<p>para</p>tail</div><ul><li>one</li><li>two</li></ul>"
    assert html_to_text(html) == "Hello world\nnext\npara\ntail\none\ntwo"


def test_newlines_inside_html_text_are_spaces() -> None:
    assert html_to_text("<p>one\n   two</p>") == "one two"


def test_scripts_styles_and_comments_are_dropped_but_their_tails_kept() -> None:
    html = "<p>a<script>var x = '<b>no</b>';</script>b<style>p{}</style>c<!-- note -->d<noscript>js</noscript>e</p>"
    assert html_to_text(html) == "abcde"


def test_a_whole_page_gives_the_body_text_only() -> None:
    assert html_to_text("<html><head><title>T</title></head><body><h1>H</h1>b</body></html>") == "H\nb"


def test_entities_are_decoded() -> None:
    assert html_to_text("<p>A&amp;B&nbsp;&lt;3 &#3585; &eacute;</p>") == "A&B <3 ก é"


def test_table_cells_are_separated() -> None:
    assert html_to_text("<table><tr><td>Salary</td><td>15,000</td></tr><tr><th>Tel</th><td>02</td></tr></table>") == (
        "Salary 15,000\nTel 02")


def test_invisible_characters_are_removed() -> None:
    text = "T\u200be\u200cl\u200de\u2060g\ufeffr\u00ada\u200em \x00@job\x07\x9f"
    assert clean_text(text) == "Telegram @job"


def test_emoji_sequences_keep_their_joiners() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(f"{family} a\u200db") == f"{family} ab"


def test_whitespace_is_normalised_and_text_is_nfc() -> None:
    decomposed = "Vie\u0302\u0323t"  # Việt written with combining marks
    assert clean_text(f"  {decomposed}\u00a0\u3000Nam \r\n\n\t line  ") == "Việt Nam\nline"


def test_deeply_nested_malformed_html_does_not_recurse() -> None:
    html = "<div>" * 1500 + "deep" + "</span>" * 3  # deeper than Python's recursion limit (libxml2 stops at ~2000)
    assert html_to_text(html) == "deep"


def test_links_are_absolute_unique_and_without_script_or_anchor_links() -> None:
    html = ('<a href="/x">x</a> <a href=" /x ">again</a> <a href="javascript:void(0)">j</a> <a href="#top">t</a>'
            '<a href="mailto:hr@example.org">m</a> <area href="//cdn.example.org/map">')
    assert links(html, "https://jobs.example.org/a/b") == (
        "https://jobs.example.org/x", "mailto:hr@example.org", "https://cdn.example.org/map")


def test_images_prefer_lazy_load_sources_and_read_styles() -> None:
    html = ('<img src="data:image/gif;base64,R0l" data-src="/real.jpg"><img src="b.png">'
            '<video poster="/v.jpg"></video>'
            '<div style="background-image:url(&quot;//cdn.example.org/c.jpg&quot;)"></div>')
    assert images(html, "https://jobs.example.org/p/") == (
        "https://jobs.example.org/real.jpg", "https://jobs.example.org/p/b.png", "https://jobs.example.org/v.jpg",
        "https://cdn.example.org/c.jpg")


def test_style_urls_in_any_quoting() -> None:
    style = "width:1px;background-image:url('a.jpg'), url(b.jpg) ,url(\"c.jpg\")"
    assert style_image_urls(style, "https://x.example/") == (
        "https://x.example/a.jpg", "https://x.example/b.jpg", "https://x.example/c.jpg")
    assert style_image_urls(None, "https://x.example/") == ()


def test_selectors_of_elements_attributes_and_text_are_accepted() -> None:
    doc = Selector(text='<div class="t">one<br>two <a href="/l">link</a></div>')
    assert html_to_text(doc.css("div.t")[0]) == "one\ntwo link"
    assert links(doc.css("div.t")[0], "https://x.example/") == ("https://x.example/l",)
    assert html_to_text(doc.css("a::attr(href)")[0]) == "/l"
