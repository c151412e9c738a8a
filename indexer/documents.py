"""Enriched records -> ``tipwatch-posts`` documents, and the update that writes one idempotently.

The document is the enriched record (``tipwatch.post/1``) plus:

- ``contacts[].key`` = ``kind:value`` and ``contact_keys`` (the same keys, flat, for filters and
  Kibana, where nested fields are awkward);
- ``first_seen`` / ``last_seen``: the earliest / latest ``fetched_at`` of the post's crawls;
- ``cluster_id`` and the near-duplicate state ``near`` (``cluster_bands``, ``cluster_sketch``,
  ``cluster_content``; see ``clusters.py``).

A write is an ``update`` with a partial ``doc`` (plus an ``upsert`` for a post not yet indexed): a new
post is created from the upsert (with ``first_seen``); a re-crawl merges the doc, which never contains
``first_seen`` unless an older crawl arrived late. No scripts: the merge decision is taken here, from the stored
``first_seen``/``last_seen`` read just before the write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tipwatch.contract import EnrichedPost, format_time, parse_time

RETRY_ON_CONFLICT = 3
"""Version conflicts (two writers on one post during a consumer rebalance) retried by Elasticsearch."""


def contact_key(kind: str, value: str) -> str:
    """The identifier key of a contact: ``phone:+85512345678``."""
    return f"{kind}:{value}"


def post_document(post: EnrichedPost) -> dict[str, Any]:
    """The index document of one enriched record, without the seen times and cluster fields."""
    doc = post.to_json_dict()
    contacts = [{**contact, "key": contact_key(contact["kind"], contact["value"])} for contact in doc["contacts"]]
    doc["contacts"] = contacts
    doc["contact_keys"] = sorted({contact["key"] for contact in contacts})
    return doc


@dataclass(frozen=True)
class Stored:
    """What the index already holds for a post: its seen times and cluster."""

    first_seen: datetime
    last_seen: datetime
    cluster_id: str | None

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> Stored:
        """From a hit's ``_source`` (``first_seen``, ``last_seen``, ``cluster_id``)."""
        return cls(first_seen=parse_time(source["first_seen"]), last_seen=parse_time(source["last_seen"]),
                   cluster_id=source.get("cluster_id"))


@dataclass(frozen=True)
class Merged:
    """One post id's records of a batch folded into one: the latest content, the seen range."""

    post: EnrichedPost
    first_seen: datetime
    last_seen: datetime


def merge_records(posts: Sequence[EnrichedPost]) -> Merged:
    """Fold several records of the same post (in arrival order): the latest crawl's content wins."""
    if not posts:
        raise ValueError("merge_records needs at least one record")
    latest = posts[0]
    for post in posts[1:]:
        if post.fetched_at >= latest.fetched_at:
            latest = post
    return Merged(post=latest, first_seen=min(p.fetched_at for p in posts),
                  last_seen=max(p.fetched_at for p in posts))


def update_action(index: str, merged: Merged, stored: Stored | None, cluster_id: str,
                  near: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The bulk ``update`` for one post, or None when the stored document is already newer and complete.

    - new post: created from ``upsert`` (``first_seen`` = ``last_seen`` = its ``fetched_at``); the
      ``doc`` part, used only if another writer created the post meanwhile, just moves ``last_seen``;
    - re-crawl (``fetched_at`` >= stored ``last_seen``): content, ``last_seen`` and bands replaced,
      ``first_seen`` and ``cluster_id`` kept (no upsert: a post deleted meanwhile fails with 404, is
      retried and then created);
    - an older crawl arriving late: only an earlier ``first_seen`` is written, content untouched.
    """
    action: dict[str, Any] = {"_op_type": "update", "_index": index, "_id": merged.post.id,
                              "retry_on_conflict": RETRY_ON_CONFLICT}
    last_seen = format_time(merged.last_seen)
    if stored is None:
        doc = post_document(merged.post)
        action["doc"] = {"last_seen": last_seen}
        action["upsert"] = {**doc, "first_seen": format_time(merged.first_seen), "last_seen": last_seen,
                            "cluster_id": cluster_id, **(near or {})}
        return action
    partial: dict[str, Any] = {}
    if merged.last_seen >= stored.last_seen:
        partial = {**post_document(merged.post), "last_seen": last_seen,
                   "cluster_id": stored.cluster_id or cluster_id, **(near or {})}
    if merged.first_seen < stored.first_seen:
        partial["first_seen"] = format_time(merged.first_seen)
    if not partial:
        return None
    action["doc"] = partial
    return action
