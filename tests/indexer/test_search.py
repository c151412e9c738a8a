"""``tipwatch search`` and the search API: query string, filters, highlights, paging past 10,000."""

from __future__ import annotations

import json

import pytest
from elasticsearch import Elasticsearch, helpers

from indexer.documents import post_document
from indexer.search import MARK_CLOSE, MARK_OPEN, PostSearch, SearchRequest, search_posts, time_bound
from tests.indexer.fixtures import contact, enriched, index_records
from tipwatch.cli import main
from tipwatch.config import Settings
from tipwatch.contract import parse_enriched
from tipwatch.errors import UserError


def corpus() -> list[dict]:
    return [
        enriched(1, text="Urgent: customer service staff for Sihanoukville, free visa", risk=(0.9, "high"),
                 source="fb-kh", fetched_at="2026-11-01T00:00:00Z",
                 contacts=[contact("telegram", "agent_a", "@agent_a")]),
        enriched(2, text="Customer service job in Bangkok office, experience required", risk=(0.1, "low"),
                 source="th-board", country="TH", fetched_at="2026-11-05T00:00:00Z"),
        enriched(3, text="รับสมัครพนักงานต้อนรับด่วน", tokens="รับ สมัคร พนักงาน ต้อนรับ ด่วน", language="th",
                 script="Thai", risk=(0.6, "medium"), source="th-board", country="TH",
                 fetched_at="2026-11-07T00:00:00Z", contacts=[contact("line", "job888", "@job888")]),
        enriched(4, text="高薪招聘客服 西港 包吃包住", tokens="高薪 招聘 客服 西港 包 吃 包 住", language="zh",
                 script="Hans", risk=(0.8, "high"), source="tg-zh", fetched_at="2026-11-09T00:00:00Z",
                 contacts=[contact("telegram", "agent_a", "@agent_a")]),
    ]


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def test_query_string_filters_and_highlights(es: Elasticsearch, stack_settings: Settings) -> None:
    records = corpus()
    index_records(es, stack_settings, records)
    r = {n: rec["id"] for n, rec in enumerate(records, start=1)}
    found = search_posts(es, stack_settings, SearchRequest(query='"customer service"', sort="newest"))
    assert found.total == 2 and ids(found) == [r[2], r[1]]
    marked = f"{MARK_OPEN}customer service{MARK_CLOSE}"
    assert found.hits[1].snippet() == f"Urgent: {marked} staff for Sihanoukville, free visa"
    assert ids(search_posts(es, stack_settings, SearchRequest(query="customer AND visa"))) == [r[1]]
    assert ids(search_posts(es, stack_settings, SearchRequest(query="พนักงาน"))) == [r[3]]
    assert ids(search_posts(es, stack_settings, SearchRequest(query="招聘"))) == [r[4]]
    assert f"{MARK_OPEN}พนักงาน{MARK_CLOSE}" in search_posts(
        es, stack_settings, SearchRequest(query="พนักงาน")).hits[0].snippet()
    by = lambda **kw: sorted(ids(search_posts(es, stack_settings, SearchRequest(**kw))))  # noqa: E731
    assert by(languages=("th", "zh")) == sorted([r[3], r[4]])
    assert by(contacts=("telegram:@Agent_A",)) == sorted([r[1], r[4]])
    assert by(risks=("high",)) == sorted([r[1], r[4]])
    assert by(sources=("th-board",)) == sorted([r[2], r[3]])
    assert by(since="2026-11-05", until="2026-11-09") == sorted([r[2], r[3]])
    assert by(query="customer", risks=("high",), sources=("fb-kh",)) == [r[1]]


def test_time_bounds() -> None:
    assert time_bound("7d") == "now-7d" and time_bound("24h") == "now-24h"
    assert time_bound("2026-11-01") == "2026-11-01"
    assert time_bound("2026-11-01T08:00:00Z") == "2026-11-01T08:00:00Z"
    assert time_bound("now-1w/d") == "now-1w/d"
    with pytest.raises(UserError, match="cannot read the time"):
        time_bound("last tuesday")
    with pytest.raises(UserError, match="--risk"):
        SearchRequest(risks=("extreme",)).body()


def test_paging_beyond_ten_thousand_hits(es: Elasticsearch, stack_settings: Settings) -> None:
    alias = stack_settings.index("posts")
    template = post_document(parse_enriched(enriched(0, text="Drivers wanted")))

    def docs():
        for i in range(10_050):
            seen = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z"
            yield {"_index": alias, "_id": f"p{i:05d}", **template, "id": f"p{i:05d}", "first_seen": seen,
                   "last_seen": seen, "cluster_id": f"p{i:05d}", "cluster_bands": []}

    helpers.bulk(es, docs(), chunk_size=2000, refresh=True)
    with PostSearch(es, stack_settings, SearchRequest(query="drivers", sort="newest"), page_size=3000) as search:
        hits = list(search.hits())
        assert search.total == 10_050
    assert len(hits) == 10_050 and len({h.id for h in hits}) == 10_050
    seen = [h.source["first_seen"] for h in hits]
    assert seen == sorted(seen, reverse=True)
    assert len(list(PostSearch(es, stack_settings, SearchRequest(), page_size=4000).hits(limit=10_001))) == 10_001


def test_cli_table_json_and_bad_query(es: Elasticsearch, stack_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    records = corpus()
    index_records(es, stack_settings, records)
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", stack_settings.elasticsearch.index_prefix)
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["search", "customer", "--json", "--risk", "high"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [records[0]["id"]]
    assert lines[0]["contacts"] == ["telegram:agent_a"] and lines[0]["risk"]["level"] == "high"
    assert "<em>customer</em>" in lines[0]["highlights"]["text"][0].lower()
    assert main(["search", "customer", "--sort", "newest"]) == 0
    out = capsys.readouterr().out
    assert "th-board" in out and "fb-kh" in out and "2 of 2 matching posts" in out
    assert main(["search", "customer AND (visa"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("tipwatch search: bad query: Cannot parse 'customer AND (visa'")
    assert "\n" not in err and "Traceback" not in err
    assert main(["search", "x", "--since", "yesterday-ish"]) == 1
    assert "cannot read the time" in capsys.readouterr().err
