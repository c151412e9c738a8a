"""The demo web server: ``demo/site`` plus the dynamic routes, on loopback.

    serve(host="127.0.0.1", port=0) -> (server, base_url)     background thread; server.stop() ends it
    python -m demo.server --port 8765                          foreground, Ctrl-C stops

Routes (GET and HEAD; everything UTF-8 with its Content-Type):

    /  /robots.txt  /feed.xml                     files of demo/site
    /static/…                                     files of demo/assets
    /jobs/  /jobs/?page=N  /jobs/<id>.html         job board list and detail pages
    /classifieds/  /classifieds/data.json          JavaScript-rendered classifieds
    /t/s/<channel>[?before=N|?after=N|?q=…]        Telegram channel preview, 20 messages a page
    /api/v1/…                                      Mastodon-compatible API (see demo.api)
    /xrpc/<method>                                 Bluesky-compatible API (see demo.api)
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from demo.api import ApiResponse, bluesky, mastodon
from demo.build import ASSETS_DIR, SITE_DIR
from demo.corpus import Corpus, load_corpus
from demo.pages import render_telegram

log = logging.getLogger("tipwatch.demo.server")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head>" \
                 "<body><h1>404 Not found</h1><p><a href=\"/\">tipwatch demo</a></p></body></html>\n"


class DemoServer(ThreadingHTTPServer):
    """A threaded HTTP server that knows the corpus and the site folder."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], corpus: Corpus, site: Path) -> None:
        super().__init__(address, DemoHandler)
        self.corpus = corpus
        self.site = site.resolve()
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving, wait for the serving thread and close the socket."""
        if self.thread is not None:  # shutdown() waits for serve_forever(): only when it runs
            self.shutdown()
            self.thread.join(timeout=10)
            self.thread = None
        self.server_close()


class DemoHandler(BaseHTTPRequestHandler):
    """Routes one request (see the module docstring)."""

    server: DemoServer
    server_version = "tipwatch-demo/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Request lines go to the debug log, not to stderr."""
        log.debug("%s %s", self.address_string(), format % args)

    @property
    def base(self) -> str:
        """The base URL the client used (absolute URLs in the APIs point back at it)."""
        host = self.headers.get("Host") or self.server.base_url.split("://", 1)[1]
        return f"http://{host}"

    def do_HEAD(self) -> None:
        """Like GET without the body."""
        self._route(head=True)

    def do_GET(self) -> None:
        """Answer from the site folder or a dynamic route."""
        self._route(head=False)

    def _route(self, head: bool) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path.startswith("/api/v1/"):
            self._json(mastodon(self.server.corpus, self.base, path, params), head)
        elif path.startswith("/xrpc/"):
            self._json(bluesky(self.server.corpus, self.base, path[len("/xrpc/"):], params), head)
        elif path.startswith("/t/s/"):
            self._telegram(path[len("/t/s/"):].strip("/"), params, head)
        elif path in ("/jobs", "/classifieds", "/t/s"):
            self._redirect(path + "/" + (f"?{parts.query}" if parts.query else ""), head)
        elif path == "/jobs/" and params.get("page", "1") not in ("", "1"):
            page = params["page"]
            self._file(f"jobs/page/{page}.html" if page.isdigit() else "jobs/page/none", head)
        elif path.startswith("/static/"):
            self._file(path[len("/static/"):], head, ASSETS_DIR)
        else:
            self._file(path.lstrip("/"), head)

    def _send(self, status: int, content_type: str, body: bytes, head: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_found(self, head: bool) -> None:
        self._send(HTTPStatus.NOT_FOUND, CONTENT_TYPES[".html"], NOT_FOUND_PAGE.encode(), head)

    def _redirect(self, location: str, head: bool) -> None:
        self._send(HTTPStatus.MOVED_PERMANENTLY, CONTENT_TYPES[".txt"], b"", head, {"Location": location})

    def _json(self, response: ApiResponse, head: bool) -> None:
        body = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self._send(response.status, CONTENT_TYPES[".json"], body, head, response.headers)

    def _telegram(self, name: str, params: dict[str, str], head: bool) -> None:
        channel = next((channel for channel in self.server.corpus.channels if channel.name == name), None)
        before, after = params.get("before", ""), params.get("after", "")
        if channel is None or not (before.isdigit() or before == "") or not (after.isdigit() or after == ""):
            self._not_found(head)
            return
        page = render_telegram(self.server.corpus, channel, int(before) if before else None,
                               int(after) if after else None, params.get("q") or None)
        self._send(HTTPStatus.OK, CONTENT_TYPES[".html"], page.encode("utf-8"), head)

    def _file(self, relative: str, head: bool, root: Path | None = None) -> None:
        site = root or self.server.site
        target = (site / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        inside = target.is_relative_to(site) and not any(part.startswith(".")
                                                         for part in target.relative_to(site).parts)
        if not inside or not target.is_file():
            self._not_found(head)
            return
        content_type = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
        self._send(HTTPStatus.OK, content_type or "application/octet-stream", target.read_bytes(), head)


def make_server(host: str = "127.0.0.1", port: int = 0, corpus: Corpus | None = None,
                site: Path = SITE_DIR) -> DemoServer:
    """A bound (not yet serving) demo server."""
    return DemoServer((host, port), corpus or load_corpus(), site)


def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[DemoServer, str]:
    """Serve the demo from a background thread; ``(server, base_url)``. ``server.stop()`` ends it."""
    server = make_server(host, port)
    server.thread = threading.Thread(target=server.serve_forever, name="tipwatch-demo-server", daemon=True)
    server.thread.start()
    log.info("demo sources served at %s", server.base_url)
    return server, server.base_url


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m demo.server [--host H] [--port N]``: serve in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m demo.server", description="Serve the tipwatch demo sources.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = make_server(args.host, args.port)
    log.info("tipwatch demo at %s/ (Ctrl-C stops)", server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
