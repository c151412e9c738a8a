"""The demo corpus: ``demo/posts.yaml`` loaded into typed, validated records.

Every page and API answer of the demo is derived from this one file, so the platform ids are derived
here too, deterministically: a Telegram message number and a job-board id are the number in the
post's ``id``; Mastodon status ids are snowflakes and Bluesky record keys are TIDs computed from the
publication time, as the real platforms do.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SourceName = Literal["jobboard", "classifieds", "telegram", "mastodon", "bluesky", "feed"]
SOURCE_PREFIX: dict[str, str] = {
    "jobboard": "jobs", "classifieds": "ads", "telegram": "tg", "mastodon": "masto", "bluesky": "bsky", "feed": "feed",
}
"""The ``id`` prefix of each source's posts (``jobs-10412``, ``tg-2140``…)."""
LANGUAGES = ("th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en")
"""The target languages a post may be labelled with (ISO 639-1)."""
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Post(_Model):
    """One post of the corpus, as the source shows it."""

    id: str = Field(pattern=r"^(jobs|ads|tg|masto|bsky|feed)-\d+$")
    source: SourceName
    channel: str | None = None
    """Telegram: the channel the message is in."""
    language: Literal["th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en"]
    mixed_with: str | None = None
    """A second language written in the post (an English advert with a Khmer phone line)."""
    scam: bool
    """True for scam-centre recruitment; False for genuine jobs and warnings."""
    published_at: datetime
    author: str
    """Company (job board), poster (classifieds, feed), channel (Telegram), account (Mastodon, Bluesky)."""
    title: str | None = None
    location: str | None = None
    salary: str | None = None
    tags: tuple[str, ...] = ()
    text: str = Field(min_length=1)
    contacts: tuple[str, ...] = ()
    """Identifiers written in the post, ``kind:value`` normalised (phones E.164, handles lower case)."""
    repost_of: str | None = None
    """The post this one re-posts with small edits (a near-duplicate)."""

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("published_at needs a UTC offset")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Post:
        if self.id.split("-")[0] != SOURCE_PREFIX[self.source]:
            raise ValueError(f"{self.id}: a {self.source} post's id starts with {SOURCE_PREFIX[self.source]}-")
        if (self.source == "telegram") != (self.channel is not None):
            raise ValueError(f"{self.id}: 'channel' is set on Telegram posts and only there")
        if self.source in ("jobboard", "classifieds", "feed") and not self.title:
            raise ValueError(f"{self.id}: a {self.source} post needs a title")
        return self

    @property
    def number(self) -> int:
        """The number in the id: job id, ad id, Telegram message number, feed item number."""
        return int(self.id.rsplit("-", 1)[1])

    @property
    def lines(self) -> list[str]:
        """The text's non-empty lines."""
        return [line for line in self.text.splitlines() if line.strip()]

    @property
    def utc(self) -> datetime:
        """``published_at`` in UTC."""
        return self.published_at.astimezone(UTC)


class Channel(_Model):
    """A public Telegram channel (``t.me/s/<name>``)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{4,31}$")
    title: str
    description: str
    subscribers: int = Field(ge=0)


class MastodonAccount(_Model):
    """A local account of the demo's Mastodon-compatible instance."""

    id: str = Field(pattern=r"^\d+$")
    username: str = Field(pattern=r"^[a-z0-9_]{1,30}$")
    display_name: str
    note: str
    created_at: datetime
    followers: int = Field(default=0, ge=0)


class BlueskyActor(_Model):
    """A Bluesky account of the demo's AppView-compatible endpoint."""

    handle: str = Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
    display_name: str
    description: str
    created_at: datetime

    @property
    def did(self) -> str:
        """A stable ``did:plc:`` identifier derived from the handle."""
        return "did:plc:" + _base32(hashlib.sha256(self.handle.encode()).digest())[:24]


class Corpus(_Model):
    """All of ``posts.yaml``: accounts first, then posts."""

    channels: tuple[Channel, ...]
    mastodon_accounts: tuple[MastodonAccount, ...]
    bluesky_actors: tuple[BlueskyActor, ...]
    posts: tuple[Post, ...]

    @model_validator(mode="after")
    def _references(self) -> Corpus:
        ids = [post.id for post in self.posts]
        duplicates = sorted({post_id for post_id in ids if ids.count(post_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate post ids: {', '.join(duplicates)}")
        known = {
            "telegram": {channel.name for channel in self.channels},
            "mastodon": {account.username for account in self.mastodon_accounts},
            "bluesky": {actor.handle for actor in self.bluesky_actors},
        }
        for post in self.posts:
            if post.source in known and post.author not in known[post.source]:
                raise ValueError(f"{post.id}: unknown {post.source} author {post.author!r}")
            if post.channel is not None and post.channel not in known["telegram"]:
                raise ValueError(f"{post.id}: unknown channel {post.channel!r}")
            if post.repost_of is not None and post.repost_of not in ids:
                raise ValueError(f"{post.id}: repost_of {post.repost_of!r} is not a post")
        return self

    @cached_property
    def by_id(self) -> dict[str, Post]:
        """Posts by id."""
        return {post.id: post for post in self.posts}

    def of(self, source: str, channel: str | None = None) -> list[Post]:
        """The posts of one source (one channel for Telegram), newest first."""
        found = [post for post in self.posts if post.source == source and (channel is None or post.channel == channel)]
        return newest_first(found)

    def account(self, username: str) -> MastodonAccount | None:
        """The Mastodon account with this username, if any."""
        return next((account for account in self.mastodon_accounts if account.username == username), None)

    def actor(self, handle_or_did: str) -> BlueskyActor | None:
        """The Bluesky actor with this handle or DID, if any."""
        return next((actor for actor in self.bluesky_actors if handle_or_did in (actor.handle, actor.did)), None)


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Posts sorted by publication time, newest first (ties: higher id number first)."""
    return sorted(posts, key=lambda post: (post.utc, post.number), reverse=True)


def _base32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").lower().rstrip("=")


def mastodon_status_id(post: Post) -> str:
    """A snowflake id like Mastodon's: milliseconds since the epoch, shifted, plus a sequence."""
    millis = int(post.utc.timestamp() * 1000)
    return str((millis << 16) | (post.number & 0xFFFF))


def bluesky_rkey(post: Post) -> str:
    """The record key: a TID (microseconds since the epoch and a clock id, base32-sortable)."""
    value = (int(post.utc.timestamp() * 1_000_000) << 10) | (post.number % 1024)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def bluesky_cid(uri: str, text: str) -> str:
    """A CIDv1-shaped content id (``bafyrei…``) derived from the record."""
    return "bafyrei" + _base32(hashlib.sha256(f"{uri}\n{text}".encode()).digest())[:52]


def load_corpus(path: Path | None = None) -> Corpus:
    """Read and validate ``posts.yaml`` (default: the one beside this module)."""
    path = path or Path(__file__).with_name("posts.yaml")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Corpus.model_validate(data)
