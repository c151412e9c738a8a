"""``tipwatch enrich``: the enrichment consumer, or offline JSONL enrichment with ``--input``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from tipwatch.config import ConfigError, config_dir
from tipwatch.errors import UserError

log = logging.getLogger(__name__)
STDIO = "-"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tipwatch enrich``."""
    parser = subparsers.add_parser(
        "enrich",
        help="enrich raw posts (Kafka consumer; --input FILE enriches JSONL offline)",
        description="Enrich raw posts: language, tokens, contacts, indicators, risk. Without --input, "
                    "run the Kafka consumer (group 'enrich', posts.raw -> posts.enriched); with --input, "
                    "read raw JSONL and write enriched JSONL, no Kafka. Bad lines are reported on "
                    "stderr as 'line N: reason' and the run goes on.",
    )
    parser.add_argument("--input", metavar="FILE", help="raw JSONL to enrich offline ('-' = stdin)")
    parser.add_argument("--output", metavar="FILE",
                        help="where the enriched JSONL goes ('-' = stdout, the default); needs --input")
    parser.add_argument("--config", metavar="DIR", type=Path, default=config_dir(),
                        help="config folder with indicators/ (default: $TIPWATCH_CONFIG_DIR or ./config)")
    parser.add_argument("--idle-exit", metavar="SECONDS", type=float, default=None,
                        help="consumer only: stop after this many seconds without messages")
    parser.set_defaults(func=handle_enrich)


def handle_enrich(args: argparse.Namespace) -> int:
    """Run the consumer, or the offline mode when ``--input`` is given."""
    if args.input is None:
        if args.output is not None:
            raise UserError("--output needs --input (the consumer writes to the posts.enriched topic)")
        from pipelines.enrich.consumer import run_consumer

        return run_consumer(args)
    return _offline(args)


def _offline(args: argparse.Namespace) -> int:
    from pipelines.enrich.enricher import Enricher
    from pipelines.enrich.offline import enrich_jsonl

    with _open_input(args.input) as source:
        try:
            enricher = Enricher.from_config(args.config)
        except ConfigError as exc:
            raise UserError(f"the indicator configuration is invalid:\n{exc}") from exc
        with _open_output(args.output or STDIO) as sink:
            stats = enrich_jsonl(source, sink, sys.stderr, enricher)
    log.info("enrich: %s", stats.summary())
    return 0


@contextlib.contextmanager
def _open_input(name: str) -> Iterator[TextIO]:
    if name == STDIO:
        stream = open(sys.stdin.fileno(), encoding="utf-8", errors="surrogateescape", closefd=False)  # noqa: SIM115
    else:
        try:
            stream = open(name, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        except OSError as exc:
            raise UserError(f"cannot open input file {name}: {exc.strerror or exc}") from exc
    with stream:
        yield stream


@contextlib.contextmanager
def _open_output(name: str) -> Iterator[TextIO]:
    if name == STDIO:
        stream = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)  # noqa: SIM115
    else:
        try:
            stream = open(name, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise UserError(f"cannot open output file {name}: {exc.strerror or exc}") from exc
    with stream:
        yield stream
