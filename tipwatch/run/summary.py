"""The end-of-run summary: posts, languages, identifiers by kind, risk levels, alerts, dead letters,
evidence files — all computed by aggregation from Elasticsearch and from Kafka offsets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch

from tipwatch.config import Settings


@dataclass(frozen=True)
class Summary:
    """What a run produced."""

    posts: int
    sources: dict[str, int]
    languages: dict[str, int]
    identifiers: dict[str, int]
    risk: dict[str, int]
    alerts: dict[str, int]
    alert_rules: dict[str, int]
    dead_letters: int
    evidence_files: int

    def lines(self) -> list[str]:
        """Readable lines for the terminal."""
        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"

        return [
            f"posts indexed     {self.posts} from {len(self.sources)} source(s): {fmt(self.sources)}",
            f"languages         {fmt(self.languages)}",
            f"identifiers       {fmt(self.identifiers)} (distinct values by kind)",
            f"risk levels       {fmt(self.risk)}",
            f"alerts            {fmt(self.alerts)}",
            f"alerts by rule    {fmt(self.alert_rules)}",
            f"dead-lettered     {self.dead_letters} record(s) (tipwatch deadletter list)",
            f"evidence files    {self.evidence_files}",
        ]


def _buckets(response: dict, name: str) -> dict[str, int]:
    return {str(b["key"]): int(b["doc_count"]) for b in response["aggregations"][name]["buckets"]}


def summarize(client: Elasticsearch, settings: Settings, dead_letters: int) -> Summary:
    """Aggregate the posts and alerts indices."""
    posts_index = settings.index("posts")
    try:
        posts = client.search(index=posts_index, size=0, track_total_hits=True, aggs={
            "sources": {"terms": {"field": "source.id", "size": 50}},
            "languages": {"terms": {"field": "language.code", "size": 50}},
            "risk": {"terms": {"field": "risk.level", "size": 5}},
            "contacts": {"nested": {"path": "contacts"}, "aggs": {
                "kinds": {"terms": {"field": "contacts.kind", "size": 20},
                          "aggs": {"distinct": {"cardinality": {"field": "contacts.value"}}}}}},
        })
        total = int(posts["hits"]["total"]["value"])
        identifiers = {str(b["key"]): int(b["distinct"]["value"])
                       for b in posts["aggregations"]["contacts"]["kinds"]["buckets"]}
        sources, languages, risk = (_buckets(posts, n) for n in ("sources", "languages", "risk"))
    except ApiError:
        total, identifiers, sources, languages, risk = 0, {}, {}, {}, {}
    try:
        alerts = client.search(index=settings.index("alerts"), size=0, aggs={
            "status": {"terms": {"field": "status", "size": 5}},
            "rules": {"terms": {"field": "rule.name", "size": 50}}})
        alert_status, alert_rules = _buckets(alerts, "status"), _buckets(alerts, "rules")
    except ApiError:
        alert_status, alert_rules = {}, {}
    evidence = Path(settings.paths.evidence_dir)
    files = sum(1 for p in evidence.rglob("*") if p.is_file()) if evidence.exists() else 0
    return Summary(total, sources, languages, identifiers, risk, alert_status, alert_rules, dead_letters, files)
