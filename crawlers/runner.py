"""Run crawls of one or more sources in this process, or in a fresh child process.

    run_crawl(settings, sources, job_id=None, max_pages=None) -> CrawlResult
        One Scrapy crawler per source, all in one reactor; returns when every crawl has ended.
        Twisted's reactor cannot be restarted, so this runs once per process: long-lived callers
        (the crawl worker, tests) use ``run_crawl_subprocess`` or ``python -m crawlers.runner``.

    python -m crawlers.runner [--sources FILE] [--settings FILE | --settings-json FILE] [--job-id ID]
                              [--max-pages N] [--set KEY=VALUE]... [--result FILE] [--json] SOURCE...
        Exit status 0 when every crawl finished, 1 when one failed (the last line on stderr says why).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings as ScrapySettings

from crawlers.context import SETTINGS_KEY, new_job_id
from crawlers.result import CrawlResult
from crawlers.spiders import SPIDERS
from tipwatch.config import ConfigError, Settings, SourceConfig, SourcesFile, load_settings, load_sources

log = logging.getLogger(__name__)


def scrapy_settings(settings: Settings, overrides: Mapping[str, Any] | None = None) -> ScrapySettings:
    """``crawlers.settings`` plus tipwatch's settings, with ``overrides`` on top (command-line priority)."""
    result = ScrapySettings()
    result.setmodule("crawlers.settings", priority="project")
    result.set(SETTINGS_KEY, settings, priority="project")
    result.set("LOG_LEVEL", settings.log_level, priority="project")
    if overrides:
        result.update(dict(overrides), priority="cmdline")
    return result


def _reactor_used() -> bool:
    if "twisted.internet.reactor" not in sys.modules:
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "_startedBefore", False))


def _stats_of(crawler: Crawler) -> dict[str, Any]:
    stats = getattr(crawler, "_stats", None)
    return dict(stats.get_stats()) if stats is not None else {}


def run_crawl(settings: Settings, sources: Sequence[SourceConfig], job_id: str | None = None,
              max_pages: int | None = None, *, scrapy_overrides: Mapping[str, Any] | None = None) -> CrawlResult:
    """Crawl ``sources`` now, in this process, as one job; ``max_pages`` overrides every source's limit."""
    if not sources:
        raise ValueError("run_crawl needs at least one source")
    ids = [source.id for source in sources]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a source appears twice in one crawl: {ids}")
    if _reactor_used():
        raise RuntimeError("run_crawl runs once per process (Twisted's reactor cannot restart); "
                           "use run_crawl_subprocess or 'python -m crawlers.runner'")
    job_id = job_id or new_job_id()
    process_settings = scrapy_settings(settings, scrapy_overrides)
    if logging.getLogger().handlers:  # the caller (tipwatch's CLI) already logs: no second root handler
        process_settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = AsyncCrawlerProcess(process_settings)
    crawlers: dict[str, Crawler] = {}
    failures: dict[str, str] = {}
    for source in sources:
        crawler = process.create_crawler(SPIDERS[source.kind])
        crawlers[source.id] = crawler
        task = process.crawl(crawler, source=source, job_id=job_id, max_pages=max_pages)
        task.add_done_callback(partial(_note_failure, source_id=source.id, failures=failures))
    log.info("crawl job %s: %s", job_id, ", ".join(ids))
    started = time.monotonic()
    process.start()
    result = CrawlResult.from_stats(job_id, {source_id: _stats_of(crawler) for source_id, crawler in crawlers.items()},
                                    time.monotonic() - started, failures)
    for line in result.summary_lines():
        log.info("%s", line)
    return result


def _note_failure(task: asyncio.Task[None], source_id: str, failures: dict[str, str]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        failures[source_id] = f"the crawl of {source_id} could not start: {type(exc).__name__}: {exc}"


def run_crawl_subprocess(settings: Settings, sources: Sequence[SourceConfig], job_id: str | None = None,
                         max_pages: int | None = None, *, scrapy_overrides: Mapping[str, Any] | None = None,
                         timeout_s: float | None = None, env: Mapping[str, str] | None = None,
                         log_file: Path | None = None) -> CrawlResult:
    """``run_crawl`` in a fresh Python process (any number of times per process); the child's log goes
    to ``log_file`` (else it is kept in memory and shown if the child fails)."""
    with tempfile.TemporaryDirectory(prefix="tipwatch-crawl-") as folder:
        work = Path(folder)
        (work / "settings.json").write_text(settings.model_dump_json(), encoding="utf-8")
        sources_file = SourcesFile(sources=list(sources))
        (work / "sources.json").write_text(sources_file.model_dump_json(), encoding="utf-8")
        command = [sys.executable, "-m", "crawlers.runner", "--settings-json", str(work / "settings.json"),
                   "--sources", str(work / "sources.json"), "--result", str(work / "result.json")]
        if job_id:
            command += ["--job-id", job_id]
        if max_pages:
            command += ["--max-pages", str(max_pages)]
        for key, value in (scrapy_overrides or {}).items():
            command += ["--set", f"{key}={json.dumps(value)}"]
        command += [source.id for source in sources]
        with (log_file.open("ab") if log_file else tempfile.TemporaryFile()) as log_handle:
            completed = subprocess.run(command, stdout=log_handle, stderr=subprocess.STDOUT, timeout=timeout_s,
                                       env=dict(env) if env is not None else None, check=False)
            result_path = work / "result.json"
            if not result_path.exists():
                log_handle.seek(0)
                tail = log_handle.read()[-4000:].decode("utf-8", "replace") if not log_file else f"see {log_file}"
                raise RuntimeError(f"the crawl process exited with status {completed.returncode} "
                                   f"without a result:\n{tail}")
        return CrawlResult.from_json_dict(json.loads(result_path.read_text(encoding="utf-8")))


def _parse_override(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--set needs KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawlers.runner", description="Run crawls of sources now.")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="source ids of sources.yaml")
    parser.add_argument("--sources", dest="sources_file", type=Path, help="sources file (default config/sources.yaml)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--settings", type=Path, help="settings.yaml (default config/settings.yaml)")
    group.add_argument("--settings-json", type=Path, help="the full settings as JSON (from run_crawl_subprocess)")
    parser.add_argument("--job-id", help="crawl job id (default: a new one)")
    parser.add_argument("--max-pages", type=int, help="pages per source, overriding limits.max_pages")
    parser.add_argument("--set", dest="overrides", action="append", type=_parse_override, default=[],
                        metavar="KEY=VALUE", help="Scrapy setting override (VALUE is JSON or text); repeatable")
    parser.add_argument("--result", type=Path, help="write the result as JSON to this file")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m crawlers.runner``."""
    args = _arguments(argv)
    try:
        if args.settings_json:
            settings = Settings.model_validate_json(args.settings_json.read_text(encoding="utf-8"))
        else:
            settings = load_settings(args.settings)
        catalogue = load_sources(args.sources_file)
        chosen = [catalogue.get(source_id) for source_id in args.sources]
    except (ConfigError, KeyError, OSError) as exc:
        print(f"crawlers.runner: {str(exc).strip(chr(34))}", file=sys.stderr)
        return 2
    result = run_crawl(settings, chosen, job_id=args.job_id, max_pages=args.max_pages,
                       scrapy_overrides=dict(args.overrides))
    payload = json.dumps(result.to_json_dict(), ensure_ascii=False)
    if args.result:
        args.result.write_text(payload, encoding="utf-8")
    if args.json:
        print(payload, flush=True)
    if result.status == "failed":
        for sentence in dict.fromkeys(result.failures.values()) or [f"crawl failed: {result.finish_reasons}"]:
            print(sentence, file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
