"""Each rule type firing and not firing on crafted posts, on the real Elasticsearch and Kafka.

Windowed types run through the worker's scheduler (``tick``) with a fixed clock; ``any`` runs
through the consumer group on ``posts.enriched``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from tests.indexer.alerts.conftest import (
    Clock,
    WorkerFactory,
    at,
    index_posts,
    produce,
    published_alerts,
    rule,
)
from tests.indexer.alerts.receivers import WebhookReceiver
from tests.indexer.fixtures import contact, enriched
from tipwatch.config import Settings

T0 = "2026-11-24T00:00:00Z"


def post(n: int, minutes: float, *, source: str = "board", keys: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """An enriched record fetched ``minutes`` after T0 carrying ``kind:value`` contacts."""
    contacts = [contact(*key.split(":", 1)) for key in keys]
    return enriched(n, source=source, fetched_at=at(T0, minutes=minutes), contacts=contacts, **extra)


def fired(worker: Any, name: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Alerts of a rule by keys."""
    return {alert.keys: dict(alert.doc) for alert in worker.store.find(rule=name)}


@pytest.mark.parametrize("key_field", ["contact_keys", "contacts.key"])
def test_frequency(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory,
                   key_field: str) -> None:
    index_posts(es, alert_settings, [
        post(1, 5, keys=("telegram:agent_a", "phone:+85512345678")), post(2, 20, keys=("telegram:agent_a",)),
        post(3, 50, source="other", keys=("telegram:agent_a",)),
        post(4, 10, keys=("telegram:agent_b",)), post(5, 40, keys=("telegram:agent_b",)),
        post(6, -30, keys=("telegram:agent_b",)),  # before the window
        post(7, 30, keys=("phone:+85512345678",)), post(8, 31, keys=("phone:+85512345678",)),
    ])
    handle = rule(tmp_path, "handle", f"type: frequency\nquery_key: {key_field}\nkey_include: 'telegram:.*'\n"
                                      "num_events: 3\ntimeframe: 1h\nnotify: [{alerter: log}]\n")
    worker = make_worker([handle], clock=Clock(at(T0, minutes=60)))
    assert worker.tick()["window_matches"] == 1
    alerts = fired(worker, "handle")
    assert list(alerts) == [("telegram:agent_a",)]
    alert = alerts[("telegram:agent_a",)]
    assert alert["facts"] == {"count": 3, "num_events": 3}
    assert alert["window"] == {"start": T0, "end": at(T0, hours=1)}
    assert alert["status"] == "sent" and alert["delivered_to"] == ["log:-"]
    assert {sample["source"]["id"] for sample in alert["samples"]} == {"board", "other"}


def test_spike(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory) -> None:
    index_posts(es, alert_settings, [
        *(post(n, -50 + n, source="surge") for n in range(2)),           # previous hour: 2
        *(post(10 + n, 5 + n, source="surge") for n in range(6)),        # this hour: 6 (x3)
        *(post(20 + n, -40 + n, source="steady") for n in range(2)),     # previous: 2
        *(post(30 + n, 10 + n, source="steady") for n in range(3)),      # this hour: 3 (x1.5)
        *(post(40 + n, 20 + n, source="newcomer") for n in range(5)),    # nothing before: not a spike
    ])
    surge = rule(tmp_path, "surge", "type: spike\nquery_key: source.id\nspike_height: 3\ntimeframe: 1h\n")
    worker = make_worker([surge], clock=Clock(at(T0, minutes=60)))
    worker.tick()
    alerts = fired(worker, "surge")
    assert list(alerts) == [("surge",)]
    facts = alerts[("surge",)]["facts"]
    assert (facts["count"], facts["previous_count"], facts["ratio"]) == (6, 2, 3.0)
    assert alerts[("surge",)]["status"] == "sent"  # no targets: recorded and published only


def test_flatline(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory) -> None:
    index_posts(es, alert_settings, [
        post(1, -600, source="alive"), post(2, 30, source="alive"),
        post(3, -600, source="quiet"), post(4, -300, source="quiet"),
        post(5, -3 * 24 * 60, source="long-gone"),  # outside the lookback: not expected any more
    ])
    quiet = rule(tmp_path, "quiet", "type: flatline\nquery_key: source.id\nthreshold: 1\ntimeframe: 1h\n"
                                    "lookback: 1d\n")
    whole = rule(tmp_path, "whole", "type: flatline\nthreshold: 1\ntimeframe: 1h\nfilters: {sources: [quiet]}\n")
    worker = make_worker([quiet, whole], clock=Clock(at(T0, minutes=60)))
    worker.tick()
    alerts = fired(worker, "quiet")
    assert list(alerts) == [("quiet",)]
    assert alerts[("quiet",)]["facts"] == {"count": 0, "threshold": 1, "last_post_at": at(T0, minutes=-300)}
    assert list(fired(worker, "whole")) == [()]


def test_new_term(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory) -> None:
    index_posts(es, alert_settings, [
        post(1, -10 * 24 * 60, keys=("phone:+85511111111",)), post(2, 30, keys=("phone:+85511111111",)),
        post(3, 40, keys=("phone:+85522222222", "telegram:someone")),
    ])
    new_phone = rule(tmp_path, "new-phone", "type: new_term\nquery_key: contact_keys\nkey_include: 'phone:.*'\n"
                                            "timeframe: 1h\nhistory: 30d\n")
    clock = Clock(at(T0, minutes=60))
    worker = make_worker([new_phone], clock=clock)
    worker.tick()
    alerts = fired(worker, "new-phone")
    assert list(alerts) == [("phone:+85522222222",)]
    assert alerts[("phone:+85522222222",)]["facts"]["first_seen"] == at(T0, minutes=40)
    clock.advance(minutes=1)
    assert worker.tick()["window_matches"] == 1, "still new in the next window..."
    assert len(worker.store.find(rule="new-phone")) == 1, "...but the same term is one alert"


def test_cardinality(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory) -> None:
    index_posts(es, alert_settings, [
        post(1, 5, source="a", keys=("telegram:spread",)), post(2, 6, source="b", keys=("telegram:spread",)),
        post(3, 7, source="c", keys=("telegram:spread",)),
        *(post(10 + n, 10 + n, source="ab"[n % 2], keys=("telegram:local",)) for n in range(4)),
    ])
    spread = rule(tmp_path, "spread", "type: cardinality\nquery_key: contact_keys\ncardinality_field: source.id\n"
                                      "min_cardinality: 3\nnum_events: 3\ntimeframe: 1h\n")
    worker = make_worker([spread], clock=Clock(at(T0, minutes=60)))
    worker.tick()
    alerts = fired(worker, "spread")
    assert list(alerts) == [("telegram:spread",)]
    assert alerts[("telegram:spread",)]["facts"]["values"] == ["a", "b", "c"]


def test_windowed_state_resumes_after_restart(tmp_path: Path, es: Elasticsearch, alert_settings: Settings,
                                              make_worker: WorkerFactory) -> None:
    busy = rule(tmp_path, "busy", "type: frequency\nnum_events: 1\ntimeframe: 1h\nrun_every: 1m\n")
    index_posts(es, alert_settings, [post(1, 30)])
    first = make_worker([busy], clock=Clock(at(T0, minutes=60, seconds=30)))
    first.tick()
    restarted = make_worker([busy], clock=Clock(at(T0, minutes=64, seconds=10)))
    due = restarted.windows.due(restarted.clock())
    assert [end.isoformat() for end in due[0][1]] == [
        f"2026-11-24T01:0{m}:00+00:00" for m in (1, 2, 3, 4)], "the missed windows, not the evaluated one"
    restarted.tick()
    state = es.get(index=alert_settings.index("alert_state"), id="window-busy")["_source"]
    assert state["last_end"] == at(T0, minutes=64)
    assert state["previous"]["fired"] == ["_all"]
    assert len(restarted.store.find(rule="busy")) == 1, "later windows are throttled (realert = timeframe)"


def test_any_through_kafka(tmp_path: Path, es: Elasticsearch, alert_settings: Settings, make_worker: WorkerFactory,
                           webhook: WebhookReceiver) -> None:
    hit = enriched(1, text="Casino jobs in Sihanoukville, passport kept", risk=(0.9, "high"))
    low = enriched(2, text="Hotel jobs in Sihanoukville", risk=(0.1, "low"))
    other = enriched(3, text="Factory work in Bangkok, passport kept", risk=(0.9, "high"))
    index_posts(es, alert_settings, [hit, low, other])
    produce(alert_settings, [hit, low, other])
    watch = rule(tmp_path, "sihanoukville", "type: any\nquery: Sihanoukville\nfilters: {risk: high}\n"
                                            "notify: [{env: HOOK}]\n")
    worker = make_worker([watch], environ={"HOOK": webhook.url()})
    stats = worker.run(max_messages=3, idle_timeout_s=30)
    assert stats.messages == 3 and stats.rejected == 0
    assert [message["title"] for message in webhook.messages] == [
        "[tipwatch medium] sihanoukville: high-risk post on demo-board: Job 1"]
    assert "Casino jobs in **Sihanoukville**, passport kept" in webhook.messages[0]["message"]
    alerts = worker.store.find(rule="sihanoukville")
    assert [(a.doc["post"]["id"], a.status) for a in alerts] == [(hit["id"], "sent")]
    assert [(m["id"], m["post"]["id"]) for m in published_alerts(alert_settings)] == [(alerts[0].id, hit["id"])]
