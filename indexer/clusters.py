"""Near-duplicate clusters: reposted and lightly edited adverts share a ``cluster_id``.

Two posts are near-duplicates when the Jaccard similarity of their word 3-shingles is at least
0.8, after normalising contacts, numbers, punctuation, emoji, case and whitespace
(``fingerprint.py``). Every post document stores its 20 LSH band keys (``cluster_bands``, a keyword
field) and its shingle sketch (``cluster_sketch``, binary, not indexed). For a batch, one ``terms``
query on ``cluster_bands`` finds the indexed posts sharing a band with any post of the batch; each
post is compared (``similarity``) with its candidates sharing the most bands, from the index and
from earlier posts of the same batch. Posts with the same normalised content (``cluster_content``,
a hash of the sketch) are in the same cluster, so the query collapses them to one candidate: a
thousand reposts of one advert cost one comparison. A pair at 0.8 shares a band with probability 0.998, a pair at
0.5 with 0.27, so LSH decides who is compared and the sketch decides who is similar.

A new post joins the cluster of its most similar candidate at or above the threshold (ties: the
smaller cluster id), or founds its own cluster (``cluster_id`` = its post id). A post that is
already indexed keeps its cluster, so replaying the topic gives the same clusters. All state is in
Elasticsearch, so it holds across processes and restarts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from indexer.fingerprint import THRESHOLD, Fingerprint, similarity, source_fingerprint

CANDIDATE_LIMIT = 2000
"""Most candidate posts fetched per batch."""
VERIFY_LIMIT = 25
"""Most candidates compared per post (those sharing the most bands first)."""
CANDIDATE_SOURCE = ["cluster_id", "cluster_bands", "cluster_sketch"]


@dataclass
class _Candidate:
    post_id: str
    cluster_id: str
    bands: frozenset[str]
    source: Mapping[str, Any] | None = None
    print_: Fingerprint | None = field(default=None)

    def fingerprint(self) -> Fingerprint:
        if self.print_ is None:
            self.print_ = source_fingerprint(self.source or {})
            self.source = None
        return self.print_


@dataclass
class BatchPosts:
    """Posts of the current batch already assigned (band key -> post id -> candidate)."""

    by_band: dict[str, dict[str, _Candidate]] = field(default_factory=dict)


class Clusterer:
    """Assigns cluster ids to a batch of posts, looking candidates up in the posts index."""

    def __init__(self, client: Elasticsearch, index: str) -> None:
        self.client = client
        self.index = index

    def _indexed_candidates(self, bands: set[str]) -> list[_Candidate]:
        if not bands:
            return []
        response = self.client.search(
            index=self.index, query={"bool": {"filter": [{"terms": {"cluster_bands": sorted(bands)}}]}},
            size=CANDIDATE_LIMIT, source_includes=CANDIDATE_SOURCE, sort=[{"id": "asc"}], request_cache=False,
            collapse={"field": "cluster_content"},
        )
        found = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            found.append(_Candidate(
                post_id=hit["_id"], cluster_id=source.get("cluster_id") or hit["_id"],
                bands=frozenset(source.get("cluster_bands") or ()), source=source,
            ))
        return found

    def assign(self, posts: Sequence[tuple[str, Fingerprint]], keep: Mapping[str, str],
               earlier: BatchPosts | None = None) -> dict[str, str]:
        """Post id -> cluster id, in batch order; ids in ``keep`` keep their stored cluster.

        ``earlier`` holds posts assigned before in the same batch but perhaps not yet searchable; the
        posts assigned now are added to it.
        """
        wanted = {band for post_id, print_ in posts if post_id not in keep for band in print_.bands}
        by_band: dict[str, dict[str, _Candidate]] = {}
        for candidate in self._indexed_candidates(wanted):
            for band in candidate.bands & wanted:
                by_band.setdefault(band, {})[candidate.post_id] = candidate
        earlier = earlier if earlier is not None else BatchPosts()
        for band in wanted:
            by_band.setdefault(band, {}).update(earlier.by_band.get(band, {}))
        assigned: dict[str, str] = {}
        for post_id, print_ in posts:
            cluster = keep.get(post_id) or self._best(post_id, print_, by_band) or post_id
            assigned[post_id] = cluster
            mine = _Candidate(post_id=post_id, cluster_id=cluster, bands=frozenset(print_.bands), print_=print_)
            for band in print_.bands:
                by_band.setdefault(band, {})[post_id] = mine
                earlier.by_band.setdefault(band, {})[post_id] = mine
        return assigned

    @staticmethod
    def _best(post_id: str, print_: Fingerprint, by_band: Mapping[str, Mapping[str, _Candidate]]) -> str | None:
        shared: dict[str, int] = {}
        candidates: dict[str, _Candidate] = {}
        for band in print_.bands:
            for other_id, candidate in by_band.get(band, {}).items():
                if other_id != post_id:
                    shared[other_id] = shared.get(other_id, 0) + 1
                    candidates[other_id] = candidate
        ranked = sorted(candidates, key=lambda other: (-shared[other], other))[:VERIFY_LIMIT]
        best: tuple[float, str] | None = None
        for other_id in ranked:
            candidate = candidates[other_id]
            score = similarity(print_, candidate.fingerprint())
            if score < THRESHOLD:
                continue
            if best is None or score > best[0] or (score == best[0] and candidate.cluster_id < best[1]):
                best = (score, candidate.cluster_id)
        return best[1] if best else None
