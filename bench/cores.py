"""Cores of their own for the local Elasticsearch and for the benchmark: how a deployment runs, with
Elasticsearch on machines of its own, emulated on one machine by CPU affinity.

``separate(settings, es_cores)`` pins every thread of the local Elasticsearch (the process listening
on the stack's port, and its children) to the first ``es_cores`` CPUs, and this process (its future
threads and children with it) and the local Kafka broker to the others; on leaving, every thread
gets its affinity back. Both sides of a benchmark run on the same split, so their ratio is still
a like-for-like comparison.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tipwatch.config import Settings
from tipwatch.stack import process


class PlacementError(ValueError):
    """The CPUs cannot be split as asked (one line, for the user)."""


def _family(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(process.children(current))
    return found


def _threads(pid: int) -> list[int]:
    """The thread ids of a process (none once it ended)."""
    try:
        return [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
    except FileNotFoundError:
        return []


def pin(pids: list[int], cpus: set[int]) -> dict[int, set[int]]:
    """Set the CPU affinity of every thread of these processes; each thread's affinity before."""
    before = {}
    for pid in pids:
        for tid in _threads(pid):
            try:
                before[tid] = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, cpus)
            except (ProcessLookupError, FileNotFoundError):  # a thread that ended meanwhile
                before.pop(tid, None)
    return before


def restore(before: dict[int, set[int]], pids: Sequence[int]) -> None:
    """Give every thread of these processes its affinity from ``before``: the threads ``pin`` pinned
    their own, the threads started since (they inherited the pinned CPUs) their process's."""
    for pid in pids:
        for tid in _threads(pid):
            cpus = before.get(tid, before.get(pid))
            if cpus is None:  # not pinned: a process that started after ``pin``
                continue
            try:
                os.sched_setaffinity(tid, cpus)
            except ProcessLookupError:  # ended meanwhile
                continue


def listening_pid(port: int) -> int | None:
    """The local process listening on a TCP port (from /proc), whoever started it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return None


def server_pids(settings: Settings) -> dict[str, list[int]]:
    """The processes (with their descendants) of the Kafka broker and Elasticsearch listening on the
    local stack's ports, started by this checkout or another."""
    pids = {}
    for name, port in (("elasticsearch", settings.stack.elasticsearch_port), ("kafka", settings.stack.kafka_port)):
        pid = listening_pid(port)
        if pid is not None:
            pids[name] = _family(pid)
    return pids


@contextmanager
def separate(settings: Settings, es_cores: int) -> Iterator[dict[str, Any]]:
    """Elasticsearch on CPUs ``0 .. es_cores-1``, this process and Kafka on the rest (see the module
    docstring); yields the CPU lists and how many threads were pinned. ``PlacementError`` when that
    leaves no CPU for either side or the local Elasticsearch does not run."""
    everything = os.sched_getaffinity(0)
    cpus = sorted(everything)
    if not 0 < es_cores < len(cpus):
        raise PlacementError(f"--es-cores {es_cores}: this process may use {len(cpus)} CPUs; Elasticsearch "
                             f"and the benchmark need at least one each")
    servers = server_pids(settings)
    if "elasticsearch" not in servers:
        raise PlacementError(f"--es-cores pins the local Elasticsearch, but no process here listens on port "
                             f"{settings.stack.elasticsearch_port}: start it with 'tipwatch stack up'")
    es_side, client_side = set(cpus[:es_cores]), set(cpus[es_cores:])
    before: dict[int, set[int]] = {}
    sides = (("elasticsearch", servers["elasticsearch"], es_side), ("kafka", servers.get("kafka", []), client_side),
             ("benchmark", [os.getpid()], client_side))
    try:
        pinned = {}
        for side, pids, side_cpus in sides:
            now = pin(pids, side_cpus)
            before.update(now)
            pinned[side] = len(now)
        yield {"elasticsearch": sorted(es_side), "benchmark": sorted(client_side), "threads_pinned": pinned}
    finally:
        restore(before, [pid for _side, pids, _cpus in sides for pid in pids])
