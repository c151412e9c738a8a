"""``tipwatch crawl SOURCE… [--max-pages N] [--sources FILE]``: run crawls now, in this process."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tipwatch.config import ConfigError, load_settings, load_sources
from tipwatch.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``crawl`` command."""
    parser = subparsers.add_parser("crawl", help="crawl sources now (in this process) and print the stats",
                                   description="Crawl sources of sources.yaml now and print the crawl stats.")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="source ids of sources.yaml")
    parser.add_argument("--max-pages", type=int, metavar="N", help="pages per source (overrides limits.max_pages)")
    parser.add_argument("--sources", dest="sources_file", type=Path, metavar="FILE",
                        help="sources file (default: config/sources.yaml)")
    parser.add_argument("--job-id", help="crawl job id (default: a new one)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Crawl, print the stats; a crawl that could not run (Kafka, evidence folder) is a one-sentence error."""
    from crawlers.runner import run_crawl

    if args.max_pages is not None and args.max_pages < 1:
        raise UserError("--max-pages must be at least 1")
    try:
        settings = load_settings()
        catalogue = load_sources(args.sources_file)
        sources = [catalogue.get(source_id) for source_id in args.sources]
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    except KeyError as exc:
        raise UserError(str(exc).strip('"')) from None
    result = run_crawl(settings, sources, job_id=args.job_id, max_pages=args.max_pages)
    if args.json:
        print(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(result.summary_lines()))
    result.raise_for_failure()
    return 0 if result.status == "finished" else 1
