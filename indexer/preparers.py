"""Where records are validated, serialised and fingerprinted: in worker processes, or inline.

That preparation is most of the indexer's Python work; in a worker process it runs on another core
than the consumer, the cluster assignment and the bulk requests, instead of queueing behind them for
the interpreter lock. Workers are started with ``forkserver`` (never ``fork``: the consumer and the
Elasticsearch client run threads), ignore Ctrl-C (the consumer finishes its batch first) and are kept
for the sink's lifetime.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from indexer.documents import Prepared, prepare_values
from tipwatch.gctuning import collect_less

log = logging.getLogger(__name__)


def _start_worker() -> None:
    """Workers leave Ctrl-C (sent to the whole process group) to the consumer, which finishes its
    batch, and collect garbage less often (``tipwatch.gctuning``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    collect_less()


class _Inline:
    """A ``Future``-like result computed when asked for (no worker process)."""

    def __init__(self, values: Sequence[bytes | None]) -> None:
        self.values = values

    def result(self) -> list[Prepared | str]:
        return prepare_values(self.values)


class Preparers:
    """``prepare_values`` in ``workers`` processes (0: in the calling thread, when asked for)."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None
        if self.workers:
            self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["indexer.documents"])
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker)
        self._pool.submit(prepare_values, [])  # start the workers now, while the consumer joins its group

    def submit(self, values: Sequence[bytes | None]) -> Future[list[Prepared | str]] | _Inline:
        """Start preparing these message values; ``.result()`` gives one ``Prepared`` or reason each."""
        if self._pool is None:
            return _Inline(values)
        try:
            return self._pool.submit(prepare_values, list(values))
        except BrokenProcessPool:
            self.fall_back()
            return _Inline(values)

    def fall_back(self) -> None:
        """A worker died (killed for memory, or it could not start: e.g. a main module that cannot be
        imported again): prepare inline from now on, slower but the same."""
        log.warning("indexer: a preparation worker process died; preparing records in the consumer process")
        self.close()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)
