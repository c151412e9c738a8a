"""``tipwatch stack up | down | status``."""

from __future__ import annotations

import argparse
import json

from tipwatch.config import load_settings
from tipwatch.stack.local import LocalStack


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``stack`` command."""
    parser = subparsers.add_parser("stack", help="install and run the local Kafka + Elasticsearch")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--json", action="store_true", help="machine-readable status")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch one stack action."""
    stack = LocalStack(load_settings())
    if args.action == "up":
        report = stack.up()
        for name, was_started in report.started.items():
            how = "started" if was_started else "already running"
            print(f"{name}: {how}, ready after {report.seconds[name]:.1f} s")
    elif args.action == "down":
        for name, was_running in stack.down().items():
            print(f"{name}: {'stopped' if was_running else 'was not running'}")
    statuses = stack.status()
    if args.action == "status" or args.action == "up":
        if args.json:
            print(json.dumps([{**s.__dict__, "data_dir": str(s.data_dir), "log_file": str(s.log_file)}
                              for s in statuses]))
        else:
            for status in statuses:
                print(status.line())
    return 0
