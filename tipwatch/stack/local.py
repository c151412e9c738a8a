"""The local stack as one thing: ``up`` (idempotent), ``down``, ``status``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from tipwatch.config.settings import Settings
from tipwatch.stack.elasticsearch import ElasticsearchServer
from tipwatch.stack.kafka import KafkaServer
from tipwatch.stack.server import ServerStatus, wait_until

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpReport:
    """What ``up`` did: per server, whether it was started now and the seconds until ready."""

    started: dict[str, bool]
    seconds: dict[str, float]


class LocalStack:
    """Kafka + Elasticsearch on 127.0.0.1, installed and started by tipwatch itself."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kafka = KafkaServer(settings)
        self.elasticsearch = ElasticsearchServer(settings)
        self.servers = (self.kafka, self.elasticsearch)

    def up(self) -> UpReport:
        """Install what is missing, start what is not running, wait until both are ready."""
        started: dict[str, bool] = {}
        seconds: dict[str, float] = {}
        begin = time.monotonic()
        for server in self.servers:
            server.home.mkdir(parents=True, exist_ok=True)
            if server.pid() is not None:
                started[server.name] = False
                continue
            log.info("installing %s (first time only)", server.name)
            server.install()
            log.info("starting %s", server.name)
            server.start()
            started[server.name] = True
        timeout = self.settings.stack.start_timeout_s
        for server in self.servers:
            wait_until(server.ready, timeout, server.name, server.log,
                       still_running=lambda s=server: s.pid() is not None)
            seconds[server.name] = round(time.monotonic() - begin, 2)
            log.info("%s ready after %.1f s", server.name, seconds[server.name])
        return UpReport(started=started, seconds=seconds)

    def down(self) -> dict[str, bool]:
        """Stop both servers; which ones were running."""
        return {server.name: server.stop() for server in reversed(self.servers)}

    def status(self) -> list[ServerStatus]:
        """The state of each server."""
        return [server.status() for server in self.servers]
