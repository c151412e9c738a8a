"""The identifier network by aggregation, and the materialised tipwatch-identifiers index."""

from __future__ import annotations

import json

import pytest
from elasticsearch import Elasticsearch

from indexer.identifiers import identifier_report, parse_key, recompute_identifiers, top_identifiers
from tests.indexer.fixtures import contact, enriched, index_records
from tipwatch.cli import main
from tipwatch.config import Settings
from tipwatch.errors import UserError

PHONE = "phone:+85512345678"


def network() -> list[dict]:
    """A phone shared by 3 posts in 3 sources (KH, TH), with two telegram handles and a wallet."""
    shared = contact("phone", "+85512345678", "012 345 678")
    return [
        enriched(1, source="fb-group-kh", country="KH", fetched_at="2026-10-01T00:00:00Z", risk=(0.9, "high"),
                 text="Job one, unique words alpha", contacts=[shared, contact("telegram", "agent_a")]),
        enriched(2, source="tg-channel", country="KH", language="km", script="Khmr",
                 fetched_at="2026-10-05T00:00:00Z", risk=(0.5, "medium"), text="Job two, unique words beta",
                 contacts=[shared, contact("telegram", "agent_a"), contact("btc", "bc1qexamplewallet")]),
        enriched(3, source="th-board", country="TH", language="th", script="Thai",
                 fetched_at="2026-10-09T00:00:00Z", risk=(0.2, "low"), text="Job three, unique words gamma",
                 contacts=[shared, contact("telegram", "agent_b")]),
        enriched(4, source="th-board", country="TH", fetched_at="2026-10-10T00:00:00Z",
                 text="Job four, unique words delta", contacts=[contact("telegram", "agent_b")]),
        enriched(5, source="other", fetched_at="2026-10-11T00:00:00Z", text="No contacts here at all"),
    ]


def test_parse_key_normalises_like_enrichment() -> None:
    assert parse_key("phone:+855 12-345-678") == ("phone", "+85512345678")
    assert parse_key("Telegram:@Agent_A") == ("telegram", "agent_a")
    assert parse_key("email:Agent@Example.org") == ("email", "agent@example.org")
    assert parse_key("url:https://x.example/a:b") == ("url", "https://x.example/a:b")
    with pytest.raises(UserError):
        parse_key("+85512345678")


def test_report_for_one_identifier(es: Elasticsearch, stack_settings: Settings) -> None:
    records = network()
    index_records(es, stack_settings, records)
    report = identifier_report(es, stack_settings, "phone:+855 12 345 678")
    assert report.key == PHONE and report.posts == 3
    assert sorted(report.sources) == [("fb-group-kh", 1), ("tg-channel", 1), ("th-board", 1)]
    assert report.countries == [("KH", 2), ("TH", 1)]
    assert sorted(report.languages) == [("en", 1), ("km", 1), ("th", 1)]
    assert sorted(report.risk_levels) == [("high", 1), ("low", 1), ("medium", 1)]
    assert report.first_seen.startswith("2026-10-01") and report.last_seen.startswith("2026-10-09")
    assert report.cooccurring == [("telegram:agent_a", 2), ("btc:bc1qexamplewallet", 1), ("telegram:agent_b", 1)]
    assert [p["id"] for p in report.recent_posts] == [records[2]["id"], records[1]["id"], records[0]["id"]]
    assert identifier_report(es, stack_settings, "phone:+10000000000").posts == 0


def test_top_identifiers_rank_by_sources(es: Elasticsearch, stack_settings: Settings) -> None:
    index_records(es, stack_settings, network())
    rows = top_identifiers(es, stack_settings, size=3)
    assert [(r.key, r.sources, r.posts) for r in rows] == [
        (PHONE, 3, 3), ("telegram:agent_a", 2, 2), ("telegram:agent_b", 1, 2)]
    assert [r.key for r in top_identifiers(es, stack_settings, kind="telegram")] == [
        "telegram:agent_a", "telegram:agent_b"]


def test_recompute_materialises_and_replaces(es: Elasticsearch, stack_settings: Settings) -> None:
    records = network()
    index_records(es, stack_settings, records[:3])
    alias = stack_settings.index("identifiers")
    first = recompute_identifiers(es, stack_settings, page_size=2)
    assert first.identifiers == 4 and first.deleted == [f"{alias}-v1"]
    doc = es.get(index=alias, id=PHONE)["_source"]
    assert (doc["kind"], doc["value"], doc["posts"], doc["sources"], doc["high_risk_posts"]) == (
        "phone", "+85512345678", 3, 3, 1)
    assert sorted(doc["cooccurring"]) == ["btc:bc1qexamplewallet", "telegram:agent_a", "telegram:agent_b"]
    assert sorted(doc["post_ids"]) == sorted(r["id"] for r in records[:3])
    index_records(es, stack_settings, records[3:])
    second = recompute_identifiers(es, stack_settings)
    assert second.identifiers == 4 and second.deleted == [first.index]
    assert list(es.indices.get_alias(name=alias)) == [second.index]
    assert es.get(index=alias, id="telegram:agent_b")["_source"]["posts"] == 2, "recomputed, not incremented"
    assert es.count(index=alias)["count"] == 4


def test_identifiers_cli(es: Elasticsearch, stack_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    index_records(es, stack_settings, network())
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", stack_settings.elasticsearch.index_prefix)
    assert main(["identifiers", PHONE, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["posts"] == 3 and report["cooccurring"][0] == {"key": "telegram:agent_a", "posts": 2}
    assert main(["identifiers"]) == 0
    assert PHONE in capsys.readouterr().out
    assert main(["identifiers", "nonsense"]) == 1
    assert "expected KIND:VALUE" in capsys.readouterr().err
