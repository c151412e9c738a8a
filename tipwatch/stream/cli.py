"""``tipwatch deadletter list | replay``."""

from __future__ import annotations

import argparse
import json

from tipwatch.config import load_settings
from tipwatch.stream.deadletter_tools import DeadLetterRecord, read_dead_letters, replay


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``deadletter`` command."""
    parser = subparsers.add_parser("deadletter", help="inspect and re-send dead-lettered records")
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("--stage", help="only dead letters of this stage (crawl, enrich, index, alert)")
    parser.add_argument("--reason", help="only dead letters whose reason contains this text")
    parser.add_argument("--offset", type=int, action="append",
                        help="only this dead-letter offset (repeatable)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(func=run)


def _selector(args: argparse.Namespace):
    def select(letter: DeadLetterRecord) -> bool:
        if args.stage and letter.stage != args.stage:
            return False
        if args.reason and args.reason not in letter.reason:
            return False
        return not (args.offset and letter.offset not in args.offset)

    return select


def run(args: argparse.Namespace) -> int:
    """List or replay."""
    settings = load_settings()
    select = _selector(args)
    if args.action == "replay":
        skipped: list[DeadLetterRecord] = []
        sent = replay(settings, select=select, skipped=skipped)
        print(f"re-sent {sent} dead letter(s) to their original topics")
        for letter in skipped:
            print(f"not re-sent {letter.partition}:{letter.offset}: truncated dead letter (only the first "
                  f"{len(letter.value)} of {letter.original_bytes} bytes were kept)")
        return 0
    count = 0
    for letter in read_dead_letters(settings):
        if not select(letter):
            continue
        count += 1
        if args.json:
            print(json.dumps({
                "partition": letter.partition, "offset": letter.offset, "stage": letter.stage,
                "reason": letter.reason, "original_topic": letter.original_topic,
                "original_partition": letter.original_partition, "original_offset": letter.original_offset,
                "bytes": letter.original_bytes, "kept_bytes": len(letter.value), "truncated": letter.truncated,
            }, ensure_ascii=False))
        else:
            print(f"{letter.partition}:{letter.offset:<6} {letter.stage:<7} {letter.original_topic}"
                  f"/{letter.original_partition}@{letter.original_offset}  {letter.original_bytes} B"
                  f"{' (truncated)' if letter.truncated else ''}  {letter.reason}")
    if not args.json:
        print(f"{count} dead letter(s)")
    return 0
