"""The alert worker's sink for ``tipwatch.posts.enriched``: parse, wait until searchable, run the
per-post rules, dispatch. Transient server trouble raises ``Retryable`` (the batch is retried and
nothing is committed); records that cannot be processed are returned for the dead-letter topic."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from elastic_transport import TransportError
from elasticsearch import ApiError

from indexer.alerts.dispatch import Dispatcher
from indexer.alerts.perpost import PerPostEvaluator
from indexer.alerts.store import TRANSIENT_STATUS, StoreError
from tipwatch.contract import SCHEMA, ContractError, EnrichedPost, parse_enriched
from tipwatch.stream import Message, Rejected, Retryable

log = logging.getLogger(__name__)


class AlertSink:
    """Implements the stream ``Sink`` protocol for per-post rules."""

    def __init__(self, evaluator: PerPostEvaluator, dispatcher: Dispatcher) -> None:
        self.evaluator = evaluator
        self.dispatcher = dispatcher
        self.alerts_created = 0

    def _parse(self, batch: Sequence[Message]) -> tuple[dict[str, EnrichedPost], dict[str, list[Message]],
                                                        list[Rejected]]:
        records: dict[str, EnrichedPost] = {}
        messages: dict[str, list[Message]] = {}
        rejected: list[Rejected] = []
        for message in batch:
            if message.value is None:
                rejected.append(Rejected(message, "empty message (no enriched record)"))
                continue
            try:
                post = parse_enriched(message.value)
            except ContractError as exc:
                rejected.append(Rejected(message, f"not a {SCHEMA} enriched record: {exc.reason}"))
                continue
            known = records.get(post.id)
            if known is None or post.fetched_at >= known.fetched_at:
                records[post.id] = post
            messages.setdefault(post.id, []).append(message)
        return records, messages, rejected

    def process(self, batch: Sequence[Message]) -> Sequence[Rejected]:
        """Evaluate the batch's posts once they are searchable; dead-letter what never became so."""
        records, messages, rejected = self._parse(batch)
        if not records:
            return rejected
        try:
            ready, missing = self.evaluator.wait_searchable(records)
            if missing and not ready:
                raise Retryable(f"{len(missing)} post(s) not searchable in {self.evaluator.posts.index} yet; "
                                f"is the indexer ('tipwatch index') running?")
            for post_id in missing:
                reason = (f"post {post_id} not searchable in {self.evaluator.posts.index} after "
                          f"{self.evaluator.options.searchable_timeout_s:.0f} s (the indexer rejected or skipped it)")
                rejected.extend(Rejected(message, reason) for message in messages[post_id])
            matches = self.evaluator.evaluate(ready)
            created = self.dispatcher.submit(matches, records)
        except TransportError as exc:
            raise Retryable(f"Elasticsearch unreachable: {exc}") from exc
        except ApiError as exc:
            if exc.meta.status in TRANSIENT_STATUS:
                raise Retryable(f"Elasticsearch busy ({exc.meta.status}): {exc}") from exc
            raise
        except StoreError as exc:
            if exc.transient:
                raise Retryable(str(exc)) from exc
            raise
        self.alerts_created += len(created)
        if created:
            log.info("batch of %d post(s): %d alert(s) created", len(records), len(created))
        return rejected
