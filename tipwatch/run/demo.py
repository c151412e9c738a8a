"""The bundled demo for ``tipwatch run --demo``: the demo site on 127.0.0.1, a config folder whose
sources point at it and whose rules are the demo rules, and a local JSON webhook receiver that
keeps every notification it gets in ``<state_dir>/demo/notifications.jsonl``."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tipwatch.config import Settings, config_dir

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
WEBHOOK_ENV = "TIPWATCH_DEMO_WEBHOOK"
"""Environment variable holding the Apprise URL of the demo webhook receiver (used by demo rules)."""


class _Receiver(BaseHTTPRequestHandler):
    store: Path

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with self.store.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"path": self.path, "body": body}, ensure_ascii=False) + "\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


class DemoServers:
    """The demo site and the webhook receiver, stopped together."""

    def __init__(self, site: Any, receiver: ThreadingHTTPServer) -> None:
        self.site = site
        self.receiver = receiver

    def shutdown(self) -> None:
        """Stop both servers."""
        self.site.shutdown()
        self.receiver.shutdown()


def webhook_receiver(store: Path) -> ThreadingHTTPServer:
    """A JSON webhook receiver on a free loopback port, appending each request to ``store``."""
    handler = type("Receiver", (_Receiver,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-webhook").start()
    return server


def prepare_demo(settings: Settings) -> tuple[DemoServers, Path, dict[str, str]]:
    """Serve the demo; a config folder for it; environment for the workers."""
    from demo import sources_for
    from demo.server import serve

    home = Path(settings.paths.state_dir) / "demo"
    config = home / "config"
    if config.exists():
        shutil.rmtree(config)
    shutil.copytree(config_dir(), config)
    site, base_url = serve(host="127.0.0.1", port=0)
    (config / "sources.yaml").write_text(sources_for(base_url), encoding="utf-8")
    if (DEMO_DIR / "rules").is_dir():
        shutil.rmtree(config / "rules", ignore_errors=True)
        shutil.copytree(DEMO_DIR / "rules", config / "rules")
    store = home / "notifications.jsonl"
    store.unlink(missing_ok=True)
    receiver = webhook_receiver(store)
    port = receiver.server_address[1]
    env = {WEBHOOK_ENV: f"json://127.0.0.1:{port}/alerts", "TIPWATCH_DEMO_NOTIFICATIONS": str(store)}
    print(f"demo site on {base_url}; notifications are kept in {store}", flush=True)
    return DemoServers(site, receiver), config, env
