"""Test helper run as a subprocess: consume one batch and die with SIGKILL before committing."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from tipwatch.config import Settings
from tipwatch.stream import ConsumerLoop, Message


class DieInSink:
    """Records the offsets it saw, then kills its own process (no flush, no commit)."""

    def __init__(self, seen: Path) -> None:
        self.seen = seen

    def process(self, batch: list[Message]) -> list:
        self.seen.write_text(json.dumps([[m.partition, m.offset] for m in batch]))
        os.kill(os.getpid(), signal.SIGKILL)
        return []


if __name__ == "__main__":
    settings = Settings.model_validate_json(sys.argv[1])
    loop = ConsumerLoop(settings, group="it", topics=[settings.topic("posts.raw")], stage="test",
                        sink=DieInSink(Path(sys.argv[2])))
    loop.run(idle_timeout_s=60)
