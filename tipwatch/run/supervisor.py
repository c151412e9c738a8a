"""Supervising worker processes: start, restart a child that dies, stop in order."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class Child:
    """One supervised worker process."""

    name: str
    argv: list[str]
    log_file: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    exits: list[int] = field(default_factory=list)


class Supervisor:
    """Runs children; ``check()`` restarts the dead ones (with a short backoff); ``stop()`` in order."""

    def __init__(self, env: dict[str, str], max_restarts: int = 20) -> None:
        self.env = env
        self.children: list[Child] = []
        self.max_restarts = max_restarts

    def add(self, name: str, argv: list[str], log_dir: Path) -> Child:
        """Register and start a child."""
        log_dir.mkdir(parents=True, exist_ok=True)
        child = Child(name, argv, log_dir / f"{name}.log")
        self.children.append(child)
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        with child.log_file.open("ab") as out:
            child.process = subprocess.Popen(child.argv, stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, env=self.env, start_new_session=True)
        child.started_at = time.monotonic()
        log.info("started %s (pid %d)", child.name, child.process.pid)

    def check(self) -> list[str]:
        """Restart children that exited; the names restarted."""
        restarted = []
        for child in self.children:
            if child.process is None or child.process.poll() is None:
                continue
            child.exits.append(child.process.returncode)
            if child.restarts >= self.max_restarts:
                continue
            if time.monotonic() - child.started_at < 2.0:
                time.sleep(1.0)
            child.restarts += 1
            log.warning("%s exited with %s; restarting (%d)", child.name, child.process.returncode, child.restarts)
            self._start(child)
            restarted.append(child.name)
        return restarted

    def pids(self) -> dict[str, int]:
        """Current pid of each running child."""
        return {c.name: c.process.pid for c in self.children if c.process and c.process.poll() is None}

    def stop(self, grace_s: float = 60.0) -> None:
        """SIGTERM each child in the order added (upstream first), waiting for each to flush and commit."""
        for child in self.children:
            process = child.process
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                log.error("%s did not stop within %.0f s; killing it", child.name, grace_s)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
