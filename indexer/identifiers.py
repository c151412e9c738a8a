"""The identifier network: where a phone number, handle or wallet appears, computed by aggregation.

- ``identifier_report``: one identifier's posts, sources, countries, languages, first/last seen and
  the identifiers that co-occur with it in the same posts;
- ``top_identifiers``: the identifiers seen in the most sources;
- ``recompute_identifiers``: the materialised ``tipwatch-identifiers`` copy (one document per
  ``kind:value``) for Kibana, rebuilt from the posts into a fresh index and swapped behind the alias
  atomically, so readers always see a complete set and nothing is ever counted incrementally.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from tipwatch.config.settings import Settings
from tipwatch.contract import format_time, utc_now
from tipwatch.errors import UserError
from tipwatch.setup.templates import load_templates

log = logging.getLogger(__name__)

HANDLE_KINDS = frozenset({"telegram", "line", "wechat", "signal", "facebook", "instagram", "tiktok"})
POST_FIELDS = ["id", "url", "title", "source.id", "language.code", "risk.level", "first_seen", "last_seen",
               "cluster_id"]


def parse_key(text: str) -> tuple[str, str]:
    """``KIND:VALUE`` -> (kind, value), lightly normalised as enrichment stores it.

    Phones keep ``+`` and digits, e-mails and handles are lower-cased (handles without ``@``),
    wallets and URLs are kept as written.
    """
    kind, sep, value = text.strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or not kind or not value:
        raise UserError(f"expected KIND:VALUE such as phone:+85512345678 or telegram:somehandle, got {text!r}")
    if kind in ("phone", "whatsapp"):
        value = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    elif kind == "email":
        value = value.lower()
    elif kind in HANDLE_KINDS:
        value = value.lstrip("@").lower()
    return kind, value


def _buckets(aggs: Mapping[str, Any], name: str) -> list[tuple[str, int]]:
    return [(str(b["key"]), int(b["doc_count"])) for b in aggs[name]["buckets"]]


@dataclass(frozen=True)
class IdentifierReport:
    """One identifier across every post and source it appears in."""

    key: str
    posts: int
    sources: list[tuple[str, int]]
    countries: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    risk_levels: list[tuple[str, int]]
    clusters: int
    first_seen: str | None
    last_seen: str | None
    cooccurring: list[tuple[str, int]]
    recent_posts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (pairs become objects)."""
        def pairs(items: list[tuple[str, int]], label: str) -> list[dict[str, Any]]:
            return [{label: key, "posts": count} for key, count in items]

        return {
            "key": self.key, "posts": self.posts, "sources": pairs(self.sources, "source"),
            "countries": pairs(self.countries, "country"), "languages": pairs(self.languages, "language"),
            "risk_levels": pairs(self.risk_levels, "level"), "clusters": self.clusters,
            "first_seen": self.first_seen, "last_seen": self.last_seen,
            "cooccurring": pairs(self.cooccurring, "key"), "recent_posts": self.recent_posts,
        }


def identifier_report(client: Elasticsearch, settings: Settings, key: str, *, posts: int = 20,
                      cooccurring: int = 20) -> IdentifierReport:
    """Aggregate the posts that carry ``key`` (``kind:value``)."""
    kind, value = parse_key(key)
    key = f"{kind}:{value}"
    response = client.search(
        index=settings.index("posts"), query={"term": {"contact_keys": key}}, size=posts,
        sort=[{"last_seen": "desc"}, {"id": "asc"}], source_includes=POST_FIELDS, track_total_hits=True,
        aggs={
            "sources": {"terms": {"field": "source.id", "size": 100}},
            "countries": {"terms": {"field": "source.country", "size": 50}},
            "languages": {"terms": {"field": "language.code", "size": 50}},
            "risk_levels": {"terms": {"field": "risk.level", "size": 5}},
            "clusters": {"cardinality": {"field": "cluster_id"}},
            "first_seen": {"min": {"field": "first_seen"}},
            "last_seen": {"max": {"field": "last_seen"}},
            "contacts": {"nested": {"path": "contacts"}, "aggs": {"keys": {
                "terms": {"field": "contacts.key", "size": cooccurring, "exclude": [key],
                          "order": [{"posts": "desc"}, {"_key": "asc"}]},
                "aggs": {"posts": {"reverse_nested": {}}},
            }}},
        },
    )
    aggs = response["aggregations"]
    return IdentifierReport(
        key=key, posts=int(response["hits"]["total"]["value"]), sources=_buckets(aggs, "sources"),
        countries=_buckets(aggs, "countries"), languages=_buckets(aggs, "languages"),
        risk_levels=_buckets(aggs, "risk_levels"), clusters=int(aggs["clusters"]["value"]),
        first_seen=aggs["first_seen"].get("value_as_string"), last_seen=aggs["last_seen"].get("value_as_string"),
        cooccurring=[(b["key"], int(b["posts"]["doc_count"])) for b in aggs["contacts"]["keys"]["buckets"]],
        recent_posts=[hit["_source"] for hit in response["hits"]["hits"]],
    )


@dataclass(frozen=True)
class IdentifierSummary:
    """One row of the identifiers seen in the most sources."""

    key: str
    sources: int
    posts: int
    first_seen: str | None
    last_seen: str | None


def top_identifiers(client: Elasticsearch, settings: Settings, *, size: int = 20,
                    kind: str | None = None) -> list[IdentifierSummary]:
    """The identifiers seen in the most distinct sources (then in the most posts)."""
    terms: dict[str, Any] = {"field": "contacts.key", "size": size,
                             "order": [{"posts>sources": "desc"}, {"posts": "desc"}, {"_key": "asc"}]}
    if kind:
        terms["include"] = f"{kind}:.*"
    response = client.search(index=settings.index("posts"), size=0, aggs={"contacts": {
        "nested": {"path": "contacts"}, "aggs": {"keys": {"terms": terms, "aggs": {"posts": {
            "reverse_nested": {}, "aggs": {
                "sources": {"cardinality": {"field": "source.id"}},
                "first_seen": {"min": {"field": "first_seen"}}, "last_seen": {"max": {"field": "last_seen"}},
            }}}}}}})
    return [
        IdentifierSummary(key=b["key"], sources=int(b["posts"]["sources"]["value"]), posts=int(b["posts"]["doc_count"]),
                          first_seen=b["posts"]["first_seen"].get("value_as_string"),
                          last_seen=b["posts"]["last_seen"].get("value_as_string"))
        for b in response["aggregations"]["contacts"]["keys"]["buckets"]
    ]


_RECOMPUTE_AGGS: dict[str, Any] = {
    "sources": {"terms": {"field": "source.id", "size": 50}},
    "source_count": {"cardinality": {"field": "source.id"}},
    "countries": {"terms": {"field": "source.country", "size": 20}},
    "languages": {"terms": {"field": "language.code", "size": 20}},
    "clusters": {"cardinality": {"field": "cluster_id"}},
    "first_seen": {"min": {"field": "first_seen"}},
    "last_seen": {"max": {"field": "last_seen"}},
    "max_risk": {"max": {"field": "risk.score"}},
    "high": {"filter": {"term": {"risk.level": "high"}}},
    "recent": {"top_hits": {"size": 20, "_source": False, "sort": [{"last_seen": "desc"}, {"id": "asc"}],
                            "docvalue_fields": ["id"]}},
    "co": {"nested": {"path": "contacts"}, "aggs": {"keys": {"terms": {"field": "contacts.key", "size": 21}}}},
}


def _identifier_documents(client: Elasticsearch, settings: Settings, computed_at: str,
                          page_size: int) -> Iterator[dict[str, Any]]:
    """One document per identifier, paging a composite aggregation over the nested contacts."""
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {"size": page_size, "sources": [{"key": {"terms": {"field": "contacts.key"}}}]}
        if after:
            composite["after"] = after
        response = client.search(index=settings.index("posts"), size=0, aggs={"contacts": {
            "nested": {"path": "contacts"}, "aggs": {"keys": {"composite": composite, "aggs": {
                "posts": {"reverse_nested": {}, "aggs": _RECOMPUTE_AGGS}}}}}})
        keys = response["aggregations"]["contacts"]["keys"]
        for bucket in keys["buckets"]:
            key = bucket["key"]["key"]
            posts = bucket["posts"]
            kind, _, value = key.partition(":")
            yield {
                "_id": key, "key": key, "kind": kind, "value": value, "posts": posts["doc_count"],
                "sources": posts["source_count"]["value"], "clusters": posts["clusters"]["value"],
                "high_risk_posts": posts["high"]["doc_count"], "max_risk": posts["max_risk"]["value"],
                "source_ids": [b["key"] for b in posts["sources"]["buckets"]],
                "countries": [b["key"] for b in posts["countries"]["buckets"]],
                "languages": [b["key"] for b in posts["languages"]["buckets"]],
                "first_seen": posts["first_seen"].get("value_as_string"),
                "last_seen": posts["last_seen"].get("value_as_string"),
                "post_ids": [hit["fields"]["id"][0] for hit in posts["recent"]["hits"]["hits"]],
                "cooccurring": [b["key"] for b in posts["co"]["keys"]["buckets"] if b["key"] != key][:20],
                "computed_at": computed_at,
            }
        after = keys.get("after_key")
        if not after or not keys["buckets"]:
            return


@dataclass(frozen=True)
class RecomputeReport:
    """The index the identifiers were rebuilt into and how many there are."""

    index: str
    identifiers: int
    deleted: list[str]


def _template_version(name: str) -> int:
    for template in load_templates():
        if template["name"] == name:
            return int(template["version"])
    raise UserError(f"no index template named {name!r} in indexer/templates")


def recompute_identifiers(client: Elasticsearch, settings: Settings, *, page_size: int = 500) -> RecomputeReport:
    """Rebuild ``tipwatch-identifiers`` from the posts into a new index and swap the alias to it."""
    alias = settings.index("identifiers")
    now = utc_now()
    index = f"{alias}-v{_template_version('identifiers')}-r{now.strftime('%Y%m%dt%H%M%S%f')}"
    client.indices.create(index=index)
    actions = ({"_index": index, **doc} for doc in _identifier_documents(client, settings, format_time(now), page_size))
    try:
        count, _errors = helpers.bulk(client, actions, chunk_size=1000, raise_on_error=True)
        client.indices.refresh(index=index)
    except BaseException:  # a failed round leaves no half-filled index behind (re-raised)
        client.indices.delete(index=index, ignore_unavailable=True)
        raise
    try:
        current = list(client.indices.get_alias(name=alias))
    except NotFoundError:
        current = []
    if any(name > index for name in current):
        client.indices.delete(index=index)
        log.info("a newer identifiers index (%s) is already live; dropped %s", max(current), index)
        return RecomputeReport(index=max(current), identifiers=0, deleted=[index])
    client.indices.update_aliases(actions=[
        {"add": {"index": index, "alias": alias, "is_write_index": True}},
        *({"remove": {"index": old, "alias": alias}} for old in current),
    ])
    stale = [name for name, body in client.indices.get(index=f"{alias}-v*").items()
             if name < index and alias not in body.get("aliases", {})]
    if stale:
        client.indices.delete(index=",".join(stale))
    log.info("identifiers recomputed: %d in %s (deleted %s)", count, index, stale)
    return RecomputeReport(index=index, identifiers=count, deleted=stale)
