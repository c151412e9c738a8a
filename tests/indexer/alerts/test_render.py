"""Notifications rendered from alert documents: everything an investigator needs (no server)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from indexer.alerts.alert import build_alert
from indexer.alerts.options import AlertSettings
from indexer.alerts.render import Renderer
from indexer.alerts.types import AnyRule, Match, Window
from tests.indexer.alerts.conftest import rule
from tests.indexer.fixtures import contact, enriched
from tipwatch.contract import parse_enriched, parse_time

NOW = parse_time("2026-11-24T10:00:05Z")
OPTIONS = AlertSettings(kibana_url="https://kibana.example.org/")


def test_post_alert_shows_rule_excerpt_contacts_risk_source_evidence_and_link(tmp_path: Path) -> None:
    watch = rule(tmp_path, "sihanoukville", "type: any\nseverity: high\nowner: mekong-desk\nquery: Sihanoukville\n"
                                            "description: High-risk advert naming Sihanoukville\n")
    text = "Casino jobs in Sihanoukville, passport kept by employer. Telegram @hr_kh"
    post = parse_enriched(enriched(1, text=text, title="Urgent hiring", risk=(0.91, "high"), country="KH",
                                   contacts=[contact("telegram", "hr_kh", "@hr_kh", text)],
                                   indicators=[{"id": "passport-retention", "category": "coercion",
                                                "evidence": ["passport kept"]}]))
    match = AnyRule().post_match(watch, post.id, [], {"text": ["Casino jobs in **Sihanoukville**, passport kept"]})
    notification = Renderer().render([build_alert(match, post, OPTIONS, NOW, "test")])
    assert notification.title == "[tipwatch high] sihanoukville: high-risk post on demo-board: Urgent hiring"
    body = notification.body
    for expected in (
        "Rule **sihanoukville** (any, severity high, owner mekong-desk): High-risk advert naming Sihanoukville",
        "> …Casino jobs in **Sihanoukville**, passport kept…",
        "Source: demo-board (html, KH) · language en",
        "Risk: **high** (score 0.91)",
        "- coercion / passport-retention: passport kept",
        "Contacts: telegram `hr_kh`",
        f"Evidence sha256 `{post.evidence.sha256}` in crawl-1.warc.gz",
        "[Open in Kibana Discover](https://kibana.example.org/app/discover#/?_g=(time:(from:'2025-11-24T10:00:05Z',"
        "to:'2026-11-24T10:00:05Z'))&_a=(dataSource:(dataViewId:'tipwatch-posts',type:dataView),"
        f"query:(language:kuery,query:'id:%22{post.id}%22')))",
        post.url,
    ):
        assert expected in body, expected


def test_window_alert_and_digest(tmp_path: Path) -> None:
    handle = rule(tmp_path, "handle", "type: frequency\nquery_key: contact_keys\nnum_events: 5\ntimeframe: 1d\n"
                                      "aggregate: 1h\n")
    window = Window(NOW - timedelta(days=1), NOW)
    sample = {"id": "p1", "url": "https://x.test/1", "title": "Driver wanted", "source": {"id": "board"},
              "risk": {"level": "high"}, "evidence": {"sha256": "ab" * 32}}
    alerts = [build_alert(Match(rule=handle, id_parts=("handle", "w", key), keys=(key,), window=window,
                                facts={"count": 6, "num_events": 5}, samples=(sample,)), None, OPTIONS, NOW, "t")
              for key in ("telegram:hr_kh", "telegram:jobs")]
    single = Renderer().render(alerts[:1])
    assert single.title == "[tipwatch medium] handle: frequency for telegram:hr_kh"
    assert ("6 posts for contact_keys `telegram:hr_kh` between 2026-11-23T10:00:05Z and 2026-11-24T10:00:05Z "
            "(threshold 5).") in single.body
    assert "- Driver wanted · board · risk high · https://x.test/1 · sha256 `abababababababab…`" in single.body
    assert "query:'contact_keys:%22telegram:hr_kh%22'" in single.body
    digest = Renderer().render(alerts)
    assert digest.title == "[tipwatch medium] handle: 2 alerts"
    assert "2 alerts between 2026-11-24T10:00:00Z and 2026-11-24T11:00:00Z:" in digest.body
    assert digest.body.count("posts for contact_keys") == 2
