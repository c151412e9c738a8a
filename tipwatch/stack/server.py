"""What every local server reports, and waiting for readiness."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tipwatch.errors import StackError
from tipwatch.stack import process


@dataclass(frozen=True)
class ServerStatus:
    """One server's state for ``tipwatch stack status``."""

    name: str
    version: str
    port: int
    pid: int | None
    data_dir: Path
    log_file: Path
    rss: int | None
    running: bool

    def line(self) -> str:
        """A readable one-line summary."""
        memory = f"{self.rss / 2**20:.0f} MiB" if self.rss else "-"
        state = f"running, pid {self.pid}" if self.running else "stopped"
        return (f"{self.name:<14} {self.version:<8} 127.0.0.1:{self.port:<6} {state:<22} "
                f"rss {memory:<9} data {self.data_dir}  log {self.log_file}")


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, log: Path,
               still_running: Callable[[], bool] | None = None) -> float:
    """Poll ``check`` until true; the seconds it took. StackError pointing at the log otherwise."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if check():
            return time.monotonic() - started
        if still_running is not None and not still_running():
            raise StackError(f"{what} exited while starting; see {log}:\n{process.tail(log)}")
        time.sleep(0.5)
    raise StackError(f"{what} was not ready after {timeout_s:.0f} s; see {log}:\n{process.tail(log)}")
