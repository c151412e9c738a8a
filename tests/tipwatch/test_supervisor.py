"""The run supervisor restarts children that die and stops them in order."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tipwatch.run.supervisor import Supervisor


def test_dead_child_is_restarted_and_stop_terminates(tmp_path: Path) -> None:
    marker = tmp_path / "starts.txt"
    dies = f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"
    lives = "import time\nwhile True: time.sleep(0.1)"
    supervisor = Supervisor(dict(os.environ), max_restarts=2)
    supervisor.add("dies", [sys.executable, "-c", dies], tmp_path)
    long_lived = supervisor.add("lives", [sys.executable, "-c", lives], tmp_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and supervisor.children[0].restarts < 2:
        time.sleep(0.3)
        supervisor.check()
    time.sleep(1.0)
    supervisor.check()
    assert supervisor.children[0].restarts == 2
    assert supervisor.children[0].exits[:2] == [3, 3]
    assert marker.read_text() == "xxx", "started once plus two restarts"
    assert "lives" in supervisor.pids()
    supervisor.stop(grace_s=10)
    assert long_lived.process is not None and long_lived.process.poll() is not None
    assert supervisor.pids() == {}
