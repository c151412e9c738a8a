"""The tipwatch.post/1 contract: round trips, rejections naming the field, ids, times, schema drift."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tipwatch.contract import (
    ContractError,
    EnrichedPost,
    canonical_url,
    format_time,
    parse_enriched,
    parse_raw,
    parse_time,
    post_id,
)
from tipwatch.contract.jsonschema import FILES, SCHEMA_DIR, render

SHA = "a" * 64


def raw_dict(**overrides: object) -> dict:
    """A valid raw record as it travels on the wire."""
    record = {
        "schema": "tipwatch.post/1",
        "id": post_id("jobs-th", url="https://jobs.example.org/ad/1"),
        "source": {"id": "jobs-th", "kind": "html", "country": "TH"},
        "url": "https://jobs.example.org/ad/1",
        "fetched_at": "2026-11-24T10:00:00Z",
        "published_at": "2026-11-23T17:00:00+07:00",
        "author": {"name": "HR", "handle": None, "url": None},
        "title": "รับสมัครพนักงาน",
        "text": "รับสมัครพนักงานด่วน ติดต่อ 081-234-5678",
        "links": ["https://t.me/jobs_th"],
        "media": [{"url": "https://jobs.example.org/a.jpg", "sha256": SHA}],
        "evidence": {"sha256": SHA, "warc_file": "a.warc.gz", "warc_record_id": "<urn:uuid:1>",
                     "http_status": 200, "rendered": False, "screenshot": None},
        "crawl": {"job_id": "job-1", "spider": "html"},
    }
    record.update(overrides)
    return record


def test_raw_round_trip_is_lossless_and_times_become_utc() -> None:
    post = parse_raw(json.dumps(raw_dict()).encode())
    assert post.published_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    wire = json.loads(post.to_json())
    assert wire["schema"] == "tipwatch.post/1"
    assert wire["published_at"] == "2026-11-23T10:00:00Z"
    assert parse_raw(post.to_json()) == post


def test_enriched_round_trip() -> None:
    enriched = raw_dict(
        language={"code": "th", "script": "Thai", "confidence": 0.97, "method": "script"},
        text_tokens="รับ สมัคร พนักงาน ด่วน",
        contacts=[{"kind": "phone", "value": "+66812345678", "raw": "081-234-5678", "start": 28, "end": 40}],
        indicators=[{"id": "urgent", "category": "urgency_age", "evidence": ["ด่วน"]}],
        risk={"score": 0.2, "level": "low"},
        enriched_at="2026-11-24T10:00:01Z",
    )
    post = parse_enriched(enriched)
    assert isinstance(post, EnrichedPost)
    assert post.contacts[0].value == "+66812345678"
    assert parse_enriched(post.to_json()) == post
    assert post.near_duplicate is None, "the fingerprint is optional: the indexer computes it when missing"


@pytest.mark.parametrize(
    ("sketch", "words"),
    [("not base64!", "not base64"), ("AAAA", "whole number of 64-bit hashes")],
)
def test_near_duplicate_fingerprint_is_checked(sketch: str, words: str) -> None:
    base = raw_dict(language={"code": "en", "confidence": 0.9, "method": "t"}, risk={"score": 0.1, "level": "low"},
                    enriched_at="2026-11-24T10:00:01Z")
    good = {"method": "m/1", "bands": ["00-0123456789abcdef"], "sketch": "AQAAAAAAAAA="}
    assert parse_enriched({**base, "near_duplicate": good}).near_duplicate.sketch == good["sketch"]
    with pytest.raises(ContractError) as caught:
        parse_enriched({**base, "near_duplicate": {**good, "sketch": sketch}})
    assert [path for path, _ in caught.value.problems] == ["near_duplicate.sketch"]
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"schema": "tipwatch.post/2"}, "schema", "expected"),
        ({"id": "not-a-hash"}, "id", "pattern"),
        ({"fetched_at": "2026-11-24T10:00:00"}, "fetched_at", "time zone"),
        ({"fetched_at": 1764000000}, "fetched_at", "not an RFC 3339 string"),
        ({"source": {"id": "x", "kind": "fax"}}, "source.kind", "Input should be"),
        ({"evidence": {"sha256": "xyz"}}, "evidence.sha256", "pattern"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
        ({"text": "a\x00b"}, "text", "NUL"),
    ],
)
def test_rejections_name_the_field_and_why(change: dict, field: str, words: str) -> None:
    with pytest.raises(ContractError) as caught:
        parse_raw(raw_dict(**change))
    paths = [path for path, _ in caught.value.problems]
    assert field in paths, caught.value.problems
    assert words in str(caught.value)


def test_missing_field_and_bad_bytes() -> None:
    record = raw_dict()
    del record["crawl"]
    with pytest.raises(ContractError, match="crawl: Field required"):
        parse_raw(record)
    with pytest.raises(ContractError, match="not UTF-8"):
        parse_raw(b"\xff\xfe{")
    with pytest.raises(ContractError, match="not JSON"):
        parse_raw(b"{nope")
    with pytest.raises(ContractError, match="JSON object"):
        parse_raw(b"[1, 2]")


def test_post_id_is_stable_and_prefers_platform_id() -> None:
    a = post_id("tg", url="https://T.me/s/chan/12?utm_source=x#frag")
    b = post_id("tg", url="https://t.me:443/s/chan/12")
    assert a == b and len(a) == 32
    assert post_id("tg", platform_id="chan/12", url="https://x") == post_id("tg", platform_id="chan/12")
    assert post_id("tg", platform_id="chan/12") != post_id("other", platform_id="chan/12")
    with pytest.raises(ValueError, match="platform id or a URL"):
        post_id("tg")


def test_canonical_url_sorts_query_and_drops_tracking() -> None:
    assert canonical_url("HTTP://Example.ORG:80/a?b=2&a=1&utm_medium=x") == "http://example.org/a?a=1&b=2"


def test_times() -> None:
    bangkok = timezone(timedelta(hours=7))
    assert format_time(datetime(2026, 1, 2, 10, 0, 0, 500000, tzinfo=bangkok)) == "2026-01-02T03:00:00.5Z"
    assert parse_time("2026-01-02T03:00:00z") == datetime(2026, 1, 2, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2026, 1, 1))


@pytest.mark.parametrize("name", sorted(FILES))
def test_checked_in_json_schema_matches_the_models(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.exists(), f"{path} missing: run python -m tipwatch.contract.jsonschema"
    assert path.read_text(encoding="utf-8") == render(FILES[name]), (
        f"{path} drifted from the models: run python -m tipwatch.contract.jsonschema")


def test_json_schema_accepts_valid_and_rejects_invalid_records() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMA_DIR / "post-raw.schema.json").read_text())
    jsonschema.validate(raw_dict(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(raw_dict(url=""), schema)
