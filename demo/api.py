"""The JSON APIs of the demo: a Mastodon-compatible instance and a Bluesky-AppView-compatible endpoint.

Each handler takes the corpus, the server's base URL and the query parameters and returns an
``ApiResponse`` (status, JSON body, extra headers). Only the calls tipwatch's crawlers make are served:

- Mastodon: ``/api/v1/timelines/tag/<tag>``, ``/api/v1/accounts/lookup?acct=``, ``/api/v1/accounts/<id>``,
  ``/api/v1/accounts/<id>/statuses``, ``/api/v1/statuses/<id>``; ``limit`` (20, at most 40) and
  ``max_id`` / ``since_id`` / ``min_id`` paging with a ``Link`` header, as Mastodon does.
- Bluesky: ``app.bsky.feed.searchPosts?q=`` (every term must occur; ``cursor`` is an offset) and
  ``app.bsky.feed.getAuthorFeed?actor=`` (``cursor`` is the last post's record key), ``app.bsky.actor.getProfile``;
  ``limit`` 25 by default, at most 100.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from demo.corpus import (
    BlueskyActor,
    Corpus,
    MastodonAccount,
    Post,
    bluesky_cid,
    bluesky_rkey,
    mastodon_status_id,
    newest_first,
)
from demo.markup import bluesky_facets, hashtags, mastodon_html

Params = Mapping[str, str]


@dataclass(frozen=True)
class ApiResponse:
    """What the server sends: an HTTP status, a JSON-serialisable body and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _iso(value: datetime) -> str:
    """``2026-10-02T03:08:00.000Z``: the UTC form both APIs use."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _limit(params: Params, default: int, maximum: int) -> int | None:
    raw = params.get("limit")
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        return None
    return min(int(raw), maximum)


# --- Mastodon -------------------------------------------------------------------------------------------


def _mastodon_error(status: int, message: str) -> ApiResponse:
    return ApiResponse(status, {"error": message})


def mastodon_account(corpus: Corpus, account: MastodonAccount, base: str) -> dict[str, Any]:
    """An Account entity."""
    statuses = corpus.of("mastodon")
    own = [post for post in statuses if post.author == account.username]
    return {
        "id": account.id, "username": account.username, "acct": account.username,
        "display_name": account.display_name, "locked": False, "bot": account.username == "mekongjobs",
        "discoverable": True, "group": False, "created_at": _iso(account.created_at),
        "note": f"<p>{account.note}</p>", "url": f"{base}/@{account.username}",
        "uri": f"{base}/users/{account.username}",
        "avatar": f"{base}/static/avatar.svg", "avatar_static": f"{base}/static/avatar.svg",
        "header": f"{base}/static/header.svg", "header_static": f"{base}/static/header.svg",
        "followers_count": account.followers, "following_count": 12, "statuses_count": len(own),
        "last_status_at": own[0].utc.date().isoformat() if own else None, "emojis": [], "fields": [],
    }


def mastodon_status(corpus: Corpus, post: Post, base: str) -> dict[str, Any]:
    """A Status entity with HTML ``content``."""
    account = corpus.account(post.author)
    assert account is not None
    status_id = mastodon_status_id(post)
    tags = list(dict.fromkeys([*post.tags, *hashtags(post.text)]))
    return {
        "id": status_id, "created_at": _iso(post.published_at), "in_reply_to_id": None,
        "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "", "visibility": "public",
        "language": post.language, "uri": f"{base}/users/{account.username}/statuses/{status_id}",
        "url": f"{base}/@{account.username}/{status_id}", "replies_count": 0, "reblogs_count": post.number % 5,
        "favourites_count": post.number % 11, "edited_at": None, "content": mastodon_html(post.text, base),
        "reblog": None, "application": None, "account": mastodon_account(corpus, account, base),
        "media_attachments": [], "mentions": [],
        "tags": [{"name": tag.lower(), "url": f"{base}/tags/{quote(tag)}"} for tag in tags],
        "emojis": [], "card": None, "poll": None,
    }


def _statuses(corpus: Corpus, posts: list[Post], base: str, path: str, params: Params) -> ApiResponse:
    """One page of a timeline (newest first) with Mastodon's id paging and ``Link`` header."""
    limit = _limit(params, 20, 40)
    if limit is None:
        return _mastodon_error(422, "Validation failed: limit must be a positive integer")
    entries = [(int(mastodon_status_id(post)), post) for post in newest_first(posts)]
    bounds = {name: params.get(name, "") for name in ("max_id", "since_id", "min_id")}
    for name, value in bounds.items():
        if value and not value.isdigit():
            return _mastodon_error(422, f"Validation failed: {name} must be a status id")
    if bounds["max_id"]:
        entries = [entry for entry in entries if entry[0] < int(bounds["max_id"])]
    lower = bounds["min_id"] or bounds["since_id"]
    if lower:
        entries = [entry for entry in entries if entry[0] > int(lower)]
    page = entries[-limit:] if bounds["min_id"] else entries[:limit]
    headers = {}
    if page:
        query = {key: value for key, value in params.items() if key not in ("max_id", "since_id", "min_id")}
        next_url = f"{base}{path}?{urlencode({**query, 'max_id': page[-1][0]})}"
        prev_url = f"{base}{path}?{urlencode({**query, 'min_id': page[0][0]})}"
        headers["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
    return ApiResponse(200, [mastodon_status(corpus, post, base) for _, post in page], headers)


def _find_account(corpus: Corpus, account_id: str) -> MastodonAccount | None:
    return next((account for account in corpus.mastodon_accounts if account.id == account_id), None)


def mastodon(corpus: Corpus, base: str, path: str, params: Params) -> ApiResponse:
    """Answer one ``/api/v1/…`` request."""
    parts = path.strip("/").split("/")[2:]  # after "api", "v1"
    posts = corpus.of("mastodon")
    if len(parts) == 3 and parts[:2] == ["timelines", "tag"]:
        tag = parts[2].casefold()
        tagged = [post for post in posts
                  if tag in {name.casefold() for name in [*post.tags, *hashtags(post.text)]}]
        return _statuses(corpus, tagged, base, path, params)
    if parts == ["accounts", "lookup"]:
        username = params.get("acct", "").lstrip("@").split("@")[0]
        account = corpus.account(username)
        if account is None:
            return _mastodon_error(404, "Record not found")
        return ApiResponse(200, mastodon_account(corpus, account, base))
    if len(parts) in (2, 3) and parts[0] == "accounts":
        account = _find_account(corpus, parts[1])
        if account is None:
            return _mastodon_error(404, "Record not found")
        if len(parts) == 2:
            return ApiResponse(200, mastodon_account(corpus, account, base))
        if parts[2] == "statuses":
            own = [post for post in posts if post.author == account.username]
            return _statuses(corpus, own, base, path, params)
    if len(parts) == 2 and parts[0] == "statuses":
        post = next((post for post in posts if mastodon_status_id(post) == parts[1]), None)
        if post is None:
            return _mastodon_error(404, "Record not found")
        return ApiResponse(200, mastodon_status(corpus, post, base))
    if parts == ["instance"]:
        return ApiResponse(200, {"uri": base.split("://", 1)[-1], "title": "mekong.social (tipwatch demo)",
                                 "short_description": "A fictional Mastodon-compatible instance for the tipwatch demo.",
                                 "version": "4.3.0 (compatible; tipwatch-demo)", "languages": ["en"]})
    return _mastodon_error(404, "Not Found")


# --- Bluesky --------------------------------------------------------------------------------------------


def _bsky_error(message: str, status: int = 400, error: str = "InvalidRequest") -> ApiResponse:
    return ApiResponse(status, {"error": error, "message": message})


def _profile_basic(actor: BlueskyActor, base: str) -> dict[str, Any]:
    return {"did": actor.did, "handle": actor.handle, "displayName": actor.display_name,
            "avatar": f"{base}/static/avatar.svg", "labels": [], "createdAt": _iso(actor.created_at)}


def bluesky_post_view(corpus: Corpus, post: Post, base: str) -> dict[str, Any]:
    """A ``app.bsky.feed.defs#postView`` of one post."""
    actor = corpus.actor(post.author)
    assert actor is not None
    uri = f"at://{actor.did}/app.bsky.feed.post/{bluesky_rkey(post)}"
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso(post.published_at),
                              "langs": [post.language], "text": post.text}
    facets = bluesky_facets(post.text)
    if facets:
        record["facets"] = facets
    return {"uri": uri, "cid": bluesky_cid(uri, post.text), "author": _profile_basic(actor, base), "record": record,
            "replyCount": 0, "repostCount": post.number % 4, "likeCount": post.number % 9, "quoteCount": 0,
            "indexedAt": _iso(post.published_at), "labels": []}


def _matches(post: Post, terms: list[str]) -> bool:
    text = post.text.casefold()
    return all(term in text for term in terms)


def _search(corpus: Corpus, base: str, params: Params) -> ApiResponse:
    query = params.get("q", "").strip()
    if not query:
        return _bsky_error("Error: Params must have the property \"q\"")
    limit = _limit(params, 25, 100)
    cursor = params.get("cursor", "0") or "0"
    if limit is None or not cursor.isdigit():
        return _bsky_error("Error: limit must be 1..100 and cursor an offset")
    found = [post for post in corpus.of("bluesky") if _matches(post, query.casefold().split())]
    if params.get("author"):
        actor = corpus.actor(params["author"])
        found = [post for post in found if actor is not None and post.author == actor.handle]
    start = int(cursor)
    page = found[start:start + limit]
    body: dict[str, Any] = {"hitsTotal": len(found), "posts": [bluesky_post_view(corpus, post, base) for post in page]}
    if start + limit < len(found):
        body["cursor"] = str(start + limit)
    return ApiResponse(200, body)


def _author_feed(corpus: Corpus, base: str, params: Params) -> ApiResponse:
    actor = corpus.actor(params.get("actor", ""))
    if actor is None:
        return _bsky_error("Profile not found")
    limit = _limit(params, 25, 100)
    if limit is None:
        return _bsky_error("Error: limit must be 1..100")
    own = [post for post in corpus.of("bluesky") if post.author == actor.handle]
    cursor = params.get("cursor")
    if cursor:  # the record key (a TID, sortable as text) of the last post already sent
        own = [post for post in own if bluesky_rkey(post) < cursor]
    page = own[:limit]
    body: dict[str, Any] = {"feed": [{"post": bluesky_post_view(corpus, post, base)} for post in page]}
    if len(own) > limit:
        body["cursor"] = bluesky_rkey(page[-1])
    return ApiResponse(200, body)


def _profile(corpus: Corpus, base: str, params: Params) -> ApiResponse:
    actor = corpus.actor(params.get("actor", ""))
    if actor is None:
        return _bsky_error("Profile not found")
    posts = [post for post in corpus.of("bluesky") if post.author == actor.handle]
    return ApiResponse(200, {**_profile_basic(actor, base), "description": actor.description,
                             "postsCount": len(posts), "followersCount": 40 + len(posts) * 7, "followsCount": 3})


XRPC: dict[str, Callable[[Corpus, str, Params], ApiResponse]] = {
    "app.bsky.feed.searchPosts": _search,
    "app.bsky.feed.getAuthorFeed": _author_feed,
    "app.bsky.actor.getProfile": _profile,
}
"""The XRPC methods the demo answers."""


def bluesky(corpus: Corpus, base: str, method: str, params: Params) -> ApiResponse:
    """Answer one ``/xrpc/<method>`` request."""
    handler = XRPC.get(method)
    if handler is None:
        return _bsky_error(f"Method not implemented: {method}", 501, "MethodNotImplemented")
    return handler(corpus, base, params)
