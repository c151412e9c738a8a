"""A deterministic corpus of raw posts for the reliability suite, built from the demo's texts.

``build_corpus(count, seed)`` turns the 242 demo posts into ``count`` valid ``tipwatch.post/1``
records: each record takes a demo post's text and adds a seeded variation (a reference line, a
changed salary figure, a reordered line), gets its own URL and therefore its own id. About 5 % of
the records (exactly ``count // 20``, chosen with the same seed) carry the canary word
``CANARY``, which the suite's alert rule looks for, so the expected alerts are known in advance.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from demo.corpus import Post, load_corpus
from tipwatch.contract import SCHEMA, RawPost, format_time, post_id
from tipwatch.stream import Producer

CANARY = "kestrelmark"
"""A made-up word: the reliability alert rule fires on every post that contains it."""
KINDS = {"jobboard": "html", "classifieds": "html", "telegram": "telegram", "mastodon": "mastodon",
         "bluesky": "bluesky", "feed": "feed"}
"""Demo source name -> tipwatch source kind."""
FETCHED_AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Corpus:
    """The records in production order, and the ids that must raise an alert."""

    records: tuple[RawPost, ...]
    canary_ids: frozenset[str]

    @property
    def ids(self) -> list[str]:
        """Every record id, in order."""
        return [record.id for record in self.records]


def _vary(text: str, rng: random.Random, number: int) -> str:
    """A small, seeded edit of ``text``: what reposts and re-crawls look like."""
    choice = rng.randrange(3)
    if choice == 0:
        return f"{text}\nRef {number:05d}-{rng.randrange(10_000):04d}"
    if choice == 1:
        digits = re.search(r"\d{3,}", text)
        if digits:
            replacement = str(int(digits.group()) + rng.randrange(1, 500))
            text = text[:digits.start()] + replacement + text[digits.end():]
        return f"{text}\n#{number}"
    lines = text.splitlines()
    if len(lines) > 2:
        lines[0], lines[1] = lines[1], lines[0]
    return "\n".join(lines) + f"\n({number})"


def _record(base: Post, number: int, text: str, fetched_at: datetime) -> RawPost:
    source_id = f"rel-{base.source}"
    url = f"https://reliability.example/{base.source}/{number}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RawPost.model_validate({
        "schema": SCHEMA,
        "id": post_id(source_id, url=url),
        "source": {"id": source_id, "kind": KINDS[base.source], "country": None},
        "url": url,
        "fetched_at": format_time(fetched_at),
        "published_at": format_time(base.utc),
        "author": {"name": base.author, "handle": None, "url": None},
        "title": base.title,
        "text": text,
        "links": [],
        "media": [],
        "evidence": {"sha256": digest},
        "crawl": {"job_id": "reliability", "spider": "reliability"},
    })


def build_corpus(count: int = 5000, seed: int = 20261124, fetched_at: datetime = FETCHED_AT) -> Corpus:
    """``count`` distinct raw records; exactly ``count // 20`` carry ``CANARY``."""
    posts = load_corpus().posts
    rng = random.Random(seed)
    canaries = set(rng.sample(range(count), count // 20))
    records = []
    for number in range(count):
        base = posts[number % len(posts)]
        text = _vary(base.text, rng, number)
        if number in canaries:
            text = f"{text}\n{CANARY}"
        stamp = fetched_at + timedelta(milliseconds=number)
        records.append(_record(base, number, text, stamp))
    canary_ids = frozenset(records[number].id for number in canaries)
    return Corpus(records=tuple(records), canary_ids=canary_ids)


def produce(producer: Producer, topic: str, records: Iterable[RawPost]) -> int:
    """Send records (key = id) and flush; how many were sent."""
    sent = 0
    for record in records:
        producer.send(topic, value=record.to_json(), key=record.id.encode())
        sent += 1
    producer.flush(timeout_s=120)
    return sent


def chunks(records: Sequence[RawPost], parts: int) -> list[Sequence[RawPost]]:
    """``records`` cut into ``parts`` consecutive slices (for producing while workers run)."""
    size = -(-len(records) // parts)
    return [records[start:start + size] for start in range(0, len(records), size)]
