"""Enriched records -> ``tipwatch-posts`` documents, and the actions that write them idempotently.

The document is the enriched record (``tipwatch.post/1``) plus:

- ``contacts[].key`` = ``kind:value`` and ``contact_keys`` (the same keys, flat, for filters and
  Kibana, where nested fields are awkward);
- ``first_seen`` / ``last_seen``: the earliest / latest ``fetched_at`` of the post's crawls;
- ``cluster_id`` and the near-duplicate state (``cluster_bands``, ``cluster_sketch``,
  ``cluster_content``; see ``clusters.py``).

``prepare_values`` turns message values into ``Prepared`` records (validated, document serialised,
fingerprint computed): plain data, so it can run in a worker process. A post not yet indexed is
written with a ``create`` action carrying the full document (half the work of an update for
Elasticsearch: no stored source to fetch and merge); when another writer created it meanwhile,
Elasticsearch answers 409 and the sink sends the ``update`` below instead. A stored post gets an
``update`` with a partial ``doc``: a re-crawl merges the doc, which never contains ``first_seen``
unless an older crawl arrived late. No scripts: the merge decision is taken here, from the stored
``first_seen``/``last_seen`` read just before the write.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from tipwatch.contract import ContractError, EnrichedPost, format_time, parse_enriched, parse_time
from tipwatch.contract.plain import plain_validator
from tipwatch.fingerprint import Fingerprint, content_key, fingerprint, fingerprints, is_current

RETRY_ON_CONFLICT = 3
"""Version conflicts (two writers on one post during a consumer rebalance) retried by Elasticsearch."""


_NOT_IN_DOCUMENT = {"contacts", "near_duplicate"}
"""Record fields not copied as they are: contacts get keys, the fingerprint becomes the cluster fields."""


def contact_key(kind: str, value: str) -> str:
    """The identifier key of a contact: ``phone:+85512345678``."""
    return f"{kind}:{value}"


Record = dict[str, Any]
"""An enriched record as plain data (``plain_record``): what ``EnrichedPost.model_dump()`` holds, with
``datetime`` times."""

_PLAIN = plain_validator(EnrichedPost, required=("schema_",))
"""``EnrichedPost``'s rules, giving dicts (``tipwatch.contract.plain``); the ``schema`` key is required."""


def plain_record(post: EnrichedPost) -> Record:
    """A validated post as plain data (the form ``parse_message`` gives): ``model_dump`` writes the
    times as text, the record keeps them as ``datetime``."""
    return {name: moment if isinstance(moment := getattr(post, name), datetime) else value
            for name, value in post.model_dump().items()}


def post_document(post: EnrichedPost | Record) -> dict[str, Any]:
    """The index document of one enriched record, without the seen times and cluster fields."""
    return orjson.loads(document_json(post))


def document_json(post: EnrichedPost | Record) -> bytes:
    """``post_document`` as JSON: the record as it is written on the wire (``schema`` first, RFC
    3339 UTC times), without ``near_duplicate``, with ``contacts[].key`` and ``contact_keys`` last."""
    record = plain_record(post) if isinstance(post, EnrichedPost) else post
    document: dict[str, Any] = {"schema": record["schema_"]}
    for name, value in record.items():
        if name not in _NOT_IN_DOCUMENT and name != "schema_":
            document[name] = format_time(value) if isinstance(value, datetime) else value
    contacts = [{**contact, "key": contact_key(contact["kind"], contact["value"])} for contact in record["contacts"]]
    document["contacts"] = contacts
    document["contact_keys"] = sorted({contact["key"] for contact in contacts})
    return orjson.dumps(document)


def parse_message(value: bytes | None) -> Record:
    """A message value validated like ``parse_enriched``, as plain data: validated straight into
    dicts first (``_PLAIN``), by ``parse_enriched`` itself (its exact error) whenever that fails."""
    data = value if value is not None else b""
    try:
        return _PLAIN.validate_json(data)
    except ValidationError:
        return plain_record(parse_enriched(data))


@dataclass(frozen=True)
class Prepared:
    """One validated record, reduced to what the indexer writes (plain data: picklable)."""

    post_id: str
    fetched_at: datetime
    fetched_text: str
    """``fetched_at`` as written in documents (RFC 3339, UTC)."""
    document: bytes
    """``post_document`` as JSON."""
    sketch: bytes
    """The fingerprint's sketch, little-endian uint64."""
    band_keys: str
    """The band keys, space-separated (one string pickles in a fraction of the time of twenty)."""
    near: bytes
    """The cluster fields as JSON object members (``"cluster_bands":[…],…``, no braces)."""

    @property
    def bands(self) -> tuple[str, ...]:
        """The LSH band keys."""
        return tuple(self.band_keys.split(" "))

    def fingerprint(self) -> Fingerprint:
        """The near-duplicate fingerprint."""
        return Fingerprint.from_bytes(self.sketch, self.band_keys.split(" "))

    def document_dict(self) -> dict[str, Any]:
        """The document with the cluster fields, as a dict (for partial updates)."""
        return orjson.loads(self.document[:-1] + b"," + self.near + b"}")


def fingerprint_input(record: Record) -> tuple[str, str, list[dict[str, str]]]:
    """What a post's near-duplicate fingerprint is computed from: text, tokens, contacts (raw and value)."""
    return record["text"], record["text_tokens"], [{"raw": c["raw"], "value": c["value"]} for c in record["contacts"]]


def _carried(record: Record) -> tuple[bytes, tuple[str, ...]] | None:
    """The sketch (bytes) and band keys the record carries, when enrichment computed them by this ``METHOD``."""
    near = record.get("near_duplicate")
    if near is None or not is_current(near["method"], near["bands"]):
        return None
    return base64.b64decode(near["sketch"]), tuple(near["bands"])


def post_fingerprint(post: EnrichedPost | Record) -> Fingerprint:
    """The near-duplicate fingerprint of one post: the one enrichment computed, else computed here."""
    record = plain_record(post) if isinstance(post, EnrichedPost) else post
    carried = _carried(record)
    if carried is None:
        return fingerprint(*fingerprint_input(record))
    return Fingerprint.from_bytes(*carried)


def prepare_records(records: Sequence[Record]) -> list[Prepared]:
    """``Prepared`` records of validated posts: the fingerprints they carry, the others computed together."""
    carried = [_carried(record) for record in records]
    missing = [number for number, found in enumerate(carried) if found is None]
    for number, computed in zip(missing, fingerprints(fingerprint_input(records[n]) for n in missing), strict=True):
        carried[number] = (computed.sketch.astype("<u8").tobytes(), computed.bands)
    recomputed = set(missing)
    prepared = []
    for number, (record, found) in enumerate(zip(records, carried, strict=True)):
        assert found is not None
        sketch, bands = found
        encoded = (base64.b64encode(sketch).decode() if number in recomputed
                   else record["near_duplicate"]["sketch"])  # a carried sketch is stored as it came
        members = orjson.dumps({"cluster_bands": bands, "cluster_sketch": encoded,
                                "cluster_content": content_key(sketch)})[1:-1]
        fetched_at = record["fetched_at"]
        prepared.append(Prepared(post_id=record["id"], fetched_at=fetched_at, fetched_text=format_time(fetched_at),
                                 document=document_json(record), sketch=sketch, band_keys=" ".join(bands),
                                 near=members))
    return prepared


def prepare_posts(posts: Sequence[EnrichedPost]) -> list[Prepared]:
    """``prepare_records`` of validated model instances."""
    return prepare_records([plain_record(post) for post in posts])


def prepare_values(values: Sequence[bytes | None]) -> list[Prepared | str]:
    """Per message value: its ``Prepared`` record, or the contract violation (``contract: …``)."""
    records: list[Record] = []
    out: list[Prepared | str] = []
    for value in values:
        try:
            records.append(parse_message(value))
            out.append("")
        except ContractError as exc:
            out.append(f"contract: {exc.reason}")
    ready = iter(prepare_records(records))
    return [next(ready) if item == "" else item for item in out]


@dataclass(frozen=True)
class Stored:
    """What the index already holds for a post: its seen times and cluster."""

    first_seen: datetime
    last_seen: datetime
    cluster_id: str | None

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> Stored:
        """From a hit's ``_source`` (``first_seen``, ``last_seen``, ``cluster_id``)."""
        return cls(first_seen=parse_time(source["first_seen"]), last_seen=parse_time(source["last_seen"]),
                   cluster_id=source.get("cluster_id"))


@dataclass(frozen=True)
class Merged:
    """One post id's records of a batch folded into one: the latest content, the seen range."""

    post: Prepared
    first_seen: datetime
    last_seen: datetime
    first_text: str = ""
    last_text: str = ""
    """``first_seen``/``last_seen`` formatted (RFC 3339, UTC)."""


def merge_records(posts: Sequence[Prepared | EnrichedPost]) -> Merged:
    """Fold several records of the same post (in arrival order): the latest crawl's content wins."""
    if not posts:
        raise ValueError("merge_records needs at least one record")
    if len(posts) == 1 and isinstance(posts[0], Prepared):  # the usual case
        only = posts[0]
        return Merged(post=only, first_seen=only.fetched_at, last_seen=only.fetched_at, first_text=only.fetched_text,
                      last_text=only.fetched_text)
    records = [post if isinstance(post, Prepared) else prepare_posts([post])[0] for post in posts]
    latest = records[0]
    for record in records[1:]:
        if record.fetched_at >= latest.fetched_at:
            latest = record
    first = min(records, key=lambda record: record.fetched_at)
    last = max(records, key=lambda record: record.fetched_at)
    return Merged(post=latest, first_seen=first.fetched_at, last_seen=last.fetched_at, first_text=first.fetched_text,
                  last_text=last.fetched_text)


def _seen_members(merged: Merged, cluster_id: str) -> bytes:
    first = merged.first_text or format_time(merged.first_seen)
    last = merged.last_text or format_time(merged.last_seen)
    return orjson.dumps({"first_seen": first, "last_seen": last, "cluster_id": cluster_id})[1:-1]


def create_action(index: str, merged: Merged, cluster_id: str) -> dict[str, Any]:
    """The bulk ``create`` of a post the index does not hold yet, its source already serialised.

    Elasticsearch refuses it with 409 if the post exists by then; the caller then reads the stored
    post and sends ``update_action`` instead, so ``first_seen`` never moves forward.
    """
    post = merged.post
    source = b"".join((post.document[:-1], b",", _seen_members(merged, cluster_id), b",", post.near, b"}"))
    return {"_op_type": "create", "_index": index, "_id": post.post_id, "_source": source}


def update_action(index: str, merged: Merged, stored: Stored | None, cluster_id: str) -> dict[str, Any] | None:
    """The bulk ``update`` for one post, or None when the stored document is already newer and complete.

    - no stored post (only after a ``create`` failed): ``upsert`` is the full document; the ``doc``
      part, used if another writer created the post meanwhile, just moves ``last_seen``;
    - re-crawl (``fetched_at`` >= stored ``last_seen``): content, ``last_seen`` and bands replaced,
      ``first_seen`` and ``cluster_id`` kept (no upsert: a post deleted meanwhile fails with 404, is
      retried and then created);
    - an older crawl arriving late: only an earlier ``first_seen`` is written, content untouched.
    """
    action: dict[str, Any] = {"_op_type": "update", "_index": index, "_id": merged.post.post_id,
                              "retry_on_conflict": RETRY_ON_CONFLICT}
    last_seen = format_time(merged.last_seen)
    if stored is None:
        action["doc"] = {"last_seen": last_seen}
        action["upsert"] = orjson.loads(create_action(index, merged, cluster_id)["_source"])
        return action
    partial: dict[str, Any] = {}
    if merged.last_seen >= stored.last_seen:
        partial = {**merged.post.document_dict(), "last_seen": last_seen, "cluster_id": stored.cluster_id or cluster_id}
    if merged.first_seen < stored.first_seen:
        partial["first_seen"] = format_time(merged.first_seen)
    if not partial:
        return None
    action["doc"] = partial
    return action
