"""The posts index as alert rules see it: client, index or alias name, and its fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from indexer.alerts.fields import FieldInfo

SAMPLE_FIELDS = (
    "id", "url", "title", "source", "risk", "language.code", "first_seen", "last_seen", "evidence.sha256",
)
"""Fields of the sample posts a windowed alert carries."""


@dataclass(frozen=True)
class PostsIndex:
    """Where rules run: the worker's posts alias, or a dry run's temporary index."""

    client: Elasticsearch
    index: str
    fields: FieldInfo

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One search; the response body."""
        return self.client.search(index=self.index, **body).body

    def msearch(self, bodies: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches in one request; one response (or ``{"error": …}``) per body."""
        searches: list[dict[str, Any]] = []
        for body in bodies:
            searches.extend(({"index": self.index}, body))
        return list(self.client.msearch(searches=searches).body["responses"])

    def refresh(self) -> None:
        """Make everything indexed so far searchable."""
        self.client.indices.refresh(index=self.index)
