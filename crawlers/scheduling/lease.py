"""A lease in Elasticsearch that keeps two runs of one source apart, across processes and machines.

The lease is the document ``lease:<source>`` in ``<prefix>schedule``, created with
``op_type=create`` (only one creator wins) and an expiry. A worker that died leaves a lease that
expires; the next worker takes it over with optimistic concurrency (``if_seq_no``), so again only
one wins. The holder renews it while the crawl runs and deletes it at the end.

A worker killed mid-crawl (kill -9) does not commit its job, so Kafka re-delivers the job to the
next worker, which finds the dead worker's lease *for the same job id*. When the holder ran on this
host and its process is gone, the lease is taken over at once; otherwise (another machine) the job
waits until the lease expires (``scheduling.lease_s``) and then takes it over. A lease for a
*different* job is a genuine concurrent run, and the job is recorded ``cancelled``.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from tipwatch.config.settings import Settings
from tipwatch.contract import format_time, parse_time, utc_now


@dataclass(frozen=True)
class Lease:
    """A held lease."""

    source_id: str
    holder: str
    job_id: str
    expires_at: datetime
    seq_no: int
    primary_term: int


class Leases:
    """Acquire, renew and release per-source leases."""

    def __init__(self, client: Elasticsearch, settings: Settings, ttl: timedelta | None = None) -> None:
        self.client = client
        self.index = settings.index("schedule")
        self.ttl = ttl if ttl is not None else timedelta(seconds=settings.scheduling.lease_s)

    def _body(self, source_id: str, holder: str, job_id: str, now: datetime) -> dict[str, str]:
        return {"type": "lease", "source_id": source_id, "holder": holder, "job_id": job_id,
                "acquired_at": format_time(now), "expires_at": format_time(now + self.ttl)}

    def acquire(self, source_id: str, holder: str, job_id: str) -> Lease | None:
        """The lease, or None when a live lease is held by someone else."""
        now = utc_now()
        doc_id = f"lease:{source_id}"
        body = self._body(source_id, holder, job_id, now)
        try:
            result = self.client.index(index=self.index, id=doc_id, document=body, op_type="create",
                                       refresh="wait_for")
        except ConflictError:
            try:
                current = self.client.get(index=self.index, id=doc_id)
            except NotFoundError:
                return self.acquire(source_id, holder, job_id)
            if parse_time(current["_source"]["expires_at"]) > now and not abandoned(current["_source"], job_id):
                return None
            try:
                result = self.client.index(index=self.index, id=doc_id, document=body, refresh="wait_for",
                                           if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])
            except ConflictError:
                return None
        return Lease(source_id, holder, job_id, now + self.ttl, result["_seq_no"], result["_primary_term"])

    def acquire_waiting(self, source_id: str, holder: str, job_id: str, wait_s: float,
                        poll_s: float = 2.0) -> Lease | None:
        """``acquire``; while the lease is held for this same job (its worker died on another machine),
        retry until it expires, at most ``wait_s`` seconds. None when another job holds it."""
        deadline = time.monotonic() + wait_s
        while True:
            lease = self.acquire(source_id, holder, job_id)
            if lease is not None:
                return lease
            current = self.current(source_id)
            if current is None:
                continue
            if current.get("job_id") != job_id or time.monotonic() >= deadline:
                return None
            time.sleep(poll_s)

    def current(self, source_id: str) -> dict[str, Any] | None:
        """The lease document of a source (live or expired), or None."""
        try:
            return dict(self.client.get(index=self.index, id=f"lease:{source_id}")["_source"])
        except NotFoundError:
            return None

    def renew(self, lease: Lease) -> Lease | None:
        """Extend a held lease; None if it was lost (expired and taken over)."""
        now = utc_now()
        try:
            result = self.client.index(index=self.index, id=f"lease:{lease.source_id}",
                                       document=self._body(lease.source_id, lease.holder, lease.job_id, now),
                                       if_seq_no=lease.seq_no, if_primary_term=lease.primary_term)
        except ConflictError:
            return None
        return Lease(lease.source_id, lease.holder, lease.job_id, now + self.ttl, result["_seq_no"],
                     result["_primary_term"])

    def release(self, lease: Lease) -> bool:
        """Delete the lease if still ours."""
        try:
            self.client.delete(index=self.index, id=f"lease:{lease.source_id}", if_seq_no=lease.seq_no,
                               if_primary_term=lease.primary_term, refresh="wait_for")
        except (ConflictError, NotFoundError):
            return False
        return True

    def held(self, source_id: str) -> str | None:
        """The holder of a live lease on the source, or None."""
        try:
            current = self.client.get(index=self.index, id=f"lease:{source_id}")
        except NotFoundError:
            return None
        if parse_time(current["_source"]["expires_at"]) <= utc_now():
            return None
        return str(current["_source"]["holder"])


def abandoned(lease: dict[str, Any], job_id: str) -> bool:
    """True when a lease is held for ``job_id`` by a process of this host that no longer exists."""
    host, _, pid = str(lease.get("holder", "")).rpartition(":")
    if lease.get("job_id") != job_id or host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return int(pid) == os.getpid()
