"""Loopback notification receivers for tests: an HTTP webhook and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class WebhookReceiver:
    """Records JSON POSTs on 127.0.0.1; ``status`` is the HTTP status it answers with."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.status = 200
        self.failures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if receiver.status >= 300:
                    receiver.failures += 1
                else:
                    receiver.messages.append(json.loads(body))
                    receiver.paths.append(self.path)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        """The Apprise URL of this receiver."""
        return f"json://127.0.0.1:{self.server.server_port}{path}"

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[dict[str, Any]]:
        """Block until ``count`` messages arrived (AssertionError after ``timeout_s``)."""
        _wait(lambda: len(self.messages) >= count, timeout_s, f"{count} webhook message(s)")
        return self.messages

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
                receiver.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def url(self, to: str = "team@example.org") -> str:
        """The Apprise mailto URL of this server (plain SMTP, no login)."""
        return f"mailto://127.0.0.1:{self.port}?from=tipwatch@example.org&to={to}"

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[EmailMessage]:
        """Block until ``count`` messages arrived."""
        _wait(lambda: len(self.messages) >= count, timeout_s, f"{count} email(s)")
        return self.messages

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
