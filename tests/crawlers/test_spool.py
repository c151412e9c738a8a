"""The spool file and its claiming: nothing a crawl could not deliver is lost, and no two processes
re-send the same file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawlers.spool import Spool, SpooledRecord

RECORD = SpooledRecord("t.posts.raw", '{"id":"ab","text":"ไทย"}'.encode(), b"ab", (("source", b"jobs-th"),))


def test_records_round_trip_through_a_spool_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(RECORD)
    spool.append(SpooledRecord("t.posts.raw", b'{"id":"cd"}'))
    path = spool.close()

    assert path is not None and path.parent == tmp_path / "spool" and path.name.endswith(".jsonl")
    records, unreadable = Spool.read(path)
    assert records == [RECORD, SpooledRecord("t.posts.raw", b'{"id":"cd"}')] and unreadable == 0
    assert spool.count == 2


def test_nothing_spooled_leaves_no_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert spool.close() is None
    assert not (tmp_path / "spool").exists()


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(RECORD)
    path = spool.close()
    assert path is not None
    with path.open("ab") as handle:
        handle.write(b'{"topic": "t.posts.raw", "val')  # the process died mid-write

    records, unreadable = Spool.read(path)
    assert records == [RECORD] and unreadable == 1


def test_claiming_takes_the_files_of_finished_processes_once(tmp_path: Path) -> None:
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)
    older = tmp_path / f"posts-20250101T000000-{dead}-abcdef.jsonl"  # left by an earlier run
    abandoned = tmp_path / f"posts-20250101T000000-1-ghijkl.jsonl.sending-{dead}"  # a claim whose process died
    running = tmp_path / f"posts-20250101T000000-{os.getppid()}-mnopqr.jsonl"  # another crawl still writing
    live = tmp_path / f"posts-20250101T000000-1-stuvwx.jsonl.sending-{os.getppid()}"  # a claim being re-sent
    for path in (older, abandoned, running, live):
        path.write_bytes(RECORD.to_line())
    current = Spool(tmp_path)
    current.append(RECORD)  # this process's own file (and those of its other crawls) are never claimed

    claimed = current.claim()

    assert sorted(path.name for path in claimed) == sorted([
        f"{older.name}.sending-{os.getpid()}", f"posts-20250101T000000-1-ghijkl.jsonl.sending-{os.getpid()}"])
    assert running.exists() and live.exists() and current.path.exists() and not older.exists()
    assert Spool(tmp_path).claim() == []  # claimed files belong to this (running) process now
    assert Spool.read(claimed[0])[0] == [RECORD]
