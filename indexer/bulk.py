"""Bulk writes with per-document outcomes: written, rejected (malformed), conflict or transient.

``helpers.streaming_bulk`` sends the actions in chunks and retries documents rejected with 429 a few
times itself (only those documents). What is still transient afterwards (429, 5xx, version
conflicts, a missing alias, the connection) is reported, not raised, so the caller can make the rest
durable first and then ask for a retry of exactly those documents. A ``create`` refused with 409
(another writer created the document meanwhile) is a *conflict*: the caller turns it into an update.
Responses are trimmed with ``filter_path`` to what is read here (ids, statuses, results, errors).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers

from tipwatch.errors import SearchUnavailable

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({404, 408, 409, 429, 500, 502, 503, 504})
"""Per-document statuses worth retrying: 404 is a missing write alias (``require_alias``), 409 a
version conflict left after ``retry_on_conflict``; everything else 4xx is the document's fault."""


RESPONSE_FIELDS = "errors,items.*._id,items.*.status,items.*.result,items.*.error"
"""``filter_path`` of bulk responses: Elasticsearch skips the rest (index names, shards, seq_no …)."""
MIN_PART = 100
"""Fewest actions worth a thread of their own."""
MAX_REASON_PART = 400
"""Longest part of a reason kept (Elasticsearch quotes whole field values in some messages)."""


def error_reason(error: Any) -> str:
    """Elasticsearch's error object as one line: ``type: reason; caused by: type: reason``."""
    if not isinstance(error, Mapping):
        return " ".join(str(error).split())
    if "type" not in error and isinstance(error.get("error"), Mapping | str):
        return error_reason(error["error"])
    parts = []
    current: Any = error
    while isinstance(current, Mapping) and len(parts) < 4:
        kind, reason = current.get("type", "error"), " ".join(str(current.get("reason") or "").split())
        if len(reason) > MAX_REASON_PART:
            reason = reason[:MAX_REASON_PART] + "…"
        parts.append(f"{kind}: {reason}".strip())
        current = current.get("caused_by")
    return " ".join("; caused by: ".join(parts).split())


@dataclass
class BulkOutcome:
    """Per document id: written (``unchanged`` when it was a no-op), rejected for good (with the
    server's reason), a ``create`` that found the document already there (``conflicts``), or transient."""

    written: set[str] = field(default_factory=set)
    unchanged: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)
    transient: dict[str, str] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)

    def add(self, other: BulkOutcome) -> None:
        """Fold another outcome (of other documents) into this one."""
        self.written |= other.written
        self.unchanged |= other.unchanged
        self.rejected.update(other.rejected)
        self.transient.update(other.transient)
        self.conflicts |= other.conflicts


class BulkWriter:
    """Sends bulk actions (each with a unique ``_id``) and sorts the results.

    With ``threads`` > 1 the actions are split into that many parts, each sent by its own
    ``streaming_bulk`` in a thread, so a multi-core cluster indexes them in parallel.
    """

    def __init__(self, client: Elasticsearch, *, chunk_size: int = 500, max_retries: int = 2,
                 initial_backoff_s: float = 0.5, max_backoff_s: float = 4.0, threads: int = 1) -> None:
        self.client = client
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.threads = max(1, threads)

    def write(self, actions: Iterable[Mapping[str, Any]]) -> BulkOutcome:
        """Write every action; never raises for a document or a transient server problem.

        Raises ``SearchUnavailable`` when the cluster refuses the credentials (401/403): retrying
        cannot help, the operator has to fix the configuration.
        """
        pending = list(actions)
        parts = min(self.threads, max(1, len(pending) // MIN_PART))
        if parts <= 1:
            return self._write_part(pending)
        size = -(-len(pending) // parts)
        with ThreadPoolExecutor(parts, thread_name_prefix="bulk") as pool:
            outcomes = list(pool.map(self._write_part, [pending[i:i + size] for i in range(0, len(pending), size)]))
        merged = BulkOutcome()
        for outcome in outcomes:
            merged.add(outcome)
        return merged

    def _write_part(self, actions: list[Mapping[str, Any]]) -> BulkOutcome:
        pending = {str(action["_id"]): action for action in actions}
        outcome = BulkOutcome()
        if not pending:
            return outcome
        try:
            for ok, item in helpers.streaming_bulk(
                self.client, list(pending.values()), chunk_size=self.chunk_size, raise_on_error=False,
                raise_on_exception=True, max_retries=self.max_retries, initial_backoff=self.initial_backoff_s,
                max_backoff=self.max_backoff_s, require_alias=True, filter_path=RESPONSE_FIELDS,
            ):
                op, info = next(iter(item.items()))
                doc_id = str(info.get("_id"))
                status = int(info.get("status", 0))
                if ok:
                    outcome.written.add(doc_id)
                    if info.get("result") == "noop":
                        outcome.unchanged.add(doc_id)
                elif op == "create" and status == 409:
                    outcome.conflicts.add(doc_id)
                elif status in TRANSIENT_STATUS:
                    outcome.transient[doc_id] = f"{info.get('status')} {error_reason(info.get('error'))}"
                else:
                    outcome.rejected[doc_id] = error_reason(info.get("error"))
        except ApiError as exc:
            if exc.status_code in (401, 403):
                raise SearchUnavailable(
                    f"Elasticsearch refused the credentials ({exc.status_code} {error_reason(exc.body)}); check "
                    f"elasticsearch.username with TIPWATCH_ES_PASSWORD, or TIPWATCH_ES_API_KEY"
                ) from exc
            self._unresolved(pending, outcome, f"bulk request failed: {exc.status_code} {error_reason(exc.body)}")
        except TransportError as exc:
            self._unresolved(pending, outcome, f"Elasticsearch unreachable: {type(exc).__name__}: {exc}")
        return outcome

    @staticmethod
    def _unresolved(pending: Mapping[str, Any], outcome: BulkOutcome, reason: str) -> None:
        """Every document without a result yet becomes transient."""
        log.warning("%s", reason)
        for doc_id in pending:
            if doc_id not in outcome.written and doc_id not in outcome.rejected and doc_id not in outcome.conflicts:
                outcome.transient[doc_id] = reason
