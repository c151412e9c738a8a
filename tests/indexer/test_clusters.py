"""Near-duplicate clusters: normalisation, MinHash/LSH, and known duplicate groups in several languages."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from indexer.clusters import RecentPosts, _Candidate
from indexer.sink import IndexSink
from pipelines.enrich.enricher import near_duplicate
from tests.indexer.fixtures import enriched, wire
from tipwatch.config import Settings
from tipwatch.contract import parse_enriched
from tipwatch.fingerprint import (
    BANDS,
    THRESHOLD,
    Fingerprint,
    band_keys,
    band_keys_many,
    fingerprint,
    normalise_words,
    shingles,
    similarity,
)
from tipwatch.stream import Message

DATA = Path(__file__).resolve().parents[1] / "data" / "clusters" / "adverts.json"


def adverts() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["posts"]


def test_normalisation_removes_contacts_numbers_case_and_emoji() -> None:
    words = normalise_words("URGENT!! Salary 1,500 USD 🔥 call +855 12 345 678 or @agent_x, www.jobs.example/apply",
                            contacts=[{"raw": "+855 12 345 678", "value": "+85512345678"}])
    assert words == ["urgent", "salary", "0", "usd", "call", "\ue000", "or", "\ue000"]
    assert normalise_words("เงินเดือน ๓๕,๐๐๐ บาท", "เงินเดือน ๓๕,๐๐๐ บาท") == ["เงินเดือน", "0", "บาท"]
    assert normalise_words("", "") == []


def test_band_keys_are_stable_and_shaped() -> None:
    words = ["hiring", "customer", "service", "staff", "in", "sihanoukville", "free", "food", "and", "accommodation"]
    keys = band_keys(shingles(words))
    assert len(keys) == BANDS and len(set(keys)) == BANDS
    assert all(key[:2].isdigit() and key[2] == "-" and len(key) == 19 for key in keys)
    assert keys == band_keys(shingles(list(words))), "same words, same keys (no per-process salt)"
    assert keys[0] == "00-009377823098cd58", "band keys are stored in the index: they must never drift"
    assert band_keys(frozenset()) == ()


def test_band_keys_of_one_set_equal_those_computed_with_many() -> None:
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**63, size=n, dtype=np.uint64)) for n in (1, 2, 41, 256, 3000)]
    alone = [band_keys(values) for values in sets]
    assert alone == band_keys_many([*sets, np.zeros(0, dtype=np.uint64)])[:-1]
    assert all(len(keys) == BANDS for keys in alone) and band_keys(np.zeros(0, dtype=np.uint64)) == ()


def test_sketch_similarity_is_exact_for_short_posts_and_close_for_long_ones() -> None:
    rng = random.Random(3)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(3000)]
    for length, edits in ((60, 2), (900, 40)):
        words = [rng.choice(vocabulary) for _ in range(length)]
        edited = list(words)
        for position in rng.sample(range(length), edits):
            edited[position] = "changed"
        a, b = shingles(words), shingles(edited)
        exact = len(a & b) / len(a | b)
        estimate = similarity(fingerprint(" ".join(words)), fingerprint(" ".join(edited)))
        if length < 200:
            assert estimate == exact
        else:
            assert abs(estimate - exact) < 0.08, (estimate, exact)
    stored = fingerprint("some advert text that is long enough to shingle")
    assert similarity(stored, Fingerprint.decode(stored.encoded(), stored.bands)) == 1.0


def test_known_groups_pairwise() -> None:
    posts = adverts()
    prints = [fingerprint(p["text"], p["text_tokens"], p["contacts"]) for p in posts]
    for (i, a), (j, b) in itertools.combinations(enumerate(posts), 2):
        similar = similarity(prints[i], prints[j]) >= THRESHOLD
        assert similar == (a["group"] == b["group"]), (a["group"], b["group"])
    assert {p["language"] for p in posts} >= {"en", "th", "km", "my", "zh", "vi", "id"}


def _records(posts: list[dict], *, carried: bool = False) -> list[dict]:
    """Enriched records of the adverts; ``carried``: with ``near_duplicate`` as the enricher computes it."""
    records = [enriched(i, text=p["text"], tokens=p["text_tokens"], language=p["language"], script=p["script"],
                        contacts=p["contacts"], source=f"src-{p['language']}", title=None)
               for i, p in enumerate(posts)]
    if carried:
        for record in records:
            post = parse_enriched(record)
            record["near_duplicate"] = near_duplicate(post.text, post.text_tokens, post.contacts).model_dump()
    return records


def _clusters(es: Elasticsearch, settings: Settings) -> dict[str, str]:
    alias = settings.index("posts")
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=1000, source_includes=["cluster_id"])["hits"]["hits"]
    return {hit["_id"]: hit["_source"]["cluster_id"] for hit in hits}


@pytest.mark.parametrize("carried", [False, True], ids=["computed-by-indexer", "carried-from-enrichment"])
def test_clusters_in_elasticsearch_match_the_known_groups(es: Elasticsearch, stack_settings: Settings,
                                                          carried: bool) -> None:
    posts = adverts()
    records = _records(posts, carried=carried)
    order = list(range(len(records)))
    random.Random(7).shuffle(order)
    sink = IndexSink(es, stack_settings)
    for start in range(0, len(order), 5):  # small batches: candidates come from the index and the batch
        batch = [Message("posts.enriched", 0, k, wire(records[k])) for k in order[start:start + 5]]
        assert sink.process(batch) == []
    clusters = _clusters(es, stack_settings)
    by_group: dict[str, set[str]] = {}
    for post, record in zip(posts, records, strict=True):
        by_group.setdefault(post["group"], set()).add(clusters[record["id"]])
    assert all(len(ids) == 1 for ids in by_group.values()), by_group
    assert len({next(iter(ids)) for ids in by_group.values()}) == len(by_group), "groups must not merge"
    first_of_group = {}
    for k in order:
        first_of_group.setdefault(posts[k]["group"], records[k]["id"])
    assert {g: next(iter(ids)) for g, ids in by_group.items()} == first_of_group, "a cluster is named by its first post"

    replay = IndexSink(es, stack_settings)
    assert replay.process([Message("posts.enriched", 1, k, wire(r)) for k, r in enumerate(reversed(records))]) == []
    assert _clusters(es, stack_settings) == clusters, "replays (in any order) keep every cluster"


def test_a_new_process_joins_existing_clusters(es: Elasticsearch, stack_settings: Settings) -> None:
    posts = [p for p in adverts() if p["group"] in ("zh-1", "th-1")]
    records = _records(posts)
    IndexSink(es, stack_settings).process([Message("t", 0, 0, wire(records[0])), Message("t", 0, 1, wire(records[3]))])
    later = IndexSink(es, stack_settings)  # another worker, started after a restart
    later.process([Message("t", 1, k, wire(r)) for k, r in enumerate(records) if k not in (0, 3)])
    clusters = _clusters(es, stack_settings)
    for post, record in zip(posts, records, strict=True):
        expected = records[0]["id"] if post["group"] == posts[0]["group"] else records[3]["id"]
        assert clusters[record["id"]] == expected


@pytest.mark.parametrize("refresh_every_s", [0.0, 3600.0], ids=["refresh-before-every-batch", "no-refresh"])
def test_a_batch_looked_up_ahead_joins_the_clusters_of_the_batch_before(
        es: Elasticsearch, stack_settings: Settings, refresh_every_s: float) -> None:
    posts = adverts()
    records = _records(posts)
    first_of: dict[str, int] = {}
    for k, post in enumerate(posts):
        first_of.setdefault(post["group"], k)
    firsts = sorted(first_of.values())
    rest = [k for k in range(len(posts)) if k not in firsts]
    sink = IndexSink(es, stack_settings, refresh_every_s=refresh_every_s)
    try:
        ahead = [Message("posts.enriched", 0, 100 + k, wire(records[k])) for k in rest]
        sink.prefetch(ahead)  # searched before the first posts of each group are even written
        for looking in list(sink._prefetched.values()):
            for future in looking:
                future.result()
        assert sink.process([Message("posts.enriched", 0, k, wire(records[k])) for k in firsts]) == []
        assert sink.process(ahead) == []
    finally:
        sink.close()
    clusters = _clusters(es, stack_settings)
    for k in rest:
        assert clusters[records[k]["id"]] == records[first_of[posts[k]["group"]]]["id"], posts[k]["group"]


def test_recent_posts_forget_the_parts_a_refresh_made_searchable() -> None:
    def candidate(post_id: str, bands: set[str], seq: int) -> _Candidate:
        return _Candidate(post_id=post_id, cluster_id=post_id, bands=frozenset(bands), seq=seq)

    recent = RecentPosts()
    recent.add(candidate("a", {"b1", "b2"}, 1))
    recent.add(candidate("b", {"b2", "b3"}, 2))
    recent.add(candidate("c", {"b2"}, 3))
    recent.add(candidate("a", {"b1", "b2"}, 3))  # "a" assigned again (a retry) in part 3
    assert recent.by_band["b2"] == ["a", "b", "c"]
    recent.forget(1)
    assert set(recent.by_id) == {"a", "b", "c"}, "a post assigned again later stays"
    recent.forget(2)
    assert set(recent.by_id) == {"a", "c"} and recent.by_band == {"b1": "a", "b2": ["a", "c"]}
    recent.forget(3)
    assert recent.by_id == {} and recent.by_band == {} and recent.by_seq == {}
