"""A local JSON webhook receiver for the demo alert rules: every POST is appended to a JSONL file.

    receiver = start_receiver(Path(".tipwatch/demo/notifications.jsonl"))
    os.environ[demo.WEBHOOK_ENV] = receiver.apprise_url     # json://127.0.0.1:<port>/alerts
    ...
    receiver.received        # the notifications so far (dicts), also in the file, one JSON per line
    receiver.stop()

Apprise's ``json://`` notifier posts ``{"version", "title", "message", "type", …}``; the receiver stores
the body as it came (``payload``) with the time and the path. ``python -m demo.receiver --port N --out FILE``
runs it in the foreground.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger("tipwatch.demo.receiver")
MAX_BODY = 1 << 20


class WebhookReceiver(ThreadingHTTPServer):
    """Collects JSON POSTs in memory and in a JSONL file."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], out: Path) -> None:
        super().__init__(address, _Handler)
        self.out = out
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        out.parent.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/alerts``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/alerts"

    @property
    def apprise_url(self) -> str:
        """The Apprise URL that posts JSON here: ``json://127.0.0.1:<port>/alerts``."""
        return "json://" + self.url.split("://", 1)[1]

    def record(self, path: str, payload: Any) -> None:
        """Keep one notification (thread-safe) and append it to the file."""
        entry = {"received_at": datetime.now(UTC).isoformat(), "path": path, "payload": payload}
        with self.lock:
            self.received.append(entry)
            with self.out.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self.thread is not None:  # shutdown() waits for serve_forever(): only when it runs
            self.shutdown()
            self.thread.join(timeout=10)
            self.thread = None
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: WebhookReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _reply(self, status: int, message: str) -> None:
        body = json.dumps({"status": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        """Store the JSON body; 400 for a body that is not JSON, 413 for one over 1 MiB."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large")
            return
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("webhook body is not JSON: %s", exc)
            self._reply(HTTPStatus.BAD_REQUEST, "body is not JSON")
            return
        self.server.record(self.path, payload)
        self._reply(HTTPStatus.OK, "ok")


def start_receiver(out: Path, host: str = "127.0.0.1", port: int = 0) -> WebhookReceiver:
    """Start a receiver in a background thread, writing to ``out``."""
    receiver = WebhookReceiver((host, port), out)
    receiver.thread = threading.Thread(target=receiver.serve_forever, name="tipwatch-demo-receiver", daemon=True)
    receiver.thread.start()
    return receiver


def main(argv: list[str] | None = None) -> int:
    """``python -m demo.receiver [--port N] [--out FILE]``: receive in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m demo.receiver", description="Local JSON webhook receiver.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--out", type=Path, default=Path(".tipwatch/demo/notifications.jsonl"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    receiver = WebhookReceiver((args.host, args.port), args.out)
    log.info("receiving at %s (Apprise: %s), writing %s", receiver.url, receiver.apprise_url, args.out)
    try:
        receiver.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        receiver.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
