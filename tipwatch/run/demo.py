"""The bundled demo for ``tipwatch run --demo``: the demo site on 127.0.0.1, a config folder whose
sources point at it and whose rules are the demo rules, and the demo's local JSON webhook receiver,
which keeps every notification it gets in ``<state_dir>/demo/notifications.jsonl``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tipwatch.config import Settings, config_dir

DEMO_PORT = 8765
"""Fixed port of the demo site, so that posts keep their ids (derived from URLs) across runs."""


class DemoServers:
    """The demo site and the webhook receiver, stopped together."""

    def __init__(self, site: Any, receiver: Any) -> None:
        self.site = site
        self.receiver = receiver

    def shutdown(self) -> None:
        """Stop both servers."""
        self.site.stop()
        self.receiver.stop()


def prepare_demo(settings: Settings) -> tuple[DemoServers, Path, dict[str, str]]:
    """Serve the demo; a config folder for it; environment for the workers."""
    import demo
    from demo.receiver import start_receiver

    home = Path(settings.paths.state_dir) / "demo"
    config = home / "config"
    if config.exists():
        shutil.rmtree(config)
    shutil.copytree(config_dir(), config)
    try:
        site, base_url = demo.serve(host="127.0.0.1", port=DEMO_PORT)
    except OSError:
        site, base_url = demo.serve(host="127.0.0.1", port=0)
    (config / "sources.yaml").write_text(demo.sources_for(base_url), encoding="utf-8")
    shutil.rmtree(config / "rules", ignore_errors=True)
    shutil.copytree(demo.RULES_DIR, config / "rules")
    store = home / "notifications.jsonl"
    store.unlink(missing_ok=True)
    receiver = start_receiver(store)
    env = {demo.WEBHOOK_ENV: receiver.apprise_url}
    print(f"demo site on {base_url}; notifications are kept in {store}", flush=True)
    return DemoServers(site, receiver), config, env
