"""The demo's HTML and XML pages, rendered from the corpus with the Jinja templates in ``demo/templates``.

The job board, classifieds, feed and index are rendered once by ``demo.build`` into ``demo/site``;
Telegram channel previews are rendered per request by the server (``?before=`` / ``?after=`` paging).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from demo.corpus import Channel, Corpus, Post
from demo.markup import excerpt, telegram_html

TEMPLATES = Path(__file__).with_name("templates")
JOBS_PER_PAGE = 20
"""Jobs on one list page of the job board."""
CLASSIFIEDS_FIRST = 20
"""Ads in the inline JSON of the classifieds page; the rest load with "Show more"."""
TELEGRAM_PAGE = 20
"""Messages on one Telegram preview page."""
FEED_SITE = "https://workabroad-digest.example"
"""The (fictional) site the feed's items link to."""
RELATED_JOBS = 4


def _day(value: datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def _paragraphs(lines: list[str]) -> Markup:
    return Markup("").join(Markup("<p>{}</p>").format(escape(line)) for line in lines)


@cache
def environment() -> Environment:
    """The Jinja environment of the demo templates (HTML and XML autoescaped)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html", "xml")),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(day=_day, excerpt=excerpt, rfc822=format_datetime, paragraphs=_paragraphs)
    env.globals["page_url"] = job_page_url
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def job_page_url(page: int) -> str:
    """The address of a list page of the job board."""
    return "/jobs/" if page == 1 else f"/jobs/?page={page}"


def job_pages(corpus: Corpus) -> int:
    """How many list pages the job board has."""
    return max(1, -(-len(corpus.of("jobboard")) // JOBS_PER_PAGE))


def render_job_list(corpus: Corpus, page: int) -> str:
    """List page ``page`` (1-based) of the job board, newest jobs first."""
    jobs = corpus.of("jobboard")
    start = (page - 1) * JOBS_PER_PAGE
    shown = jobs[start:start + JOBS_PER_PAGE]
    countries = Counter((job.location or "").rpartition(", ")[2] or "Other" for job in jobs)
    return _render("jobs_list.html", jobs=shown, page=page, pages=job_pages(corpus), total=len(jobs),
                   first=start + 1, last=start + len(shown), countries=sorted(countries.items()))


def _related(corpus: Corpus, job: Post) -> list[Post]:
    others = [other for other in corpus.of("jobboard") if other.id != job.id]
    same_place = [other for other in others if other.location == job.location]
    rest = [other for other in others if other.location != job.location]
    return (same_place + rest)[:RELATED_JOBS]


def _json_ld(job: Post) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "JobPosting", "title": job.title,
        "datePosted": job.published_at.isoformat(), "description": "\n".join(job.lines),
        "hiringOrganization": {"@type": "Organization", "name": job.author},
    }
    if job.location:
        locality, _, country = job.location.rpartition(", ")
        data["jobLocation"] = {"@type": "Place", "address": {"@type": "PostalAddress",
                                                              "addressLocality": locality or country,
                                                              "addressCountry": country}}
    return data


def render_job_detail(corpus: Corpus, job: Post) -> str:
    """The detail page of one job."""
    return _render("job_detail.html", job=job, related=_related(corpus, job), json_ld=_json_ld(job))


def _ad(post: Post) -> dict[str, Any]:
    return {"id": post.number, "title": post.title, "body": post.lines, "poster": post.author,
            "location": post.location, "price": post.salary, "posted": post.published_at.isoformat(),
            "lang": post.language}


def classifieds_batches(corpus: Corpus) -> tuple[list[Post], list[Post]]:
    """The ads shown at first and those "Show more" loads."""
    ads = corpus.of("classifieds")
    return ads[:CLASSIFIEDS_FIRST], ads[CLASSIFIEDS_FIRST:]


def render_classifieds(corpus: Corpus) -> str:
    """The classifieds page: an empty container, the first ads as inline JSON, and the script."""
    first, rest = classifieds_batches(corpus)
    initial = {"ads": [_ad(post) for post in first], "more": "/classifieds/data.json" if rest else None}
    return _render("classifieds.html", initial=initial, total=len(first) + len(rest))


def classifieds_data(corpus: Corpus) -> str:
    """``/classifieds/data.json``: the ads behind "Show more"."""
    _, rest = classifieds_batches(corpus)
    return json.dumps({"ads": [_ad(post) for post in rest], "more": None}, ensure_ascii=False, indent=1) + "\n"


def render_feed(corpus: Corpus) -> str:
    """The RSS 2.0 feed, newest items first; ``lastBuildDate`` is the newest item's date."""
    items = corpus.of("feed")
    built = max(item.utc for item in items)
    return _render("feed.xml", items=items, site=FEED_SITE, built=built)


def render_index(corpus: Corpus) -> str:
    """The landing page that lists the demo's sources."""
    counts = Counter(post.source for post in corpus.posts)
    channel_counts = Counter(post.channel for post in corpus.posts if post.channel)
    languages = sorted({post.language for post in corpus.posts})
    return _render("index.html", total=len(corpus.posts), scam=sum(post.scam for post in corpus.posts),
                   languages=languages, counts=counts, channels=corpus.channels, channel_counts=channel_counts)


@dataclass(frozen=True)
class _Message:
    post: Post
    html: Markup
    time: str
    clock: str
    views: str
    view_token: str


def _short_count(value: int) -> str:
    return f"{value / 1000:.1f}K".replace(".0K", "K") if value >= 1000 else str(value)


def _message(post: Post) -> _Message:
    digest = hashlib.sha256(post.id.encode()).digest()
    views = 300 + int.from_bytes(digest[:2], "big") % 4700
    return _Message(post=post, html=telegram_html(post.text), time=post.utc.isoformat(),
                    clock=post.utc.strftime("%H:%M"), views=_short_count(views), view_token=digest[2:14].hex())


def telegram_window(posts: list[Post], before: int | None, after: int | None) -> list[Post]:
    """The messages one preview page shows (oldest first), like ``t.me/s``: the newest ones, the ones
    just before message ``before``, or the ones just after message ``after``."""
    ordered = sorted(posts, key=lambda post: post.number)
    if after is not None:
        return [post for post in ordered if post.number > after][:TELEGRAM_PAGE]
    if before is not None:
        ordered = [post for post in ordered if post.number < before]
    return ordered[-TELEGRAM_PAGE:]


def render_telegram(corpus: Corpus, channel: Channel, before: int | None = None, after: int | None = None,
                    query: str | None = None) -> str:
    """A ``t.me/s/<channel>`` page (``query``: only messages containing it, case-insensitively)."""
    posts = corpus.of("telegram", channel.name)
    if query:
        posts = [post for post in posts if query.casefold() in post.text.casefold()]
    shown = telegram_window(posts, before, after)
    numbers = [post.number for post in posts]
    oldest = shown[0].number if shown else None
    newest = shown[-1].number if shown else None
    first = min(numbers, default=0)
    starts_channel = bool(shown) and oldest == first and first > 1 and not query
    return _render(
        "telegram.html", channel=channel, messages=[_message(post) for post in shown],
        older=oldest is not None and oldest != first, oldest=oldest,
        newer=newest is not None and (before is not None or after is not None) and newest != max(numbers),
        newest=newest, service_before=first - 1 if starts_channel else None,
        subscribers=_short_count(channel.subscribers), total=len(posts),
    )
