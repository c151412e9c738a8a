"""Poison records: invalid JSON, a wrong schema, invalid UTF-8 and oversized posts.

* Bad records reach ``tipwatch.deadletter`` with the stage and the reason, the workers keep going,
  ``tipwatch deadletter list --json`` shows them. Replaying them puts the same bytes back on their
  original topic, where they are dead-lettered again with the same reason: replay is safe, but it
  does not mend a record (the fix for a bad record is at its producer).
* Replay after a fix, the case replay exists for: the posts index is write-blocked (maintenance, a
  flood-stage disk block), so Elasticsearch refuses the documents and the indexer dead-letters them;
  once the block is lifted, ``tipwatch deadletter replay --stage index`` indexes every one.
* A 20 MB post: tipwatch's producer refuses it before sending, naming the size and the setting; when
  a foreign producer puts one on a topic whose limit was raised, enrich dead-letters it ("too
  large"), keeping its first 4 MB, and replay skips that truncated letter.
* A 3 MB post (under ``kafka.max_message_bytes``) must be indexed or dead-lettered, never crash a worker.
"""

from __future__ import annotations

import json
import random

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from tests.factories import make_raw
from tests.reliability.harness import Pipeline, wait_for
from tests.reliability.observer import Observer, deadletter_cli, deadletter_list
from tipwatch.config import Settings
from tipwatch.contract import RawPost
from tipwatch.es import make_client
from tipwatch.stream import Producer, RecordTooLarge
from tipwatch.stream.connection import admin_client
from tipwatch.stream.deadletter_tools import read_dead_letters

pytestmark = [pytest.mark.slow, pytest.mark.stack]

VALID = 20
TOPIC_MAX = 32 * 1024 * 1024
RAW_POISON = {
    "invalid-json": b'{"schema": "tipwatch.post/1", "id": ',
    "wrong-schema": json.dumps({"schema": "tipwatch.post/0", "id": "0" * 32, "text": "old format"}).encode(),
    "invalid-utf8": b'{"schema": "tipwatch.post/1", "text": "\xff\xfe\xc3\x28"}',
}
RAW_REASONS = {
    "invalid-json": "contract: <message>: not JSON",
    "wrong-schema": "contract: schema: expected 'tipwatch.post/1', got 'tipwatch.post/0'",
    "invalid-utf8": "contract: <message>: not UTF-8",
}


def valid_posts(count: int, tag: str) -> list[RawPost]:
    """``count`` distinct valid raw records."""
    return [make_raw(f"Reliability {tag} post {number}: hotel receptionist wanted in Phnom Penh.")
            for number in range(count)]


def test_poison_records_are_dead_lettered_with_the_reason_and_listed(
        rel_settings: Settings, pipeline: Pipeline, observer: Observer, env: dict[str, str]) -> None:
    pipeline.start("enrich", "index", "alert")
    raw_topic, enriched_topic = rel_settings.topic("posts.raw"), rel_settings.topic("posts.enriched")
    posts = valid_posts(VALID, "poison")
    with Producer(rel_settings, role="reliability") as producer:
        for number, post in enumerate(posts):
            producer.send(raw_topic, post.to_json(), key=post.id.encode())
            if number % 7 == 0:  # poison between valid records, in the same batches
                name = list(RAW_POISON)[number // 7]
                producer.send(raw_topic, RAW_POISON[name], key=name.encode())
        producer.send(enriched_topic, b"not json at all", key=b"enriched-poison")
        producer.flush()
        twenty_mb = make_raw("x" * 20_000_000).to_json()
        with pytest.raises(RecordTooLarge, match=r"record of 200\d{5} bytes .* kafka.max_message_bytes") as refused:
            producer.send(raw_topic, twenty_mb, key=b"twenty-mb")
    admin = admin_client(rel_settings, "reliability")  # another team raised the topic's limit for their producer
    limit = {"max.message.bytes": str(TOPIC_MAX)}
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, raw_topic, configs=limit)])
    admin.close()
    with Producer(rel_settings, role="foreign", max_request_size=TOPIC_MAX) as foreign:
        foreign.send(raw_topic, twenty_mb, key=b"twenty-mb")
    # poison on posts.raw + the 20 MB record (enrich); the enriched poison: by the index and the alert stage
    expected = len(RAW_POISON) + 1 + 2

    def settled() -> bool:
        return (observer.indexed_count() == VALID and observer.dead_letters() == expected
                and all(lag == 0 for lag in observer.lags("enrich", "index", "alert").values()))

    wait_for(settled, 180, "the valid posts indexed and the poison dead-lettered", describe=lambda: (
        f"indexed {observer.indexed_count()}, dead letters {observer.dead_letters()}, lag "
        f"{observer.lags('enrich', 'index', 'alert')}, restarts {pipeline.restarts()}"))
    listed = deadletter_list(env)
    by_stage = sorted((row.stage, row.original_topic) for row in listed)
    counts = (f"{VALID} valid + {len(RAW_POISON)} poison on posts.raw + 1 poison on posts.enriched; "
              f"indexed {observer.indexed_count()}, {len(listed)} dead letters listed {by_stage}, restarts "
              f"{pipeline.restarts()}; 20 MB post refused: {refused.value}")
    assert observer.indexed_count() == VALID and sum(pipeline.restarts().values()) == 0, counts
    assert by_stage == sorted([("enrich", raw_topic)] * 4 + [("index", enriched_topic), ("alert", enriched_topic)]), \
        counts
    (too_large,) = [row for row in listed if row.truncated]
    assert too_large.reason == f"too large: {len(twenty_mb)} bytes, over kafka.max_message_bytes (4194304)", counts
    assert too_large.stage == "enrich" and too_large.bytes == len(twenty_mb), counts
    enrich_reasons = sorted(row.reason for row in listed if row.stage == "enrich" and not row.truncated)
    for name, reason in RAW_REASONS.items():
        assert sum(r.startswith(reason) for r in enrich_reasons) == 1, f"{name}: {reason!r} not in {enrich_reasons}"
    assert {row.bytes for row in listed if row.stage == "enrich" and not row.truncated} == {
        len(v) for v in RAW_POISON.values()}, counts
    assert any(row.reason.startswith("contract: <message>: not JSON") for row in listed if row.stage == "index")
    assert any("not JSON" in row.reason for row in listed if row.stage == "alert"), counts

    # Replay re-sends the same bytes: still poison, dead-lettered again with the same reasons.
    # The truncated letter of the 20 MB record is not re-sent (only its head was kept).
    replayed_out = deadletter_cli(env, "replay", "--stage", "enrich")
    assert "re-sent 3 dead letter(s)" in replayed_out and "truncated dead letter" in replayed_out, replayed_out
    wait_for(lambda: observer.dead_letters() == expected + 3 and observer.lag("enrich") == 0, 90,
             "the replayed poison to be dead-lettered again",
             describe=lambda: f"{observer.dead_letters()} dead letters")
    again = [row for row in deadletter_list(env) if row.stage == "enrich" and not row.truncated]
    replayed = [letter for letter in read_dead_letters(rel_settings) if letter.stage == "enrich"
                and any(name == "original_header_replayed_from" for name, _ in letter.headers)]
    counts += f"; after replay: {len(again)} enrich dead letters, {len(replayed)} marked as replayed"
    assert len(again) == 6 and len(replayed) == 3, counts
    assert sorted(row.reason for row in again) == sorted(enrich_reasons * 2), counts
    assert observer.indexed_count() == VALID and sum(pipeline.restarts().values()) == 0, counts
    print(counts)


def test_replay_after_the_fix_indexes_what_a_write_block_refused(
        rel_settings: Settings, pipeline: Pipeline, observer: Observer, env: dict[str, str]) -> None:
    client = make_client(rel_settings)
    backing = next(iter(client.indices.get_alias(name=rel_settings.index("posts"))))
    client.indices.put_settings(index=backing, settings={"index.blocks.write": True})
    try:
        pipeline.start("enrich", "index")
        posts = valid_posts(VALID, "blocked")
        with Producer(rel_settings, role="reliability") as producer:
            for post in posts:
                producer.send(rel_settings.topic("posts.raw"), post.to_json(), key=post.id.encode())
        wait_for(lambda: observer.dead_letters() == VALID and observer.lag("index") == 0, 120,
                 "the refused documents to be dead-lettered", describe=lambda: (
                     f"{observer.dead_letters()} dead letters, lag {observer.lags('enrich', 'index')}; "
                     f"index log: {pipeline.tail('index')}"))
        refused = deadletter_list(env)
        assert observer.indexed_count() == 0
    finally:
        client.indices.put_settings(index=backing, settings={"index.blocks.write": None})
        client.close()
    output = deadletter_cli(env, "replay", "--stage", "index", "--reason", "index write")
    wait_for(lambda: observer.indexed_count() == VALID, 120, "the replayed posts to be indexed",
             describe=lambda: f"indexed {observer.indexed_count()}; {pipeline.tail('index')}")
    indexed = set(observer.indexed_ids())
    counts = (f"{VALID} posts; {len(refused)} dead-lettered while the index was write-blocked "
              f"({sorted({row.stage for row in refused})}, e.g. {refused[0].reason[:140]!r}); {output.strip()}; "
              f"{len(indexed)} indexed after the replay; restarts {pipeline.restarts()}")
    assert len(refused) == VALID and all(row.stage == "index" and "index write" in row.reason for row in refused), \
        counts
    assert f"re-sent {VALID} dead letter(s)" in output, counts
    assert indexed == {post.id for post in posts} and sum(pipeline.restarts().values()) == 0, counts
    print(counts)


def big_text(size: int, seed: int = 5) -> str:
    """``size`` characters of made-up words (no indicator, no contact: only the size matters)."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abdegiklmnoprstuvy") for _ in range(rng.randrange(3, 9))) for _ in range(5000)]
    text = " ".join(rng.choice(words) for _ in range(size // 4))
    return text[:size]


def test_a_3_mb_post_is_indexed_with_its_whole_text_without_crashing(
        rel_settings: Settings, pipeline: Pipeline, observer: Observer) -> None:
    pipeline.start("enrich", "index")
    big = make_raw(big_text(3_000_000))
    posts = valid_posts(5, "beside-big")
    with Producer(rel_settings, role="reliability") as producer:
        for post in [big, *posts]:
            producer.send(rel_settings.topic("posts.raw"), post.to_json(), key=post.id.encode())

    def handled() -> bool:
        assert pipeline.restart_dead() == [], (
            f"a worker exited on a {len(big.to_json())}-byte post: {pipeline.tail('enrich', 3)}")
        return observer.lag("enrich") == 0 and observer.lag("index") == 0 and \
            observer.indexed_count() + observer.dead_letters() == len(posts) + 1

    wait_for(handled, 60, "the 3 MB post to be indexed or dead-lettered", describe=lambda: (
        f"raw record {len(big.to_json())} bytes; indexed {observer.indexed_count()}, dead letters "
        f"{observer.dead_letters()}, lag {observer.lags('enrich', 'index')}, restarts {pipeline.restarts()}; "
        f"enrich log: {pipeline.tail('enrich', 3)}"))
    counts = (f"raw record {len(big.to_json())} bytes + {len(posts)} small posts: indexed "
              f"{observer.indexed_count()}, dead letters {observer.dead_letters()}, restarts {pipeline.restarts()}")
    assert sum(pipeline.restarts().values()) == 0, counts
    assert observer.indexed_count() == len(posts) + 1 and observer.dead_letters() == 0, counts
    stored = make_client(rel_settings).get(index=rel_settings.index("posts"), id=big.id,
                                           source_includes=["text", "text_tokens"])["_source"]
    counts += (f"; the big post is indexed with {len(stored['text'])} of {len(big.text)} characters of text and "
               f"{len(stored['text_tokens'])} characters of text_tokens (shortened to fit kafka.max_message_bytes)")
    assert stored["text"] == big.text and 0 < len(stored["text_tokens"]) < len(big.text), counts
    print(counts)
