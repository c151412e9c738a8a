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

Posts this process wrote are searchable only after a refresh, so the sink keeps them in
``RecentPosts`` (band key -> candidates), each under the sequence number of its part, until the
parts being assigned were looked up after a refresh that followed those posts' writes
(``RecentPosts.forget``); the sink refreshes every few seconds (``sink.REFRESH_EVERY_S``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from tipwatch.fingerprint import THRESHOLD, Fingerprint, similarity, source_fingerprint

CANDIDATE_LIMIT = 2000
"""Most candidate posts fetched per batch."""
VERIFY_LIMIT = 25
"""Most candidates compared per post (those sharing the most bands first)."""
CANDIDATE_SOURCE = ["cluster_id", "cluster_bands", "cluster_sketch"]
CANDIDATE_RESPONSE = ["hits.hits._id", "hits.hits._source"]
"""``filter_path`` of the candidate search: Elasticsearch leaves out index names, sort values, collapse keys."""


@dataclass
class _Candidate:
    post_id: str
    cluster_id: str
    bands: frozenset[str]
    source: Mapping[str, Any] | None = None
    print_: Fingerprint | None = field(default=None)
    seq: int = 0
    """The sink's part sequence number (``RecentPosts``)."""

    def fingerprint(self) -> Fingerprint:
        if self.print_ is None:
            self.print_ = source_fingerprint(self.source or {})
            self.source = None
        return self.print_


Indexed = dict[str, dict[str, _Candidate]]
"""Indexed candidates by band key, then post id."""


@dataclass
class RecentPosts:
    """Posts this process assigned that a search may not find yet (band key -> post id -> candidate).

    Filled by ``Clusterer.assign`` with the sequence number of the post's part; the sink forgets the
    parts a refresh made searchable once every part still to be assigned was looked up after it.
    """

    by_band: dict[str, str | list[str]] = field(default_factory=dict)
    """Band key -> post id, or post ids when several posts share the band (rare: a flat dict is cheap)."""
    by_id: dict[str, _Candidate] = field(default_factory=dict)
    by_seq: dict[int, list[str]] = field(default_factory=dict)
    """Part sequence number -> the post ids assigned in that part."""

    def add(self, candidate: _Candidate) -> None:
        """Remember an assigned post under each of its band keys."""
        post_id = candidate.post_id
        self.by_id[post_id] = candidate
        self.by_seq.setdefault(candidate.seq, []).append(post_id)
        by_band = self.by_band
        taken = by_band.keys() & candidate.bands
        if not taken:  # the usual case: bands no other recent post has
            by_band.update(dict.fromkeys(candidate.bands, post_id))
            return
        by_band.update(dict.fromkeys(candidate.bands - taken, post_id))
        for band in taken:
            present = by_band[band]
            if isinstance(present, list):
                if post_id not in present:
                    present.append(post_id)
            elif present != post_id:
                by_band[band] = [present, post_id]

    def forget(self, upto: int) -> None:
        """Forget the posts of parts numbered up to ``upto`` (searches find them now). A post
        assigned again in a later part (a retry) stays, under that part."""
        for seq in [seq for seq in self.by_seq if seq <= upto]:
            for post_id in self.by_seq.pop(seq):
                candidate = self.by_id.get(post_id)
                if candidate is None or candidate.seq != seq:
                    continue
                del self.by_id[post_id]
                for band in candidate.bands:
                    present = self.by_band.get(band)
                    if present == post_id:
                        del self.by_band[band]
                    elif isinstance(present, list) and post_id in present:
                        present.remove(post_id)
                        if len(present) == 1:
                            self.by_band[band] = present[0]


class Clusterer:
    """Assigns cluster ids to a batch of posts, looking candidates up in the posts index."""

    def __init__(self, client: Elasticsearch, index: str) -> None:
        self.client = client
        self.index = index
        self.seconds: Counter[str] = Counter()
        """Seconds spent in the candidate search (``candidates``)."""
        self._lock = threading.Lock()

    def _indexed_candidates(self, bands: set[str]) -> list[_Candidate]:
        if not bands:
            return []
        response = self.client.search(
            index=self.index, query={"bool": {"filter": [{"terms": {"cluster_bands": list(bands)}}]}},
            size=CANDIDATE_LIMIT, source_includes=CANDIDATE_SOURCE, sort=[{"id": "asc"}], request_cache=False,
            collapse={"field": "cluster_content"}, filter_path=CANDIDATE_RESPONSE,
        )
        found = []
        for hit in response.body.get("hits", {}).get("hits", ()):  # no hits: filter_path leaves out "hits"
            source = hit["_source"]
            found.append(_Candidate(
                post_id=hit["_id"], cluster_id=source.get("cluster_id") or hit["_id"],
                bands=frozenset(source.get("cluster_bands") or ()), source=source,
            ))
        return found

    def indexed(self, posts: Sequence[tuple[str, Fingerprint]], keep: Mapping[str, str]) -> Indexed:
        """The indexed candidates of the posts not in ``keep``, by band key (one search; thread-safe)."""
        wanted = {band for post_id, print_ in posts if post_id not in keep for band in print_.bands}
        started = time.perf_counter()
        found = self._indexed_candidates(wanted)
        with self._lock:
            self.seconds["candidates"] += time.perf_counter() - started
        indexed: Indexed = {}
        for candidate in found:
            for band in candidate.bands & wanted:
                indexed.setdefault(band, {})[candidate.post_id] = candidate
        return indexed

    def assign(self, posts: Sequence[tuple[str, Fingerprint]], keep: Mapping[str, str],
               recent: RecentPosts | None = None, indexed: Indexed | None = None, seq: int = 0) -> dict[str, str]:
        """Post id -> cluster id, in batch order; ids in ``keep`` keep their stored cluster.

        ``recent`` holds posts assigned before (earlier in the batch, or in batches written since the
        last refresh) that a search may not find yet; the posts assigned now are added to it.
        ``indexed``: the result of ``indexed(posts, keep)`` when the caller searched already; ``seq``:
        the part's sequence number in ``recent``.
        """
        indexed = self.indexed(posts, keep) if indexed is None else indexed
        recent = recent if recent is not None else RecentPosts()
        assigned: dict[str, str] = {}
        for post_id, print_ in posts:
            cluster = keep.get(post_id) or self._best(post_id, print_, indexed, recent) or post_id
            assigned[post_id] = cluster
            recent.add(_Candidate(post_id=post_id, cluster_id=cluster, bands=print_.band_set, print_=print_,
                                  seq=seq))
        return assigned

    @staticmethod
    def _best(post_id: str, print_: Fingerprint, indexed: Indexed, recent: RecentPosts) -> str | None:
        """The cluster of the most similar candidate sharing a band (recent posts win over their
        indexed copies), or None below the threshold."""
        bands = print_.band_set
        recent_bands = recent.by_band
        from_recent = recent_bands.keys() & bands
        from_index = indexed.keys() & bands if indexed else ()
        if not from_recent and not from_index:  # the usual case: a post like no other
            return None
        shared: dict[str, int] = {}
        found: dict[str, _Candidate] = {}
        for band in from_index:
            found.update(indexed[band])
            for other_id in indexed[band]:
                shared[other_id] = shared.get(other_id, 0) + 1
        for band in from_recent:
            present = recent_bands[band]
            for other_id in present if isinstance(present, list) else (present,):
                if other_id not in indexed.get(band, ()):  # its indexed copy was counted already
                    shared[other_id] = shared.get(other_id, 0) + 1
        shared.pop(post_id, None)
        if not shared:
            return None
        candidates = {other_id: recent.by_id.get(other_id) or found[other_id] for other_id in shared}
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
