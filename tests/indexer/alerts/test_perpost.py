"""Per-post evaluation: rules combined into one search, attributed by matched_queries, and a rule
that fails at search time isolated without losing the others' alerts."""

from __future__ import annotations

from pathlib import Path

from elasticsearch import Elasticsearch

from tests.indexer.alerts.conftest import WorkerFactory, index_posts, rule
from tests.indexer.fixtures import contact, enriched, wire
from tipwatch.config import Settings
from tipwatch.stream import Message


def _batch(settings: Settings, *records: dict) -> list[Message]:
    return [Message(topic=settings.topic("posts.enriched"), partition=0, offset=i, value=wire(r))
            for i, r in enumerate(records)]


def test_rules_are_combined_and_attributed(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                           make_worker: WorkerFactory) -> None:
    casino = enriched(1, text="Casino dealers wanted in Sihanoukville", risk=(0.9, "high"))
    phone = enriched(2, text="Call now for factory work", contacts=[contact("phone", "+85512345678")])
    both = enriched(3, text="Casino work, call us", contacts=[contact("phone", "+85512345678")], language="km")
    index_posts(es, alert_settings, [casino, phone, both])
    rules = [rule(tmp_path, "casino", "type: any\nquery: casino\n"),
             rule(tmp_path, "watch", "type: any\nfilters: {contacts: ['phone:+855 12 345 678']}\n"),
             rule(tmp_path, "khmer", "type: any\nfilters: {language: [km]}\nquery_key: contact_keys\n"),
             rule(tmp_path, "none", "type: any\nquery: Vientiane\n")]
    worker = make_worker(rules, rules_per_search=3)  # two combined searches: 3 rules + 1
    worker.process(_batch(alert_settings, casino, phone, both))
    found = {(a.rule_name, a.doc["post"]["id"]) for a in worker.store.find()}
    assert found == {("casino", casino["id"]), ("casino", both["id"]), ("watch", phone["id"]),
                     ("watch", both["id"]), ("khmer", both["id"])}
    by_rule = {(a.rule_name, a.doc["post"]["id"]): a for a in worker.store.find()}
    assert by_rule[("casino", both["id"])].doc["post"]["highlights"] == ["**Casino** work, call us"]
    assert by_rule[("watch", phone["id"])].doc["post"]["highlights"] == [], "filters only: nothing to highlight"
    assert by_rule[("khmer", both["id"])].keys == ("phone:+85512345678",)


def test_a_rule_failing_at_search_time_is_isolated(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                                   make_worker: WorkerFactory) -> None:
    post = enriched(1, text="Casino dealers wanted")
    index_posts(es, alert_settings, [post])
    good = rule(tmp_path, "good", "type: any\nquery: casino\n")
    bad = rule(tmp_path, "bad", "type: any\nquery: {range: {first_seen: {gte: not-a-date}}}\n")
    worker = make_worker([bad, good])
    assert worker.process(_batch(alert_settings, post)) == []
    assert [(a.rule_name, a.status) for a in worker.store.find()] == [("good", "sent")]
    assert worker.evaluator.errors == {"bad": 1}
