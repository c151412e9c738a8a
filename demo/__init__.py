"""The bundled demo of tipwatch: invented job boards, a Telegram channel, Mastodon and Bluesky endpoints
and a feed, served on loopback for ``tipwatch run --demo --once`` (see ``docs/demo.md``).

    from demo import serve, sources_for
    server, base_url = serve()                 # http://127.0.0.1:<free port>
    yaml_text = sources_for(base_url)          # demo/sources.yaml with the URL filled in
    ...
    server.stop()

``RULES_DIR`` holds the demo alert rules; they notify the Apprise URL in ``WEBHOOK_ENV`` (point it at
``demo.receiver``) and the worker log.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo.server import DemoServer

DEMO_DIR = Path(__file__).resolve().parent
SITE_DIR = DEMO_DIR / "site"
POSTS_FILE = DEMO_DIR / "posts.yaml"
SOURCES_FILE = DEMO_DIR / "sources.yaml"
RULES_DIR = DEMO_DIR / "rules"
BASE_URL_PLACEHOLDER = "${DEMO_BASE_URL}"
"""Written in ``sources.yaml`` where the served base URL goes."""
WEBHOOK_ENV = "TIPWATCH_DEMO_WEBHOOK_URL"
"""Environment variable the demo rules read their Apprise URL from (e.g. ``json://127.0.0.1:8766/alerts``)."""


def sources_for(base_url: str) -> str:
    """The text of ``demo/sources.yaml`` with ``${DEMO_BASE_URL}`` replaced by ``base_url``."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url {base_url!r} must start with http:// or https://")
    return SOURCES_FILE.read_text(encoding="utf-8").replace(BASE_URL_PLACEHOLDER, base_url.rstrip("/"))


def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[DemoServer, str]:
    """Serve the demo from a background thread: ``(server, base_url)``; ``server.stop()`` ends it."""
    from demo.server import serve as _serve

    return _serve(host, port)


__all__ = ["BASE_URL_PLACEHOLDER", "DEMO_DIR", "POSTS_FILE", "RULES_DIR", "SITE_DIR", "SOURCES_FILE",
           "WEBHOOK_ENV", "serve", "sources_for"]
