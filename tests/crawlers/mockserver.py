"""A local HTTP server for crawler tests: the saved site under ``tests/crawlers/site/`` plus live routes.

Static files are served by extension; the routes below mimic what static files cannot: Telegram's
``?before=`` paging, Mastodon's and Bluesky's paginated JSON APIs, and the bad inputs (a wrong charset,
a 50 MB body, redirect loops, a server that fails and then recovers). Every request is logged in
``requests`` so tests can see what the crawler asked for (and what it never asked for).

    with MockServer() as server:
        server.url("/jobs/index.html")

``python -m tests.crawlers.mockserver [PORT]`` serves the site by hand.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SITE = Path(__file__).resolve().parent / "site"
TYPES = {
    ".html": "text/html; charset=utf-8", ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8", ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".js": "text/javascript; charset=utf-8",
}
HUGE_BYTES = 50 * 1024 * 1024
MASTODON_PAGE_CAP = 3
BLUESKY_PAGE_CAP = 2
"""Servers cap the page size whatever the client asks: here small, so paging is exercised."""
BLUESKY_TOKEN = "test-access-token"
BLUESKY_PASSWORD = "test-app-password"


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, dict[str, str], bytes]


class MockServer:
    """A threaded HTTP server on 127.0.0.1 with a free port, serving ``root``."""

    def __init__(self, root: Path = SITE, port: int = 0) -> None:
        self.root = root
        self.requests: list[Seen] = []
        self.counters: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="mockserver", daemon=True)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base + (path if path.startswith("/") else "/" + path)

    def paths(self) -> list[str]:
        """Paths (with query) requested so far, in order."""
        with self._lock:
            return [seen.path for seen in self.requests]

    def hit(self, name: str) -> int:
        """Count one more call of a stateful route; the new count."""
        with self._lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            return self.counters[name]

    def note(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def __enter__(self) -> MockServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _json(data: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": TYPES[".json"]}, json.dumps(data, ensure_ascii=False).encode("utf-8")


def _query(path: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(path).query).items()}


class _Routes:
    """The live routes; each returns (status, headers, body) or None to fall back to static files."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.table: list[tuple[re.Pattern[str], Callable[..., Reply | None]]] = [
            (re.compile(r"^/s/(?P<channel>[\w.-]+)$"), self.telegram),
            (re.compile(r"^/api/v1/timelines/tag/(?P<tag>[^/]+)$"), self.mastodon_tag),
            (re.compile(r"^/api/v1/accounts/lookup$"), self.mastodon_lookup),
            (re.compile(r"^/api/v1/accounts/(?P<account>\d+)/statuses$"), self.mastodon_account),
            (re.compile(r"^/xrpc/app\.bsky\.feed\.searchPosts$"), self.bluesky_search),
            (re.compile(r"^/xrpc/app\.bsky\.feed\.getAuthorFeed$"), self.bluesky_author),
            (re.compile(r"^/xrpc/com\.atproto\.server\.createSession$"), self.bluesky_session),
            (re.compile(r"^/bad/thai-tis620\.html$"), self.tis620),
            (re.compile(r"^/bad/invalid-utf8\.html$"), self.invalid_utf8),
            (re.compile(r"^/bad/loop-(?P<step>[ab])$"), self.loop),
            (re.compile(r"^/bad/spiral$"), self.spiral),
            (re.compile(r"^/bad/flaky\.html$"), self.flaky),
            (re.compile(r"^/bad/rate-limited\.html$"), self.rate_limited),
            (re.compile(r"^/bad/slow\.html$"), self.slow),
        ]

    def find(self, path: str) -> tuple[Callable[..., Reply | None], dict[str, str]] | None:
        for pattern, route in self.table:
            match = pattern.match(urlsplit(path).path)
            if match:
                return route, match.groupdict()
        return None

    def _file(self, relative: str) -> bytes | None:
        path = self.server.root / relative
        return path.read_bytes() if path.is_file() else None

    def telegram(self, seen: Seen, channel: str) -> Reply:
        before = _query(seen.path).get("before")
        page = self._file(f"telegram/{channel}/{'before-' + before if before else 'index'}.html")
        if page is None:
            page = self._file(f"telegram/{channel}/empty.html") or b""
        return 200, {"Content-Type": TYPES[".html"]}, page

    def _statuses(self, seen: Seen, keep: Callable[[dict[str, Any]], bool]) -> Reply:
        statuses = json.loads(self._file("mastodon/statuses.json") or b"[]")
        query = _query(seen.path)
        chosen = sorted((s for s in statuses if keep(s)), key=lambda s: int(s["id"]), reverse=True)
        if "max_id" in query:
            chosen = [s for s in chosen if int(s["id"]) < int(query["max_id"])]
        return _json(chosen[: min(int(query.get("limit", 20)), MASTODON_PAGE_CAP)])

    def mastodon_tag(self, seen: Seen, tag: str) -> Reply:
        return self._statuses(seen, lambda s: any(t["name"].lower() == tag.lower() for t in s.get("tags", [])))

    def mastodon_lookup(self, seen: Seen) -> Reply:
        acct = _query(seen.path).get("acct", "")
        for account in json.loads(self._file("mastodon/accounts.json") or b"[]"):
            if account["acct"] == acct:
                return _json(account)
        return _json({"error": "Record not found"}, 404)

    def mastodon_account(self, seen: Seen, account: str) -> Reply:
        return self._statuses(seen, lambda s: s["account"]["id"] == account)

    def _bluesky_page(self, seen: Seen, views: list[dict[str, Any]], wrap: bool) -> Reply:
        if "authorization" in seen.headers and seen.headers["authorization"] != f"Bearer {BLUESKY_TOKEN}":
            return _json({"error": "InvalidToken", "message": "Bad token"}, 401)
        query = _query(seen.path)
        start, limit = int(query.get("cursor", "0")), min(int(query.get("limit", "25")), BLUESKY_PAGE_CAP)
        page = views[start:start + limit]
        data: dict[str, Any] = {"feed": [{"post": view} for view in page]} if wrap else {"posts": page}
        if start + limit < len(views):
            data["cursor"] = str(start + limit)
        return _json(data)

    def bluesky_search(self, seen: Seen) -> Reply:
        words = _query(seen.path).get("q", "").lower().split()
        views = [v for v in json.loads(self._file("bluesky/posts.json") or b"[]")
                 if any(word in v["record"]["text"].lower() for word in words)]
        return self._bluesky_page(seen, views, wrap=False)

    def bluesky_author(self, seen: Seen) -> Reply:
        actor = _query(seen.path).get("actor", "")
        views = [v for v in json.loads(self._file("bluesky/posts.json") or b"[]") if v["author"]["handle"] == actor]
        return self._bluesky_page(seen, views, wrap=True)

    def bluesky_session(self, seen: Seen) -> Reply:
        login = json.loads(seen.body or b"{}")
        if login.get("password") != BLUESKY_PASSWORD:
            return _json({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
        return _json({"accessJwt": BLUESKY_TOKEN, "refreshJwt": "refresh", "handle": login.get("identifier"),
                      "did": "did:plc:tester"})

    def tis620(self, seen: Seen) -> Reply:
        html = (self._file("bad/thai-source.html") or b"").decode("utf-8")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode("cp874", "xmlcharrefreplace")

    def invalid_utf8(self, seen: Seen) -> Reply:
        html = self._file("bad/invalid-utf8-source.html") or b""
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.replace(b"@@BROKEN@@", b"\xff\xfe\xc3")

    def loop(self, seen: Seen, step: str) -> Reply:
        return 302, {"Location": f"/bad/loop-{'b' if step == 'a' else 'a'}"}, b""

    def spiral(self, seen: Seen) -> Reply:
        turn = int(_query(seen.path).get("turn", "0")) + 1
        return 302, {"Location": f"/bad/spiral?turn={turn}"}, b""

    def flaky(self, seen: Seen) -> Reply | None:
        if self.server.hit("flaky") <= 2:
            return 503, {"Content-Type": "text/plain"}, b"busy"
        return None

    def rate_limited(self, seen: Seen) -> Reply | None:
        if self.server.hit("rate-limited") <= 1:
            return 429, {"Content-Type": "text/plain", "Retry-After": "1"}, b"slow down"
        return None

    def slow(self, seen: Seen) -> Reply | None:
        if self.server.hit("slow") <= 1:
            threading.Event().wait(3.0)
        return None


def _handler_for(server: MockServer) -> type[BaseHTTPRequestHandler]:
    routes = _Routes(server)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tipwatch-mockserver"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _seen(self) -> Seen:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            server.note(seen)
            return seen

        def do_GET(self) -> None:
            self._answer(self._seen())

        def do_POST(self) -> None:
            self._answer(self._seen())

        def _answer(self, seen: Seen) -> None:
            path = urlsplit(seen.path).path
            if path in ("/bad/huge", "/bad/huge-chunked"):
                self._huge(chunked=path.endswith("chunked"))
                return
            found = routes.find(seen.path)
            reply = found[0](seen, **found[1]) if found else None
            if reply is None:
                reply = self._static(path)
            status, headers, body = reply
            self._send(status, headers, body)

        def _static(self, path: str) -> Reply:
            target = (server.root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if server.root.resolve() not in target.parents or not target.is_file():
                return 404, {"Content-Type": TYPES[".html"]}, b"<html><body><h1>Not found</h1></body></html>"
            content_type = TYPES.get(target.suffix, "application/octet-stream")
            return 200, {"Content-Type": content_type}, target.read_bytes()

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _huge(self, chunked: bool) -> None:
            block = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
            try:
                self.send_response(200)
                self.send_header("Content-Type", TYPES[".html"])
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(HUGE_BYTES))
                self.end_headers()
                for _ in range(HUGE_BYTES // len(block)):
                    if chunked:
                        self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                    else:
                        self.wfile.write(block)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up after DOWNLOAD_MAXSIZE, as it should
            self.close_connection = True

    return Handler


if __name__ == "__main__":
    with MockServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000) as running:
        print(f"serving {SITE} at {running.base}", flush=True)
        threading.Event().wait()
