"""Where records are validated, serialised and fingerprinted: in worker processes, or inline.

That preparation is most of the indexer's Python work; in a worker process it runs on another core
than the consumer, the cluster assignment and the bulk requests, instead of queueing behind them for
the interpreter lock. Workers are started with ``forkserver`` (never ``fork``: the consumer and the
Elasticsearch client run threads), ignore Ctrl-C (the consumer finishes its batch first) and are kept
for the sink's lifetime. They start in the background (the forkserver and the workers' imports take
0.3-0.6 s, more when the main module is slow to import: the workers import it again) while the
consumer joins its group; until they answer, records are prepared inline.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
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
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._starter: threading.Thread | None = None
        if self.workers:
            self._starter = threading.Thread(target=self._start, name="preparers-start", daemon=True)
            self._starter.start()
        else:
            self._ready.set()

    def _start(self) -> None:
        """(Background thread) start the workers and wait until one answered; inline if they cannot."""
        pool: ProcessPoolExecutor | None = None
        started = time.monotonic()
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["indexer.documents"])
            pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker)
            pool.submit(prepare_values, []).result()
            log.info("indexer: %d preparation worker process(es) ready after %.2f s", self.workers,
                     time.monotonic() - started)
        except (BrokenProcessPool, OSError) as exc:
            log.warning("indexer: the preparation worker processes did not start (%s); preparing records in "
                        "the consumer process (is the main module import-safe?)", type(exc).__name__)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        finally:
            with self._lock:
                if self._closed and pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = None
                self._pool = pool
            self._ready.set()

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until the workers answered (or failed to start, or there are none); False on timeout."""
        return self._ready.wait(timeout)

    @property
    def running(self) -> bool:
        """True while worker processes prepare the records."""
        return self._pool is not None

    def submit(self, values: Sequence[bytes | None]) -> Future[list[Prepared | str]] | _Inline:
        """Start preparing these message values; ``.result()`` gives one ``Prepared`` or reason each.
        Inline (computed when asked for) while the workers are starting, and after they failed."""
        pool = self._pool
        if pool is None:
            return _Inline(values)
        try:
            return pool.submit(prepare_values, list(values))
        except (BrokenProcessPool, RuntimeError):  # RuntimeError: shut down by fall_back meanwhile
            self.fall_back()
            return _Inline(values)

    def fall_back(self) -> None:
        """A worker died (killed for memory, or it could not start: e.g. a main module that cannot be
        imported again): prepare inline from now on, slower but the same."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            log.warning("indexer: a preparation worker process died; preparing records in the consumer process")
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes (waits for them to have started, if they are starting)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self._starter is not None:
            self._starter.join()
