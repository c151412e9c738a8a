"""``tipwatch alerts``: the alert worker. One process runs

* the consumer group ``alert`` on ``tipwatch.posts.enriched`` (per-post rules on each batch, commit
  after the batch's alerts are stored, published and notified), and
* a scheduler thread (every ``tick_s``): due windowed rules, then due deliveries (resends after a
  crash, retries with backoff, closed digests).

Run several copies to scale out: Kafka shares the partitions; alert ids, ``op_type=create`` and
leases keep each alert delivered once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError

from indexer.alerts.alerters import Alerter, build_alerters
from indexer.alerts.dispatch import Dispatcher, Outcomes, Publisher
from indexer.alerts.fields import fields_from_index
from indexer.alerts.notify import Notifier
from indexer.alerts.options import AlertSettings
from indexer.alerts.perpost import PerPostEvaluator
from indexer.alerts.posts import PostsIndex
from indexer.alerts.render import Renderer
from indexer.alerts.rules import Rule
from indexer.alerts.sink import AlertSink
from indexer.alerts.store import AlertStore, StoreError
from indexer.alerts.throttle import Throttle
from indexer.alerts.windowed import WindowRunner
from tipwatch.config.settings import Settings
from tipwatch.contract.times import utc_now
from tipwatch.errors import SearchUnavailable, UserError
from tipwatch.es import make_client
from tipwatch.stream import ConsumerLoop, DeliveryFailed, LoopStats, Message, Producer, Rejected, stop_on_signals

log = logging.getLogger(__name__)

GROUP = "alert"
RECOVERABLE = (ApiError, TransportError, StoreError, DeliveryFailed)
"""Errors a scheduler tick logs and survives (the next tick tries again)."""


class Ticker(threading.Thread):
    """Calls ``tick`` now and then every ``interval`` seconds until stopped."""

    def __init__(self, tick: Callable[[], object], interval: float, on_failure: Callable[[], None]) -> None:
        super().__init__(name="alerts-scheduler", daemon=True)
        self.tick = tick
        self.interval = interval
        self.on_failure = on_failure
        self.failure: BaseException | None = None
        self._halt = threading.Event()

    def run(self) -> None:
        """Tick until stopped; a recoverable error is logged, anything else stops the worker."""
        while not self._halt.is_set():
            try:
                self.tick()
            except RECOVERABLE as exc:
                log.warning("alert scheduler: %s; trying again in %.1f s", exc, self.interval)
            except Exception as exc:  # a bug: stop the worker rather than run on without a scheduler
                self.failure = exc
                self.on_failure()
                raise
            self._halt.wait(self.interval)

    def stop(self) -> None:
        """Finish the tick in hand and stop."""
        self._halt.set()


class AlertWorker:
    """Assembles the per-post sink and the scheduler around one Elasticsearch client."""

    def __init__(self, settings: Settings, rules: Sequence[Rule], options: AlertSettings, *,
                 client: Elasticsearch | None = None, alerters: Mapping[str, Alerter] | None = None,
                 clock: Callable[[], datetime] = utc_now, owner: str | None = None) -> None:
        self.settings = settings
        self.rules = list(rules)
        self.options = options
        self.clock = clock
        self._own_client = client is None
        self.client = client or make_client(settings)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.posts = PostsIndex(self.client, settings.index("posts"), _live_fields(self.client, settings))
        self.store = AlertStore(self.client, settings)
        realert = {rule.name: rule.effective_realert for rule in self.rules}
        self.throttle = Throttle(self.store, lambda name: realert.get(name))
        self.notifier = Notifier(alerters if alerters is not None else build_alerters(),
                                 Renderer(options.template_dir))
        self._producers: list[Producer] = []
        self.outcomes = Outcomes(self.store)
        self.evaluator = PerPostEvaluator(self.posts, self.rules, options)
        self.sink = AlertSink(self.evaluator, self._dispatcher("alert"))
        self.scheduler = self._dispatcher("alert-scheduler")
        self.windows = WindowRunner(self.posts, self.store, self.rules, options, clock)
        self._loop: ConsumerLoop | None = None

    def _dispatcher(self, role: str) -> Dispatcher:
        """A dispatcher with its own producer (one per thread)."""
        producer = Producer(self.settings, role=role)
        self._producers.append(producer)
        return Dispatcher(self.store, self.throttle, self.notifier,
                          Publisher(producer, self.settings.topic("alerts")), self.options, self.owner, self.clock,
                          self.outcomes)

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        """The per-post sink (also usable without Kafka, e.g. in tests)."""
        return self.sink.process(batch)

    def tick(self) -> dict[str, Any]:
        """One scheduler round: due windowed rules, then due deliveries."""
        matches = self.windows.run_due(self.scheduler.submit)
        delivered = self.scheduler.deliver_due()
        return {"window_matches": matches, "deliveries": len(delivered)}

    def run(self, *, max_messages: int | None = None, idle_timeout_s: float | None = None,
            handle_signals: bool = False) -> LoopStats:
        """Consume until stopped (or the limits), with the scheduler running beside the consumer."""
        loop = ConsumerLoop(self.settings, group=GROUP, topics=[self.settings.topic("posts.enriched")],
                            stage="alert", sink=self.sink, producer=self._producers[0])
        self._loop = loop
        if handle_signals:
            stop_on_signals(loop)
        ticker = Ticker(self.tick, self.options.tick_s, loop.stop)
        ticker.start()
        try:
            stats = loop.run(max_messages=max_messages, idle_timeout_s=idle_timeout_s)
        finally:
            ticker.stop()
            ticker.join()
        if ticker.failure is not None:
            raise RuntimeError("the alert scheduler failed") from ticker.failure
        return stats

    def stop(self) -> None:
        """Ask a running ``run`` to finish the batch in hand and return (from another thread)."""
        if self._loop is not None:
            self._loop.stop()

    def close(self) -> None:
        """Flush and close the producers (and the client if this worker made it)."""
        for producer in self._producers:
            producer.close()
        if self._own_client:
            self.client.close()


def _live_fields(client: Elasticsearch, settings: Settings) -> Any:
    """The posts mapping from the cluster; a clear error when setup has not run."""
    alias = settings.index("posts")
    try:
        fields = fields_from_index(client, alias)
        for name in ("alerts", "alert_state"):
            if not client.indices.exists_alias(name=settings.index(name)):
                raise UserError(f"index {settings.index(name)} does not exist: run 'tipwatch setup'")
    except NotFoundError as exc:
        raise UserError(f"index {alias} does not exist: run 'tipwatch setup'") from exc
    except TransportError as exc:
        raise SearchUnavailable(f"cannot reach Elasticsearch at {', '.join(settings.elasticsearch.hosts)}; "
                                f"start it with 'tipwatch stack up' or fix elasticsearch.hosts") from exc
    return fields
