"""Enriched record -> index document, and the idempotent update (pure functions, no server)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import TypeAdapter

from indexer import documents
from indexer.documents import (
    Stored,
    contact_key,
    create_action,
    document_json,
    merge_records,
    parse_message,
    post_document,
    post_fingerprint,
    prepare_values,
    update_action,
)
from tests.indexer.fixtures import contact, enriched, wire
from tipwatch.contract import ContractError, parse_enriched
from tipwatch.fingerprint import fingerprint


def _post(n: int = 1, fetched_at: str = "2026-11-01T08:00:00Z", text: str | None = None):
    body = text or "Call 012 345 678 or write to agent@example.org"
    return parse_enriched(enriched(n, text=body, fetched_at=fetched_at, contacts=[
        contact("phone", "+85512345678", "012 345 678", body), contact("email", "agent@example.org", text=body)]))


def test_document_adds_contact_keys_and_keeps_the_record() -> None:
    post = _post()
    doc = post_document(post)
    assert doc["contact_keys"] == ["email:agent@example.org", "phone:+85512345678"]
    assert [c["key"] for c in doc["contacts"]] == ["phone:+85512345678", "email:agent@example.org"]
    assert doc["contacts"][0]["raw"] == "012 345 678" and doc["contacts"][0]["start"] == 5
    assert doc["schema"] == "tipwatch.post/1" and doc["fetched_at"] == "2026-11-01T08:00:00Z"
    assert "first_seen" not in doc and "cluster_id" not in doc
    assert contact_key("btc", "bc1qxy") == "btc:bc1qxy"


def test_the_document_is_what_the_model_writes_whichever_way_it_was_validated() -> None:
    record = enriched(5, fetched_at="2026-11-01T15:00:00.5+07:00",
                      contacts=[contact("phone", "+85512345678", "012 345 678")])
    post = parse_enriched(record)
    from_plain = document_json(parse_message(wire(record)))
    assert from_plain == document_json(post)
    expected = {**orjson.loads(post.to_json()), "contacts": [
        {**c.model_dump(), "key": contact_key(c.kind, c.value)} for c in post.contacts],
        "contact_keys": ["phone:+85512345678"]}
    del expected["near_duplicate"]
    assert orjson.loads(from_plain) == expected
    assert next(iter(orjson.loads(from_plain))) == "schema"
    assert orjson.loads(from_plain)["fetched_at"] == "2026-11-01T08:00:00.5Z", "RFC 3339 UTC, as the wire form"


def test_new_post_is_a_create_with_the_full_document_and_first_seen() -> None:
    post = _post()
    merged = merge_records([post])
    action = create_action("t-posts", merged, "c1")
    assert action["_op_type"] == "create" and action["_id"] == post.id and action["_index"] == "t-posts"
    source = orjson.loads(action["_source"])
    assert source["first_seen"] == source["last_seen"] == "2026-11-01T08:00:00Z"
    assert source["cluster_id"] == "c1"
    assert source["cluster_bands"] == list(fingerprint(post.text, "", [
        {"raw": c.raw, "value": c.value} for c in post.contacts]).bands)
    assert {**post_document(post), "first_seen": source["first_seen"], "last_seen": source["last_seen"],
            "cluster_id": "c1", "cluster_bands": source["cluster_bands"], "cluster_sketch": source["cluster_sketch"],
            "cluster_content": source["cluster_content"]} == source
    upsert = update_action("t-posts", merged, None, "c1")
    assert upsert is not None and upsert["upsert"] == source, "a create refused meanwhile: same document"
    assert upsert["doc"] == {"last_seen": "2026-11-01T08:00:00Z"}, "if created meanwhile: only last_seen moves"
    assert "script" not in upsert


def test_prepare_values_validates_like_parse_enriched() -> None:
    good = enriched(3)
    missing_schema = {k: v for k, v in good.items() if k != "schema"}
    out = prepare_values([wire(good), b"{not json", orjson.dumps(missing_schema), None, b"[1]",
                          orjson.dumps({**good, "risk": {"score": 2, "level": "low"}}),
                          orjson.dumps({**good, "fetched_at": 1764000000})])
    assert not isinstance(out[0], str) and out[0].post_id == good["id"]
    assert out[0].fetched_text == "2026-11-01T08:00:00Z"
    assert out[1].startswith("contract: <message>: not JSON")
    assert out[2] == "contract: schema: expected 'tipwatch.post/1', got None"
    assert out[3].startswith("contract: <message>: not JSON") and out[4].startswith("contract: <message>: expected")
    assert out[5].startswith("contract: risk.score:")
    assert out[6].startswith("contract: fetched_at:") and "not an RFC 3339 string" in out[6]


class _RefusesEverything:
    """A fast validator that rejects every value (as it would a record it cannot read)."""

    def validate_json(self, data: bytes) -> object:
        return TypeAdapter(int).validate_json(b'"not a number"')


def test_what_the_fast_validator_refuses_is_judged_by_parse_enriched(monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = enriched(4), {**enriched(5), "risk": {"score": 2, "level": "low"}}
    expected = parse_message(wire(good))
    with pytest.raises(ContractError) as refused:
        parse_enriched(wire(bad))
    monkeypatch.setattr(documents, "_PLAIN", _RefusesEverything())
    assert parse_message(wire(good)) == expected, "a record parse_enriched accepts is kept, as plain data"
    with pytest.raises(ContractError) as fallback:
        parse_message(wire(bad))
    assert fallback.value.reason == refused.value.reason
    out = prepare_values([wire(good), wire(bad)])
    assert not isinstance(out[0], str) and out[0].document == document_json(expected)
    assert out[1] == f"contract: {refused.value.reason}"


def test_a_carried_fingerprint_is_used_and_one_of_another_method_recomputed() -> None:
    post = _post()
    computed = post_fingerprint(post)
    other = fingerprint("a different advert text altogether, nothing like the post", "", [])
    record = enriched(1, text=post.text, contacts=[c.model_dump() for c in post.contacts],
                      near_duplicate=other.record().model_dump())
    stale = {**record, "near_duplicate": {**record["near_duplicate"], "method": "minhash-old/0"}}
    carried, recomputed = prepare_values([wire(record), wire(stale)])
    assert not isinstance(carried, str) and not isinstance(recomputed, str)
    assert carried.bands == other.bands and carried.sketch == other.sketch.astype("<u8").tobytes()
    assert recomputed.bands == computed.bands, "another method: the indexer computes its own"
    source = orjson.loads(create_action("t-posts", merge_records([carried]), "c1")["_source"])
    assert source["cluster_bands"] == list(other.bands) and source["cluster_sketch"] == other.encoded()
    assert source["cluster_content"] == other.content_key()
    assert "near_duplicate" not in source, "the fingerprint becomes the cluster fields, not a field of its own"


def test_recrawl_moves_last_seen_and_keeps_first_seen_and_cluster() -> None:
    stored = Stored(first_seen=datetime(2026, 10, 1, tzinfo=UTC), last_seen=datetime(2026, 10, 5, tzinfo=UTC),
                    cluster_id="old-cluster")
    merged = merge_records([_post(fetched_at="2026-11-02T00:00:00Z", text="edited text 012 345 678")])
    action = update_action("t-posts", merged, stored, "new-cluster")
    assert action is not None
    assert action["doc"]["last_seen"] == "2026-11-02T00:00:00Z"
    assert action["doc"]["text"] == "edited text 012 345 678"
    assert action["doc"]["cluster_id"] == "old-cluster"
    assert "first_seen" not in action["doc"] and "upsert" not in action


def test_late_older_crawl_only_moves_first_seen_back_or_does_nothing() -> None:
    stored = Stored(first_seen=datetime(2026, 10, 1, tzinfo=UTC), last_seen=datetime(2026, 10, 5, tzinfo=UTC),
                    cluster_id="c")
    older = merge_records([_post(fetched_at="2026-09-30T00:00:00Z")])
    action = update_action("t-posts", older, stored, "c")
    assert action is not None and action["doc"] == {"first_seen": "2026-09-30T00:00:00Z"}
    between = merge_records([_post(fetched_at="2026-10-03T00:00:00Z")])
    assert update_action("t-posts", between, stored, "c") is None


def test_merge_takes_latest_content_and_full_seen_range() -> None:
    first, second, third = (_post(fetched_at=t, text=f"version {t}") for t in
                            ("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", "2026-11-01T00:00:00Z"))
    merged = merge_records([first, second, third])
    assert merged.post.document_dict()["text"] == "version 2026-11-03T00:00:00Z"
    assert merged.first_seen == datetime(2026, 11, 1, tzinfo=UTC)
    assert merged.last_seen == datetime(2026, 11, 3, tzinfo=UTC)
    with pytest.raises(ValueError):
        merge_records([])


def test_inputs_are_not_mutated() -> None:
    record = enriched(5, contacts=[contact("telegram", "agent_x")])
    before = copy.deepcopy(record)
    post = parse_enriched(record)
    dumped = post.to_json_dict()
    update_action("t-posts", merge_records([post]), None, "c")
    assert record == before and post.to_json_dict() == dumped
