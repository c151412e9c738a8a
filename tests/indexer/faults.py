"""Fault injection around a real Elasticsearch client (no mocked HTTP): some bulk calls fail
(``FlakyClient``), refreshes are held back or fail (``GatedClient``).

``helpers.streaming_bulk`` clones the client with ``type(client)(_transport=...)``, so the failure
plan lives on a class made fresh for each test by ``flaky_client``.
"""

from __future__ import annotations

import json
import threading
from typing import Any, ClassVar

from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, ObjectApiResponse
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, Elasticsearch

from tipwatch.config import Settings
from tipwatch.es import client_options


def _meta(status: int) -> ApiResponseMeta:
    return ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "127.0.0.1", 9200))


class FlakyClient(Elasticsearch):
    """A real client; each bulk call takes the next mode of ``plan``: ``ok``, ``429`` (whole request),
    ``down`` (connection refused) or ``half`` (every second document rejected with 429)."""

    plan: ClassVar[list[str]] = []
    sent: ClassVar[list[list[str]]] = []

    def bulk(self, *args: Any, **kwargs: Any) -> ObjectApiResponse[Any]:
        mode = type(self).plan.pop(0) if type(self).plan else "ok"
        operations = list(kwargs.pop("operations"))
        pairs = [(operations[i], operations[i + 1]) for i in range(0, len(operations), 2)]
        ids = [next(iter(json.loads(action).values()))["_id"] for action, _ in pairs]
        if mode == "429":
            raise ApiError("rejected (injected)", meta=_meta(429), body={"error": {
                "type": "es_rejected_execution_exception", "reason": "injected: write queue full"}, "status": 429})
        if mode == "down":
            raise TransportConnectionError("injected: connection refused")
        if mode == "half":
            kept = [pair for i, pair in enumerate(pairs) if i % 2 == 0]
            type(self).sent.append(ids[0::2])
            response = super().bulk(*args, operations=[line for pair in kept for line in pair], **kwargs)
            real = iter(response.body["items"])
            items = [next(real) if i % 2 == 0 else {"update": {
                "_index": "injected", "_id": doc_id, "status": 429,
                "error": {"type": "es_rejected_execution_exception", "reason": "injected: write queue full"}}}
                for i, doc_id in enumerate(ids)]
            return ObjectApiResponse(body={**response.body, "errors": True, "items": items}, meta=response.meta)
        type(self).sent.append(ids)
        return super().bulk(*args, operations=operations, **kwargs)


def flaky_client(settings: Settings, plan: list[str]) -> FlakyClient:
    """A FlakyClient of its own class (fresh plan and record of the ids each bulk call carried)."""
    cls = type("FlakyClientForTest", (FlakyClient,), {"plan": list(plan), "sent": []})
    return cls(**client_options(settings))


class GatedIndices:
    """A client's ``indices`` whose refreshes wait for ``gate`` and, while ``fail`` is set, fail like
    a lost connection; everything else goes to the real ``indices``."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate, self.fail, self.started = threading.Event(), threading.Event(), threading.Event()
        self.gate.set()

    def refresh(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        assert self.gate.wait(30)
        if self.fail.is_set():
            raise TransportConnectionError("injected: connection refused")
        return self.real.refresh(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class GatedClient(Elasticsearch):
    """A real client whose refreshes can be held back or made to fail (``indices``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indices = GatedIndices(self.indices)  # type: ignore[assignment]
