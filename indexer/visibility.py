"""Which of the parts a sink wrote are searchable: the refreshes of the posts index, and their bookkeeping.

Parts are numbered as they are assigned, and the bulk thread writes them in order: ``wrote(seq)``
records that every part up to ``seq`` was written (``written_upto``). A refresh makes every part
written before it *started* searchable, so once it returns, ``visible_upto`` moves to the
``written_upto`` noted at its start. A part's lookup notes ``visible_upto`` when it starts: its search
finds every part up to that number in the index, and ``RecentPosts`` can forget them.

The first refresh (before the first batch) is waited for; the later ones, at most every
``every_s`` seconds, run in a thread of their own while the batch is written: a refresh of an index
being written takes Elasticsearch 0.3-0.9 s (measured), during which nothing was assigned or written when the
sink waited for it. A background refresh that failed is raised by the next ``refresh_if_due``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait

from elasticsearch import Elasticsearch


class Visibility:
    """Refreshes of ``index`` and which parts they made searchable (see the module docstring)."""

    def __init__(self, client: Elasticsearch, index: str, every_s: float) -> None:
        self.client = client
        self.index = index
        self.every_s = every_s
        self.written_upto = 0
        """Every part up to this number was written (its bulk request answered)."""
        self.visible_upto = 0
        """Every part up to this number is searchable: a refresh started after it was written."""
        self.seconds: Counter[str] = Counter()
        """``refresh`` (waited for) and ``background_refresh`` seconds."""
        self._lock = threading.Lock()
        self._refreshed_at: float | None = None
        self._running: Future[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="index-refresh")

    def wrote(self, seq: int) -> None:
        """(Bulk thread) every part up to ``seq`` has been written."""
        self.written_upto = max(self.written_upto, seq)

    def refresh_if_due(self) -> None:
        """Refresh before the first batch (waited for) and then every ``every_s`` (in the background).
        Raises what Elasticsearch raised: for this refresh, or for the last background one."""
        running = self._running
        if running is not None:
            if not running.done():
                return
            self._running = None
            failure = running.exception()
            if failure is not None:
                raise failure
        now = time.monotonic()
        if self._refreshed_at is not None and now - self._refreshed_at < self.every_s:
            return
        if self._refreshed_at is None:
            self._refresh(self.written_upto, "refresh")
        else:
            self._running = self._thread.submit(self._refresh, self.written_upto, "background_refresh")
        self._refreshed_at = now

    def _refresh(self, written_upto: int, phase: str) -> None:
        started = time.perf_counter()
        try:
            self.client.indices.refresh(index=self.index)
        finally:
            with self._lock:
                self.seconds[phase] += time.perf_counter() - started
        self.visible_upto = max(self.visible_upto, written_upto)

    def wait(self) -> None:
        """Wait until the background refresh, if one runs, has ended (its failure, if any, is kept
        for the next ``refresh_if_due``)."""
        running = self._running
        if running is not None:
            wait([running])

    def close(self) -> None:
        """Wait for a background refresh to end."""
        self._thread.shutdown(wait=True)
