"""Typed ``sources.yaml``: what to crawl, how, and how often.

A new source of an existing kind is a YAML entry, not code. Every option is documented in
``docs/sources.md``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tipwatch.contract.times import parse_time

SourceKind = Literal["html", "feed", "telegram", "mastodon", "bluesky"]
_INTERVAL = re.compile(r"^(\d+)\s*([smhdw])$")
_INTERVAL_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def interval_seconds(text: str) -> int:
    """``"6h"`` -> 21600. Raises ValueError for anything else."""
    match = _INTERVAL.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an interval like 30m, 6h, 1d")
    return int(match.group(1)) * _INTERVAL_SECONDS[match.group(2)]


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Schedule(_Item):
    """When a source is crawled: a cron expression or an interval, in a time zone."""

    cron: str | None = None
    """Five-field cron expression, e.g. ``"0 */6 * * *"``."""
    every: str | None = None
    """Interval such as ``30m``, ``6h``, ``1d``."""
    timezone: str = "UTC"
    """IANA zone the cron expression is read in, e.g. ``Asia/Bangkok``."""

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give exactly one of 'cron' or 'every'")
        if self.every is not None:
            interval_seconds(self.every)
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron {self.cron!r} must have five fields")
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_zone(value)


class Limits(_Item):
    """How much one crawl of the source may fetch."""

    max_pages: int = Field(default=50, ge=1)
    max_items: int = Field(default=1000, ge=1)
    since: str | None = None
    """Skip posts older than this: an interval (``7d``) or an RFC 3339 date."""

    @field_validator("since")
    @classmethod
    def _since(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                interval_seconds(value)
            except ValueError:
                try:
                    parse_time(value)
                except ValueError as exc:
                    raise ValueError(f"since {value!r} is neither an interval like 7d nor an RFC 3339 date "
                                     "with a zone") from exc
        return value

    def cutoff(self, now: datetime) -> datetime | None:
        """The oldest publication time still wanted at ``now`` (None: no limit)."""
        if self.since is None:
            return None
        try:
            return now - timedelta(seconds=interval_seconds(self.since))
        except ValueError:
            return parse_time(self.since)


class PageAction(_Item):
    """One browser action on a rendered page (scrapy-playwright ``PageMethod`` as data)."""

    action: Literal["wait_for_selector", "scroll_to_bottom", "click", "wait_for_timeout"]
    selector: str | None = None
    times: int = Field(default=1, ge=1, le=100)
    ms: int = Field(default=500, ge=0, le=60000)


class Robots(_Item):
    """robots.txt is obeyed unless an override carries a written reason."""

    obey: bool = True
    reason: str | None = None

    @model_validator(mode="after")
    def _reason(self) -> Robots:
        if not self.obey and not (self.reason and self.reason.strip()):
            raise ValueError("robots.obey: false needs a written 'reason'")
        return self


def is_xpath(selector: str) -> bool:
    """True when a selector of ``html:`` is XPath (starts with ``/``, ``(``, ``./`` or ``..``), else CSS."""
    return selector.lstrip().startswith(("/", "(", "./", ".."))


def _check_selector(selector: str) -> str:
    from cssselect import SelectorError
    from lxml import etree
    from parsel.csstranslator import HTMLTranslator

    try:
        if is_xpath(selector):
            etree.XPath(selector)
        else:
            HTMLTranslator().css_to_xpath(selector)
    except (SyntaxError, SelectorError) as exc:
        kind = "XPath" if is_xpath(selector) else "CSS"
        raise ValueError(f"invalid {kind} selector {selector!r}: {exc}") from exc
    return selector


class HtmlRules(_Item):
    """Link rules and field selectors for an ``html`` source.

    Each selector is CSS (``a.next``, ``a.next::attr(href)``) or XPath when it starts with ``/``, ``(``,
    ``./`` or ``..``. Inside ``item`` containers the field selectors are relative to the container.
    """

    item: str | None = None
    """Container of one post on a list page (list-only sites: every container is a post)."""
    item_link: str | None = None
    """Inside ``item``: the post's own link (default: the container's first link)."""
    item_id: str | None = None
    """Inside ``item``: a stable post id on the site, e.g. ``::attr(data-id)`` (default: none)."""
    detail_links: str | None = None
    """Links from a list page to detail pages."""
    detail_url: str | None = None
    """Regular expression a detail page's URL matches; without it a page is a list page when the list
    selectors match on it (or it is the start URL), else a detail page."""
    next_page: str | None = None
    """The link to the next list page."""
    title: str | None = None
    text: str | None = None
    """The post's text (all matches, one per line); default: the whole body, or the whole ``item``."""
    author: str | None = None
    published_at: str | None = None
    """The post date: ``datetime``/``content``/``title`` attributes are read first, then the text."""
    date_format: str | None = None
    """``strptime`` format tried before the built-in date forms, e.g. ``%d.%m.%Y %H:%M``."""
    day_first: bool | None = None
    """Numeric dates like ``11/12/2026``: day first? Default from ``country`` (month first: PH, US)."""
    media: str | None = None
    """Images of the post (``img``, or elements with a URL attribute); default: images in ``text``."""

    @field_validator("item", "item_link", "item_id", "detail_links", "next_page", "title", "text", "author",
                     "published_at", "media")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return None if value is None else _check_selector(value)

    @field_validator("detail_url")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value


class SourceConfig(_Item):
    """One entry of ``sources.yaml``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    kind: SourceKind
    url: str | None = None
    """Start URL (html, feed) or API base URL (mastodon, bluesky)."""
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2 hint for phone numbers, e.g. ``TH``; also picks the zone of dates without one."""
    timezone: str | None = None
    """IANA zone of dates written without one on the pages (default: the country's capital's zone)."""
    schedule: Schedule | None = None
    paused: bool = False
    render: bool = False
    """Fetch through Chromium (scrapy-playwright) for JavaScript sites."""
    page_actions: list[PageAction] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    allowed_domains: list[str] = Field(default_factory=list)
    robots: Robots = Field(default_factory=Robots)
    fetch_media: bool = False
    html: HtmlRules | None = None
    channel: str | None = None
    """Telegram: the public channel name (``t.me/s/<channel>``)."""
    hashtags: list[str] = Field(default_factory=list)
    """Mastodon: hashtag timelines to read."""
    accounts: list[str] = Field(default_factory=list)
    """Mastodon / Bluesky: accounts (handles) whose posts to read."""
    query: str | None = None
    """Bluesky: ``app.bsky.feed.searchPosts`` query."""
    description: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)

    @model_validator(mode="after")
    def _kind_options(self) -> SourceConfig:
        needs_url = {"html", "feed", "mastodon", "bluesky"}
        if self.kind in needs_url and not self.url:
            raise ValueError(f"a {self.kind} source needs 'url'")
        if self.kind == "html" and self.html is None:
            raise ValueError("an html source needs 'html' selectors")
        if self.kind == "telegram" and not (self.channel or self.url):
            raise ValueError("a telegram source needs 'channel' (or 'url')")
        if self.kind == "mastodon" and not (self.hashtags or self.accounts):
            raise ValueError("a mastodon source needs 'hashtags' or 'accounts'")
        if self.kind == "bluesky" and not (self.query or self.accounts):
            raise ValueError("a bluesky source needs 'query' or 'accounts'")
        if self.page_actions and not self.render:
            raise ValueError("'page_actions' need 'render: true'")
        return self


class SourcesFile(_Item):
    """All of ``sources.yaml``."""

    sources: list[SourceConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} appears twice")
            seen.add(source.id)
        return self

    def get(self, source_id: str) -> SourceConfig:
        """The source with this id; KeyError names the known ids."""
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources) or "none"
        raise KeyError(f"no source {source_id!r} in sources.yaml (known: {known})")
