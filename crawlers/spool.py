"""The spool: records Kafka did not take, kept as JSON lines and re-sent at the next start.

Each writer appends to its own file ``<spool_dir>/<name>-<time>-<pid>-<random>.jsonl`` (one record a
line: topic, key, value, headers). At start-up a crawl *claims* the files of processes that are no
longer running by renaming them to ``….jsonl.sending-<pid>`` (an atomic rename, so two processes
never take the same file), re-sends their records, and deletes a claimed file only once every record
in it was either acknowledged by Kafka or spooled again. A claim left by a process that died is
taken over the same way.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tipwatch.contract import utc_now
from tipwatch.stack.process import alive

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"
CLAIM = ".sending-"


@dataclass(frozen=True)
class SpooledRecord:
    """One record bound for Kafka: the exact value bytes, its key and headers."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()

    def to_line(self) -> bytes:
        """One JSON line (values are UTF-8 JSON records, so they are kept as text)."""
        data = {
            "topic": self.topic,
            "key": self.key.decode("utf-8") if self.key is not None else None,
            "value": self.value.decode("utf-8"),
            "headers": [[name, value.decode("utf-8")] for name, value in self.headers],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> SpooledRecord:
        """Parse a line written by ``to_line``; ValueError (or KeyError) if it is not one."""
        data = json.loads(line)
        key = data["key"]
        return cls(
            topic=data["topic"],
            value=data["value"].encode("utf-8"),
            key=key.encode("utf-8") if key is not None else None,
            headers=tuple((name, value.encode("utf-8")) for name, value in data.get("headers", [])),
        )


class Spool:
    """An append-only spool file for this process, plus the claiming of older ones (thread-safe)."""

    def __init__(self, directory: Path, name: str = "posts") -> None:
        self.directory = Path(directory)
        self.name = name
        self.path = self.directory / f"{name}-{utc_now():%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:6]}{SUFFIX}"
        self._handle: BinaryIO | None = None
        self._lock = threading.Lock()
        self.count = 0

    def append(self, record: SpooledRecord) -> None:
        """Add one record (written through to the OS at once). OSError when the spool cannot be written."""
        line = record.to_line()
        with self._lock:
            if self._handle is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._handle = self.path.open("ab")
            self._handle.write(line)
            self._handle.flush()
            self.count += 1

    def close(self) -> Path | None:
        """Make the spool file durable and close it; its path if anything was spooled."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is None:
            return None
        try:
            os.fsync(handle.fileno())
        finally:
            handle.close()
        return self.path

    def claim(self) -> list[Path]:
        """Take the spool files of earlier runs (and of dead processes) for re-sending."""
        if not self.directory.is_dir():
            return []
        claimed = []
        for path in sorted(self.directory.iterdir()):
            if path == self.path or not self._claimable(path):
                continue
            base = path.name.split(CLAIM)[0]
            target = path.with_name(f"{base}{CLAIM}{os.getpid()}")
            try:
                path.rename(target)
            except FileNotFoundError:
                continue  # another process claimed it first
            claimed.append(target)
        return claimed

    @staticmethod
    def _claimable(path: Path) -> bool:
        """A spool file whose writer, or a claim whose sender, is no longer running."""
        if path.name.endswith(SUFFIX):
            parts = path.name[: -len(SUFFIX)].rsplit("-", 2)
            pid = parts[1] if len(parts) == 3 else ""
        elif CLAIM in path.name:
            pid = path.name.rsplit(CLAIM, 1)[1]
        else:
            return False
        return pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid))

    @staticmethod
    def read(path: Path) -> tuple[list[SpooledRecord], int]:
        """The records of a spool file and the number of unreadable lines (a torn last line)."""
        records, bad = [], 0
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(SpooledRecord.from_line(line))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    bad += 1
                    log.warning("spool %s line %d is unreadable and skipped: %s", path, number, exc)
        return records, bad
