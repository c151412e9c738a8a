"""The ``tipwatch`` console script: a thin dispatch to each package's own ``cli.py``.

Each package exposes ``register(subparsers)``, which adds its commands with
``parser.set_defaults(func=handler)``; a handler takes the parsed arguments and returns the
exit status. Errors that users can fix (``UserError``) print one sentence, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from tipwatch.errors import UserError

COMMAND_MODULES = (
    "tipwatch.stack.cli",
    "tipwatch.setup_cli",
    "tipwatch.check_cli",
    "tipwatch.stream.cli",
    "tipwatch.run.cli",
    "crawlers.cli",
    "crawlers.scheduling.cli",
    "pipelines.cli",
    "indexer.cli",
    "indexer.alerts.cli",
)
"""Modules whose ``register`` adds commands, in the order they appear in ``--help``."""


class KafkaStepTiming(logging.Filter):
    """Drops kafka-python's "Task … ran for 0.1xx s … blocking the event loop" warnings.

    kafka-python times each step of its network thread by the wall clock. In a process whose other
    threads hold the interpreter lock (the indexer's cluster assignment and bulk responses, on a
    machine whose cores Elasticsearch shares), a step that waits for the lock is reported as
    blocking the loop. It is not actionable, and real trouble shows as request timeouts, which
    are logged. With ``--verbose`` the warnings are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Task ") and " ran for " in message and "blocking the event loop" in message)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, built from every registered package."""
    parser = argparse.ArgumentParser(
        prog="tipwatch", description="tipwatch: collect, enrich, index and alert on public recruitment posts.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("kafka", "elastic_transport", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    selector = logging.getLogger("kafka.net.selector")
    selector.filters[:] = [f for f in selector.filters if not isinstance(f, KafkaStepTiming)]
    if not args.verbose:
        selector.addFilter(KafkaStepTiming())
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"tipwatch {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
