"""``tipwatch alerts test RULE``: prints what would fire over JSONL or the index; sends nothing."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from indexer.alerts.cli import register
from tests.indexer.alerts.conftest import at, index_posts, write_rule
from tests.indexer.fixtures import contact, enriched
from tipwatch.config import Settings
from tipwatch.contract import format_time, utc_now

ROOT = Path(__file__).resolve().parents[3]
T0 = "2026-11-24T00:00:00Z"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["alerts", *argv])
    return int(args.func(args))


@pytest.fixture
def settings_env(alert_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point ``load_settings()`` (used by the command) at the test's prefixes."""
    monkeypatch.setenv("TIPWATCH_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", alert_settings.elasticsearch.index_prefix)
    monkeypatch.setenv("TIPWATCH_KAFKA__TOPIC_PREFIX", alert_settings.kafka.topic_prefix)
    return alert_settings


def _jsonl(path: Path, records: list[dict], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra, encoding="utf-8")
    return path


def _leftovers(es: Elasticsearch, settings: Settings) -> list[str]:
    return sorted(es.indices.get(index=f"{settings.elasticsearch.index_prefix}alerts-dryrun-*"))


def test_per_post_rule_over_jsonl(tmp_path: Path, es: Elasticsearch, settings_env: Settings,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    phone = [contact("phone", "+85512345678")]
    records = [enriched(1, text="Casino jobs Sihanoukville", contacts=phone, fetched_at=at(T0, minutes=1)),
               enriched(2, text="Security guards Sihanoukville", contacts=phone, fetched_at=at(T0, minutes=2)),
               enriched(3, text="Cooks in Bangkok", contacts=phone, fetched_at=at(T0, minutes=3))]
    path = write_rule(tmp_path, "watch", "type: any\nquery: Sihanoukville\nquery_key: contact_keys\nrealert: 1h\n"
                                         "notify: [{env: NEVER_SET}]\n")
    assert _run("test", str(path), "--input", str(_jsonl(tmp_path / "posts.jsonl", records, "{not json}\n"))) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"would notify {at(T0, minutes=1)} watch: post {records[0]['id']} demo-board")
    assert lines[1].startswith(f"suppressed   {at(T0, minutes=2)} watch: post {records[1]['id']}")
    assert "skipped line 4: <message>: not JSON" in err
    assert "watch: 1 alert(s) would be notified, 1 suppressed by realert (3 posts); nothing was sent" in err
    assert _leftovers(es, settings_env) == []
    assert es.count(index=settings_env.index("alerts"))["count"] == 0


def test_windowed_rule_over_jsonl_with_render(tmp_path: Path, es: Elasticsearch, settings_env: Settings,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    handle = [contact("telegram", "agent_a")]
    records = [enriched(n, contacts=handle, source=f"s{n}", fetched_at=at(T0, minutes=10 * n)) for n in range(4)]
    path = write_rule(tmp_path, "handle", "type: frequency\nquery_key: contact_keys\nnum_events: 4\n"
                                          "timeframe: 1h\nrun_every: 10m\n")
    assert _run("test", str(path), "--input", str(_jsonl(tmp_path / "p.jsonl", records)), "--render") == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"would notify {at(T0, minutes=40)} handle: telegram:agent_a "
                          f"[{at(T0, minutes=-20)} .. {at(T0, minutes=40)}) count=4, num_events=4\n")
    assert "--- [tipwatch medium] handle: frequency for telegram:agent_a" in out
    assert "4 posts for contact_keys `telegram:agent_a`" in out
    assert "handle: 1 alert(s) would be notified, 2 suppressed by realert (4 posts, 9 windows)" in err


def test_rule_by_name_since_over_the_index(tmp_path: Path, es: Elasticsearch, settings_env: Settings,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    recent = format_time(utc_now())
    index_posts(es, settings_env, [enriched(1, text="Sihanoukville casino", risk=(0.9, "high"), fetched_at=recent),
                                   enriched(2, text="Sihanoukville hotel", fetched_at=recent),
                                   enriched(3, text="Sihanoukville casino", risk=(0.9, "high"),
                                            fetched_at="2026-01-01T00:00:00Z")])
    rules = tmp_path / "rules"
    rules.mkdir()
    write_rule(rules, "high-risk", "type: any\nquery: Sihanoukville\nfilters: {risk: high}\n")
    assert _run("test", "high-risk", "--since", "1d", "--rules", str(rules), "--json") == 0
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    alert = json.loads(line)
    assert alert["post"]["id"] == enriched(1)["id"] and alert["status"] == "pending"
    assert "high-risk: 1 alert(s) would be notified" in err
    assert es.count(index=settings_env.index("alerts"))["count"] == 0
