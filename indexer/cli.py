"""``tipwatch index | search | identifiers | kibana``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from rich.console import Console

from tipwatch.config import Settings, load_settings
from tipwatch.es import make_client

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the indexer's commands."""
    index = subparsers.add_parser("index", help="indexer consumer: posts.enriched -> Elasticsearch")
    index.add_argument("--max-messages", type=int, help="stop after this many messages")
    index.add_argument("--idle-timeout", type=float, help="stop after this many seconds without messages")
    index.add_argument("--batch-size", type=int, default=1000, help="records per batch (default 1000)")
    index.set_defaults(func=run_index)

    search = subparsers.add_parser("search", help="search posts (query string syntax, filters)")
    search.add_argument("query", nargs="?", default="", help='e.g. \'"customer service" AND (visa OR passport)\'')
    search.add_argument("--lang", action="append", default=[], help="language code (repeatable)")
    search.add_argument("--contact", action="append", default=[], metavar="KIND:VALUE",
                        help="posts carrying this identifier, e.g. phone:+85512345678 (repeatable)")
    search.add_argument("--risk", action="append", default=[], choices=("low", "medium", "high"))
    search.add_argument("--source", action="append", default=[], help="source id (repeatable)")
    search.add_argument("--since", help="from this time on: 2026-11-01, an RFC 3339 time, or an age: 24h, 7d")
    search.add_argument("--until", help="before this time (same forms as --since)")
    search.add_argument("--date-field", default="first_seen",
                        choices=("first_seen", "last_seen", "published_at", "fetched_at"))
    search.add_argument("--sort", default="relevance", choices=("relevance", "newest", "oldest"))
    search.add_argument("--limit", type=int, default=20, help="most hits shown (0: every match)")
    search.add_argument("--page-size", type=int, default=500, help="hits per request while paging")
    search.add_argument("--json", action="store_true", help="one JSON object per hit per line")
    search.set_defaults(func=run_search)

    identifiers = subparsers.add_parser("identifiers", help="identifier network (phones, handles, wallets)")
    identifiers.add_argument("key", nargs="?", metavar="KIND:VALUE", help="one identifier; none: the most widespread")
    identifiers.add_argument("--kind", help="with no KIND:VALUE: only identifiers of this kind")
    identifiers.add_argument("--limit", type=int, default=20)
    identifiers.add_argument("--recompute", action="store_true",
                             help="rebuild the materialised tipwatch-identifiers index from the posts")
    identifiers.add_argument("--every", type=float, metavar="SECONDS",
                             help="with --recompute: keep recomputing this often until stopped (tipwatch run does)")
    identifiers.add_argument("--json", action="store_true")
    identifiers.set_defaults(func=run_identifiers)

    kibana = subparsers.add_parser("kibana", help="Kibana saved objects: data views, saved searches, dashboard")
    kibana.add_argument("action", choices=("export", "import"))
    kibana.add_argument("--output", default="-", help="export: file to write ('-': stdout)")
    kibana.add_argument("--input", help="import: an NDJSON file (default: the shipped objects, rendered)")
    kibana.add_argument("--url", help="import: Kibana's base URL, e.g. https://kibana.example.org:5601")
    kibana.add_argument("--space", help="import: Kibana space id (default space when omitted)")
    kibana.add_argument("--no-overwrite", action="store_true", help="import: keep objects that already exist")
    kibana.add_argument("--ca-certs", type=Path, help="import: CA file for Kibana's TLS certificate")
    kibana.set_defaults(func=run_kibana)


def run_index(args: argparse.Namespace) -> int:
    """Run the indexer consumer until stopped."""
    from indexer.worker import run_indexer

    report = run_indexer(load_settings(), max_messages=args.max_messages, idle_timeout_s=args.idle_timeout,
                         handle_signals=True, batch_size=args.batch_size)
    counters = ", ".join(f"{k} {v}" for k, v in sorted(report.counters.items()))
    print(f"indexed {report.loop.messages} messages in {report.loop.batches} batches, {report.seconds:.1f} s "
          f"({counters}; {report.loop.retries} retries)", file=sys.stderr)
    return 0


def run_search(args: argparse.Namespace) -> int:
    """Search and print a table (terminal) or JSON lines."""
    from indexer.search import PostSearch, SearchRequest
    from indexer.search_output import hits_table, write_json_lines

    settings = load_settings()
    request = SearchRequest(query=args.query, languages=tuple(args.lang), contacts=tuple(args.contact),
                            risks=tuple(args.risk), sources=tuple(args.source), since=args.since, until=args.until,
                            date_field=args.date_field, sort=args.sort)
    request.body()  # argument errors before connecting
    limit = None if args.limit == 0 else args.limit
    client = make_client(settings)
    try:
        with PostSearch(client, settings, request, page_size=args.page_size) as search:
            if args.json:
                write_json_lines(search.hits(limit), sys.stdout)
                return 0
            table, rows = hits_table(search.hits(limit))
            console = Console()
            console.print(table)
            console.print(f"{rows} of {search.total or 0} matching posts", style="dim")
    finally:
        client.close()
    return 0


def run_identifiers(args: argparse.Namespace) -> int:
    """One identifier's network, the most widespread identifiers, or a recompute."""
    from indexer.identifiers import identifier_report, top_identifiers
    from indexer.search import translate
    from indexer.search_output import print_report, summaries_table

    settings = load_settings()
    client = make_client(settings)
    console = Console()
    try:
        if args.recompute:
            return _recompute(client, settings, args.every)
        if args.key:
            report = identifier_report(client, settings, args.key, posts=args.limit)
            if args.json:
                print(json.dumps(report.to_json(), ensure_ascii=False))
            elif report.posts == 0:
                console.print(f"{report.key}: no posts carry this identifier")
            else:
                print_report(report, console)
            return 0
        rows = top_identifiers(client, settings, size=args.limit, kind=args.kind)
        if args.json:
            for row in rows:
                print(json.dumps(row.__dict__, ensure_ascii=False))
        else:
            console.print(summaries_table(rows))
    except (ApiError, TransportError) as exc:
        raise translate(exc, settings) from exc
    finally:
        client.close()
    return 0


def _recompute(client: Elasticsearch, settings: Settings, every_s: float | None) -> int:
    """Recompute once, or every ``every_s`` seconds until SIGTERM/SIGINT (a failed round is logged and retried)."""
    import signal
    import threading

    from indexer.identifiers import recompute_identifiers

    if every_s is None:
        done = recompute_identifiers(client, settings)
        print(f"{done.identifiers} identifiers recomputed into {done.index}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            done = recompute_identifiers(client, settings)
            print(f"{done.identifiers} identifiers recomputed into {done.index}", flush=True)
        except (ApiError, TransportError) as exc:
            log.warning("identifier recompute failed (%s); trying again in %.0f s", exc, every_s)
        stop.wait(every_s)
    return 0


def run_kibana(args: argparse.Namespace) -> int:
    """Export the saved objects, or import them into a Kibana."""
    from indexer.kibana_export import export_text, import_objects
    from tipwatch.errors import UserError

    settings = load_settings()
    if args.action == "export":
        text = export_text(settings)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            Path(args.output).write_text(text, encoding="utf-8")
            print(f"wrote {text.count(chr(10))} saved objects to {args.output}", file=sys.stderr)
        return 0
    if not args.url:
        raise UserError("kibana import needs --url (Kibana's base URL)")
    text = Path(args.input).read_text(encoding="utf-8") if args.input else export_text(settings)
    result = import_objects(args.url, text, settings, space=args.space, overwrite=not args.no_overwrite,
                            ca_certs=args.ca_certs)
    print(f"imported {result.success_count} saved objects into {args.url}")
    return 0
