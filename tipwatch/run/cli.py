"""``tipwatch run [--demo] [--once]``: the main job.

Starts the local stack when the settings point at it, runs setup, then supervises the scheduler
and one of each worker (crawl, enrich, index, alert) as child processes, restarting a child that
dies. Ctrl-C stops them upstream first, each flushing and committing. ``--demo`` serves the
bundled demo site on 127.0.0.1 and crawls it; ``--once`` crawls each source once, waits until the
pipeline has drained, prints the summary and exits. The materialised identifier network
(``tipwatch-identifiers``, for Kibana) is recomputed every ``--identifiers-every`` seconds by a
supervised child, and once at the end of ``--once``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from tipwatch.config import Settings, config_dir, load_settings, load_sources
from tipwatch.errors import UserError
from tipwatch.es import make_client
from tipwatch.run.progress import Progress, ProgressProbe
from tipwatch.run.summary import summarize
from tipwatch.run.supervisor import Supervisor
from tipwatch.setup import create_topics, install_templates

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser("run", help="the main job: stack, setup, every worker, progress, summary")
    parser.add_argument("--demo", action="store_true", help="serve and crawl the bundled demo site")
    parser.add_argument("--once", action="store_true", help="crawl each source once, drain, summarise, exit")
    parser.add_argument("--timeout", type=float, default=1200.0, help="with --once: give up after this long")
    parser.add_argument("--no-stack", action="store_true", help="do not start the local stack")
    parser.add_argument("--identifiers-every", type=float, default=600.0, metavar="SECONDS",
                        help="recompute the tipwatch-identifiers copy this often (default 600; 0: never)")
    parser.set_defaults(func=run)


def _uses_local_stack(settings: Settings) -> bool:
    local = f"127.0.0.1:{settings.stack.kafka_port}"
    return settings.kafka.bootstrap_servers == [local]


def _worker(name: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tipwatch.cli", name, *extra]


def run(args: argparse.Namespace) -> int:
    """Run until Ctrl-C, or (with --once) until every source was crawled and the pipeline drained."""
    settings = load_settings()
    if not args.no_stack and _uses_local_stack(settings):
        from tipwatch.stack import LocalStack

        print("starting the local Kafka + Elasticsearch (first time: installs them)…", flush=True)
        LocalStack(settings).up()
    create_topics(settings)
    client = make_client(settings)
    install_templates(client, settings)
    env = dict(os.environ)
    config = config_dir()
    demo_server = None
    if args.demo:
        from tipwatch.run.demo import prepare_demo

        demo_server, config, demo_env = prepare_demo(settings)
        env.update(demo_env)
    env["TIPWATCH_CONFIG_DIR"] = str(config)
    sources_path = config / "sources.yaml"
    sources = load_sources(sources_path)
    logs = Path(settings.paths.state_dir) / "logs"
    supervisor = Supervisor(env)
    if not args.once:
        supervisor.add("scheduler", _worker("scheduler", "--sources", str(sources_path)), logs)
    supervisor.add("crawl", _worker("crawl-worker", "--sources", str(sources_path)), logs)
    supervisor.add("enrich", _worker("enrich"), logs)
    supervisor.add("index", _worker("index"), logs)
    supervisor.add("alert", _worker("alerts"), logs)
    if not args.once and args.identifiers_every > 0:
        supervisor.add("identifiers", _worker("identifiers", "--recompute", "--every", str(args.identifiers_every)),
                       logs)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    probe = ProgressProbe(settings, client)
    job_ids: list[str] = []
    if args.once:
        from crawlers.scheduling.scheduler import Scheduler
        from tipwatch.stream import Producer

        with Producer(settings, role="run") as producer:
            scheduler = Scheduler(settings, sources, client, producer)
            job_ids = [scheduler.emit(s.id, "demo" if args.demo else "manual").job_id for s in sources.sources]
        print(f"crawling {len(job_ids)} source(s) once; worker logs in {logs}", flush=True)
    started = time.monotonic()
    status = 0
    try:
        status = _watch(args, settings, client, supervisor, probe, stopping, job_ids, started)
    finally:
        print("stopping workers (each flushes and commits)…", flush=True)
        supervisor.stop()
        if demo_server is not None:
            demo_server.shutdown()
    if args.once and status == 0 and args.identifiers_every > 0:
        from indexer.identifiers import recompute_identifiers

        done = recompute_identifiers(client, settings)
        print(f"identifier network: {done.identifiers} identifiers recomputed into {done.index}", flush=True)
    final = probe.snapshot()
    probe.close()
    for line in summarize(client, settings, final.dead_letters).lines():
        print(line)
    print("next: tipwatch search 'telegram' · tipwatch identifiers · tipwatch kibana export "
          "(then import into your Kibana) · worker logs in " + str(logs))
    client.close()
    return status


def _runs_done(client, settings: Settings, job_ids: list[str]) -> int:
    from elasticsearch import ApiError

    try:
        client.indices.refresh(index=settings.index("crawls"))
        return int(client.count(index=settings.index("crawls"), query={"terms": {"run_id": job_ids}})["count"])
    except ApiError:
        return 0


def _line(progress: Progress, elapsed: float, restarts: int) -> str:
    lag = " ".join(f"{group}:{value}" for group, value in progress.lag.items())
    p = progress.produced
    return (f"[{elapsed:5.0f}s] raw {p.get('posts.raw', 0)} enriched {p.get('posts.enriched', 0)} "
            f"indexed {progress.indexed} alerts sent {progress.alerts.get('sent', 0)} "
            f"dead-lettered {progress.dead_letters} | lag {lag} | restarts {restarts}")


def _watch(args: argparse.Namespace, settings: Settings, client, supervisor: Supervisor,
           probe: ProgressProbe, stopping: threading.Event, job_ids: list[str], started: float) -> int:
    quiet_since: float | None = None
    while not stopping.wait(3.0):
        supervisor.check()
        progress = probe.snapshot()
        elapsed = time.monotonic() - started
        restarts = sum(c.restarts for c in supervisor.children)
        print(_line(progress, elapsed, restarts), flush=True)
        if not args.once:
            continue
        finished = _runs_done(client, settings, job_ids) >= len(job_ids)
        if finished and progress.drained and progress.alerts.get("pending", 0) == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 6.0:
                print("every source crawled and the pipeline has drained", flush=True)
                return 0
        else:
            quiet_since = None
        if elapsed > args.timeout:
            raise UserError(f"the pipeline did not drain within {args.timeout:.0f} s; see the worker logs")
    return 130 if args.once else 0
