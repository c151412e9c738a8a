"""Bluesky through the AppView XRPC API: ``app.bsky.feed.searchPosts`` and ``app.bsky.feed.getAuthorFeed``.

``url`` is the API base (the public AppView ``https://public.api.bsky.app``, or your PDS when you log
in). Optional credentials come from the environment only: ``TIPWATCH_BLUESKY_IDENTIFIER`` and
``TIPWATCH_BLUESKY_APP_PASSWORD`` (an app password); then the crawl first creates a session at
``TIPWATCH_BLUESKY_PDS`` (default: ``url``) and sends its access token with every request. The login
exchange is never archived, and ``Authorization`` headers are redacted in the WARC files.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response

from crawlers.downloadermiddlewares.evidence import SKIP_KEY
from crawlers.spiders.base import SourceSpider, host_of

PAGE_SIZE = 100
IDENTIFIER_ENV = "TIPWATCH_BLUESKY_IDENTIFIER"
PASSWORD_ENV = "TIPWATCH_BLUESKY_APP_PASSWORD"
PDS_ENV = "TIPWATCH_BLUESKY_PDS"


class BlueskySpider(SourceSpider):
    """Search results (``query``) and author feeds (``accounts``); ``cursor`` paging comes from the parser."""

    name = "bluesky"
    kind: ClassVar[str] = "bluesky"
    accept: ClassVar[str | None] = "application/json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_token: str | None = None

    def start_urls_of_source(self) -> Sequence[str]:
        base = str(self.source.url).rstrip("/")
        urls = []
        if self.source.query:
            urls.append(f"{base}/xrpc/app.bsky.feed.searchPosts?q={quote(self.source.query, safe='')}"
                        f"&limit={PAGE_SIZE}")
        urls += [f"{base}/xrpc/app.bsky.feed.getAuthorFeed?actor={quote(handle.lstrip('@'), safe='@.:')}"
                 f"&limit={PAGE_SIZE}" for handle in self.source.accounts]
        return urls

    def domains(self) -> list[str]:
        domains = super().domains()
        pds = host_of(os.environ.get(PDS_ENV))
        return [*domains, pds] if pds else domains

    def request_headers(self) -> dict[str, str]:
        headers = super().request_headers()
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    async def start(self) -> AsyncIterator[Request]:
        identifier, password = os.environ.get(IDENTIFIER_ENV), os.environ.get(PASSWORD_ENV)
        if not (identifier and password):
            async for request in super().start():
                yield request
            return
        pds = (os.environ.get(PDS_ENV) or str(self.source.url)).rstrip("/")
        yield Request(
            f"{pds}/xrpc/com.atproto.server.createSession", method="POST",
            body=json.dumps({"identifier": identifier, "password": password}),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            meta={SKIP_KEY: True}, callback=self.logged_in, errback=self.on_error, dont_filter=True,
        )

    def logged_in(self, response: Response) -> Iterator[Request]:
        """Keep the session's access token, then start the crawl."""
        self.access_token = json.loads(response.text)["accessJwt"]
        for url in self.start_urls_of_source():
            request = self.page_request(url)
            if request is not None:
                yield request
