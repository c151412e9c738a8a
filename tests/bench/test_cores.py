"""``bench/cores.py``: finding the local servers' processes and pinning them to CPUs, then back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from tests.conftest import ROOT


@pytest.fixture
def cores() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import cores as module  # bench/ holds scripts, not a package

        yield module
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_listening_pid_finds_the_process_that_listens(cores: ModuleType) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert cores.listening_pid(port) is None, "bound but not listening yet"
        listener.listen()
        assert cores.listening_pid(port) == os.getpid()


@pytest.fixture
def everything() -> set[int]:
    """The CPUs this process may use: at least two."""
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2:
        pytest.fail(f"this test needs two CPUs; this process may use {sorted(cpus)}")
    return cpus


@contextmanager
def _child(code: str) -> Iterator[subprocess.Popen[str]]:
    """A Python child running ``code`` (after it printed 'up'), killed at the end."""
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "up\n"
        yield child
    finally:
        child.kill()
        child.wait(timeout=10)


def _tasks(pid: int) -> list[int]:
    return [int(task) for task in os.listdir(f"/proc/{pid}/task")]


def test_pin_sets_every_thread_and_gives_the_cpus_back(cores: ModuleType, everything: set[int]) -> None:
    code = "import threading, time; [threading.Thread(target=time.sleep, args=(30,)).start() for _ in range(3)]; " \
           "print('up', flush=True); time.sleep(30)"
    with _child(code) as child:
        tasks = _tasks(child.pid)
        assert len(tasks) == 4
        last = {max(everything)}
        os.sched_setaffinity(tasks[1], last)  # one thread had an affinity of its own
        before = cores.pin([child.pid], {min(everything)})
        assert before == {task: last if task == tasks[1] else everything for task in tasks}
        assert all(os.sched_getaffinity(task) == {min(everything)} for task in tasks)
        cores.restore(before, [child.pid])
        assert {task: os.sched_getaffinity(task) for task in tasks} == before


def test_restore_gives_threads_started_while_pinned_their_process_cpus(cores: ModuleType,
                                                                      everything: set[int]) -> None:
    code = "import sys, threading, time; print('up', flush=True); sys.stdin.readline(); " \
           "threading.Thread(target=time.sleep, args=(30,)).start(); print('more', flush=True); time.sleep(30)"
    with _child(code) as child:
        assert child.stdin is not None and child.stdout is not None
        before = cores.pin([child.pid], {min(everything)})
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "more\n"
        tasks = _tasks(child.pid)
        started = [task for task in tasks if task not in before]
        assert len(started) == 1 and os.sched_getaffinity(started[0]) == {min(everything)}, "inherited the pin"
        cores.restore(before, [child.pid])
        assert all(os.sched_getaffinity(task) == everything for task in tasks)


def test_separate_refuses_a_split_without_cpus_for_both(cores: ModuleType) -> None:
    from tests.conftest import base_settings

    cpus = len(os.sched_getaffinity(0))
    with pytest.raises(cores.PlacementError, match=f"may use {cpus} CPUs"), cores.separate(base_settings(), cpus):
        pass
