"""Searching posts: query-string syntax over title, text and ``text_tokens``, filters, highlights,
and paging past 10,000 hits with a point in time + ``search_after``.

``PostSearch`` is the reusable part (``tipwatch search`` renders its hits): it opens a point in time
on the posts alias, pages through it in a stable order and closes it when done. Errors come back
as ``UserError`` with Elasticsearch's reason on one line (a bad query is the user's to fix).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from indexer.identifiers import parse_key
from tipwatch.config.settings import Settings
from tipwatch.errors import SearchUnavailable, UserError

log = logging.getLogger(__name__)

SEARCH_FIELDS = ["title^2", "text", "text_tokens"]
HIGHLIGHT_FIELDS = ("text", "text_tokens", "title")
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
"""Highlight markers inside snippets; renderers turn them into bold text or ``<em>`` tags."""
DATE_FIELDS = ("first_seen", "last_seen", "published_at", "fetched_at")
RISK_LEVELS = ("low", "medium", "high")
MAX_PAGE = 10_000
INTERNAL_FIELDS = ["cluster_bands", "cluster_sketch", "cluster_content"]
"""Near-duplicate state, never shown."""
_RELATIVE = re.compile(r"^(\d+)([smhdwMy])$")
_ABSOLUTE = re.compile(r"^\d{4}-\d{2}(-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?$")
_DATE_MATH = re.compile(r"^now([+-]\d+[smhdwMy])*(/[smhdwMy])?$")


def time_bound(text: str) -> str:
    """``7d`` -> ``now-7d``; RFC 3339 / ISO dates and Elasticsearch date math pass through."""
    value = text.strip()
    match = _RELATIVE.match(value)
    if match:
        return f"now-{match.group(1)}{match.group(2)}"
    if _ABSOLUTE.match(value) or _DATE_MATH.match(value):
        return value.replace(" ", "T")
    raise UserError(f"cannot read the time {text!r}: use a date (2026-11-01), an RFC 3339 time, "
                    f"or an age such as 24h, 7d, 2w")


@dataclass(frozen=True)
class SearchRequest:
    """What an analyst asks for; every filter is optional and filters combine with AND."""

    query: str = ""
    languages: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    date_field: str = "first_seen"
    sort: Literal["relevance", "newest", "oldest"] = "relevance"

    def body(self) -> dict[str, Any]:
        """The ``query`` part of the search request."""
        if self.date_field not in DATE_FIELDS:
            raise UserError(f"--date-field must be one of {', '.join(DATE_FIELDS)}")
        must: list[dict[str, Any]] = []
        if self.query.strip():
            must.append({"query_string": {"query": self.query, "fields": SEARCH_FIELDS,
                                          "default_operator": "AND"}})
        filters: list[dict[str, Any]] = []
        if self.languages:
            filters.append({"terms": {"language.code": [code.lower() for code in self.languages]}})
        for contact in self.contacts:
            kind, value = parse_key(contact)
            filters.append({"term": {"contact_keys": f"{kind}:{value}"}})
        if self.risks:
            unknown = sorted(set(self.risks) - set(RISK_LEVELS))
            if unknown:
                raise UserError(f"--risk must be one of {', '.join(RISK_LEVELS)} (got {', '.join(unknown)})")
            filters.append({"terms": {"risk.level": list(self.risks)}})
        if self.sources:
            filters.append({"terms": {"source.id": list(self.sources)}})
        bounds = {}
        if self.since:
            bounds["gte"] = time_bound(self.since)
        if self.until:
            bounds["lt"] = time_bound(self.until)
        if bounds:
            filters.append({"range": {self.date_field: bounds}})
        if not must and not filters:
            return {"match_all": {}}
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    def sort_spec(self) -> list[dict[str, Any]]:
        """A total order for ``search_after``: the chosen key, then the shard doc as tie-breaker."""
        if self.sort == "relevance":
            return [{"_score": "desc"}, {"_shard_doc": "asc"}]
        order = "desc" if self.sort == "newest" else "asc"
        return [{self.date_field: {"order": order, "missing": "_last"}}, {"_shard_doc": "asc"}]


@dataclass(frozen=True)
class Hit:
    """One matching post: its stored fields and highlighted fragments (with MARK_OPEN/MARK_CLOSE)."""

    id: str
    score: float | None
    source: Mapping[str, Any]
    highlights: Mapping[str, list[str]] = field(default_factory=dict)

    def snippet(self, length: int = 200) -> str:
        """The best highlighted fragment, or the start of the text."""
        for name in HIGHLIGHT_FIELDS:
            fragments = self.highlights.get(name)
            if fragments:
                return " … ".join(fragments)
        text = str(self.source.get("text") or "")
        return text[:length] + ("…" if len(text) > length else "")


def error_line(exc: ApiError) -> str:
    """Elasticsearch's reason for a failed search, on one line (the deepest cause of the first failure)."""
    body = exc.body if isinstance(exc.body, Mapping) else {}
    error = body.get("error")
    if not isinstance(error, Mapping):
        return " ".join(str(exc.message or exc).split())
    failures = error.get("failed_shards") or []
    node: Any = failures[0].get("reason", error) if failures else (error.get("root_cause") or [error])[0]
    reasons = []
    while isinstance(node, Mapping):
        if node.get("reason"):
            reasons.append(str(node["reason"]))
        node = node.get("caused_by")
    reason = reasons[1] if len(reasons) > 1 and reasons[0].startswith("Failed to parse query") else reasons[0]
    reason = reason.split("Was expecting")[0]
    return " ".join(reason.split()) or "unknown error"


def translate(exc: ApiError | TransportError, settings: Settings) -> UserError:
    """A one-sentence UserError for a failed search."""
    if isinstance(exc, TransportError):
        hosts = ", ".join(settings.elasticsearch.hosts)
        return SearchUnavailable(f"cannot reach Elasticsearch at {hosts} ({type(exc).__name__}); "
                                 f"start it with 'tipwatch stack up' or fix elasticsearch.hosts")
    if exc.status_code in (401, 403):
        return SearchUnavailable(f"Elasticsearch refused the credentials: {error_line(exc)}")
    if exc.status_code == 404:
        return UserError(f"no posts index {settings.index('posts')}: run 'tipwatch setup' ({error_line(exc)})")
    if exc.status_code == 400:
        return UserError(f"bad query: {error_line(exc)}")
    return SearchUnavailable(f"search failed ({exc.status_code}): {error_line(exc)}")


class PostSearch:
    """Pages through every post matching a request (point in time + ``search_after``)."""

    def __init__(self, client: Elasticsearch, settings: Settings, request: SearchRequest, *,
                 page_size: int = 500, keep_alive: str = "2m", highlight: bool = True) -> None:
        self.client = client
        self.settings = settings
        self.request = request
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self.keep_alive = keep_alive
        self.highlight = highlight
        self.total: int | None = None
        self._pit: str | None = None

    def __enter__(self) -> PostSearch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the point in time."""
        if self._pit is not None:
            pit, self._pit = self._pit, None
            try:
                self.client.close_point_in_time(id=pit)
            except (ApiError, TransportError) as exc:
                log.debug("closing the point in time failed (it expires after %s): %s", self.keep_alive, exc)

    def _search(self, size: int, after: list[Any] | None) -> dict[str, Any]:
        if self._pit is None:
            self._pit = self.client.open_point_in_time(index=self.settings.index("posts"),
                                                       keep_alive=self.keep_alive)["id"]
        options: dict[str, Any] = {}
        if after is not None:
            options["search_after"] = after
        if self.highlight:
            options["highlight"] = {
                "fields": {name: {} for name in HIGHLIGHT_FIELDS}, "pre_tags": [MARK_OPEN],
                "post_tags": [MARK_CLOSE], "fragment_size": 160, "number_of_fragments": 2,
                "max_analyzed_offset": 1_000_000,
            }
        response = self.client.search(
            pit={"id": self._pit, "keep_alive": self.keep_alive}, query=self.request.body(), size=size,
            sort=self.request.sort_spec(), track_total_hits=after is None, source_excludes=INTERNAL_FIELDS,
            **options,
        )
        self._pit = response.get("pit_id", self._pit)
        return response.body

    def hits(self, limit: int | None = None) -> Iterator[Hit]:
        """Yield matching posts in order, at most ``limit`` (None: all of them)."""
        after: list[Any] | None = None
        given = 0
        try:
            while limit is None or given < limit:
                size = self.page_size if limit is None else min(self.page_size, limit - given)
                response = self._search(size, after)
                if after is None:
                    self.total = int(response["hits"]["total"]["value"])
                page = response["hits"]["hits"]
                for raw in page:
                    given += 1
                    yield Hit(id=raw["_id"], score=raw.get("_score"), source=raw["_source"],
                              highlights=raw.get("highlight", {}))
                if len(page) < size:
                    return
                after = page[-1]["sort"]
        except (ApiError, TransportError) as exc:
            raise translate(exc, self.settings) from exc
        finally:
            self.close()


@dataclass(frozen=True)
class SearchResult:
    """A first page of hits and the exact number of matches."""

    total: int
    hits: list[Hit]


def search_posts(client: Elasticsearch, settings: Settings, request: SearchRequest, *,
                 limit: int = 20) -> SearchResult:
    """The first ``limit`` hits and the total (for callers that do not page)."""
    with PostSearch(client, settings, request, page_size=limit) as search:
        hits = list(search.hits(limit))
        return SearchResult(total=search.total or 0, hits=hits)
