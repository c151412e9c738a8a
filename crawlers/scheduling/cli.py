"""``tipwatch scheduler``, ``tipwatch schedule list|run|pause|resume``, ``tipwatch crawl-worker``."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from crawlers.scheduling.due import next_run
from crawlers.scheduling.lease import Leases
from crawlers.scheduling.scheduler import Scheduler
from crawlers.scheduling.state import ScheduleState
from crawlers.scheduling.worker import CrawlJobSink, subprocess_launcher
from tipwatch.config import Settings, config_dir, load_settings, load_sources
from tipwatch.contract import format_time, utc_now
from tipwatch.es import make_client
from tipwatch.stream import ConsumerLoop, Producer, stop_on_signals


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the scheduling commands."""
    scheduler = subparsers.add_parser("scheduler", help="emit due crawl jobs from sources.yaml")
    scheduler.add_argument("--sources", type=Path, default=None)
    scheduler.add_argument("--tick", type=float, default=15.0, help="seconds between checks")
    scheduler.add_argument("--once", action="store_true", help="check once and exit")
    scheduler.set_defaults(func=run_scheduler)

    schedule = subparsers.add_parser("schedule", help="show runs; run, pause or resume a source")
    schedule.add_argument("action", choices=("list", "run", "pause", "resume"))
    schedule.add_argument("source", nargs="?")
    schedule.add_argument("--sources", type=Path, default=None)
    schedule.add_argument("--max-pages", type=int, default=None)
    schedule.set_defaults(func=run_schedule)

    worker = subparsers.add_parser("crawl-worker", help="run crawl jobs from tipwatch.crawl.jobs")
    worker.add_argument("--sources", type=Path, default=None)
    worker.add_argument("--idle-exit", type=float, default=None, help="exit after this many idle seconds")
    worker.set_defaults(func=run_worker)


def _sources_path(args: argparse.Namespace) -> Path:
    return args.sources or config_dir() / "sources.yaml"


def run_scheduler(args: argparse.Namespace) -> int:
    """Tick until SIGTERM/SIGINT (or once)."""
    import signal

    settings = load_settings()
    scheduler = Scheduler(settings, load_sources(_sources_path(args)), make_client(settings),
                          Producer(settings, role="scheduler"), tick_s=args.tick)
    try:
        if args.once:
            for job in scheduler.tick():
                print(f"emitted {job.job_id}")
            return 0
        signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
        signal.signal(signal.SIGINT, lambda *_: scheduler.stop())
        scheduler.run()
    finally:
        scheduler.producer.close()
    return 0


def _last_runs(settings: Settings, client) -> dict[str, dict]:
    from elasticsearch import NotFoundError

    try:
        response = client.search(index=settings.index("crawls"), size=0, aggs={"by_source": {
            "terms": {"field": "source_id", "size": 1000},
            "aggs": {"last": {"top_hits": {"size": 1, "sort": [{"started_at": "desc"}]}}}}})
    except NotFoundError:
        return {}
    return {bucket["key"]: bucket["last"]["hits"]["hits"][0]["_source"]
            for bucket in response["aggregations"]["by_source"]["buckets"]}


def run_schedule(args: argparse.Namespace) -> int:
    """list / run / pause / resume."""
    settings = load_settings()
    sources = load_sources(_sources_path(args))
    client = make_client(settings)
    state = ScheduleState(client, settings)
    if args.action != "list":
        if not args.source:
            print(f"tipwatch schedule {args.action}: name a source")
            return 2
        sources.get(args.source)
    if args.action == "run":
        producer = Producer(settings, role="schedule")
        job = Scheduler(settings, sources, client, producer).emit(args.source, "manual", args.max_pages)
        producer.close()
        print(f"emitted {job.job_id}")
        return 0
    if args.action in ("pause", "resume"):
        state.set_paused(args.source, args.action == "pause", utc_now())
        print(f"{args.source}: {'paused' if args.action == 'pause' else 'resumed'}")
        return 0
    runs = _last_runs(settings, client)
    leases = Leases(client, settings)
    now = utc_now()
    print(f"{'source':<24} {'paused':<7} {'next run':<22} {'last run':<22} {'status':<10} running")
    for source in sources.sources:
        current = state.get(source.id)
        paused = source.paused or current.paused
        upcoming = "-" if source.schedule is None or paused else format_time(
            max(next_run(source.schedule, current.last_emitted, now), now))[:19]
        last = runs.get(source.id, {})
        print(f"{source.id:<24} {'yes' if paused else 'no':<7} {upcoming:<22} "
              f"{(last.get('started_at') or '-')[:19]:<22} {last.get('status', '-'):<10} "
              f"{leases.held(source.id) or '-'}")
    return 0


def run_worker(args: argparse.Namespace) -> int:
    """Consume crawl jobs until SIGTERM/SIGINT (or idle)."""
    from indexer.crawls import record_crawl_run

    settings = load_settings()
    client = make_client(settings)
    sink = CrawlJobSink(settings, client, subprocess_launcher(_sources_path(args)),
                        partial(record_crawl_run, client, settings))
    loop = ConsumerLoop(settings, group="crawl", topics=[settings.topic("crawl.jobs")], stage="crawl", sink=sink,
                        max_poll_records=1, max_poll_interval_ms=6 * 3600 * 1000)
    stop_on_signals(loop)
    loop.run(idle_timeout_s=args.idle_exit)
    return 0
