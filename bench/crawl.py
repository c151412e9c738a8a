"""Benchmark of the crawlers; prints one JSON line.

- pages/s of a full tipwatch crawl (evidence in WARC files, records validated and sent to Kafka) of a
  local job board of 2,100 pages, versus a bare Scrapy spider that only yields the same items from the
  same site with the same parser and the same concurrency, in the same run (ratio; goal >= 0.8);
- rendered pages/s and peak resident memory (crawler + Playwright driver + Chromium) of a crawl of
  200 JavaScript-only pages through Chromium, with a full-page screenshot of each.

Pages/s is measured over the crawl itself (Scrapy's ``elapsed_time_seconds``), not process start-up.
Run: ``.venv/bin/python bench/crawl.py [--lists 100] [--per-list 20] [--rendered 200] [--rounds 2]``
(needs the local stack up: ``tipwatch stack up``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.result import CrawlResult  # noqa: E402
from tests.crawlers.mockserver import MockServer  # noqa: E402
from tipwatch.config import Settings, SourceConfig, SourcesFile, load_settings  # noqa: E402
from tipwatch.setup import create_topics  # noqa: E402

SAME = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "CONCURRENT_ITEMS": 16, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "INFO",
        "USER_AGENT": "tipwatch-bench", "EXTENSIONS": {"crawl.CpuStats": 0}}
"""Scrapy settings both crawls share (no politeness delay against our own server)."""
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), str(ROOT),
                                                                os.environ.get("PYTHONPATH")]))}
"""Children find this module (``crawl.CpuStats``) and the project."""
RULES = {"detail_links": "a.job-link", "next_page": "a.next", "title": "h1.job-title", "text": ".job-body",
         "author": ".employer", "published_at": "time"}
TEXTS = [
    "รับสมัครพนักงานแอดมินออนไลน์ ทำงานที่สีหนุวิลล์ เงินเดือน 35,000 บาท ไม่ต้องมีประสบการณ์ ติดต่อ Telegram @hr{n}",
    "Tuyển nhân viên chăm sóc khách hàng tại Campuchia, lương 1.500 USD, bao ăn ở. Liên hệ Zalo 0912 345 {n:03d}",
    "Lowongan admin online di Myanmar, gaji 15 juta rupiah, tiket pesawat ditanggung. WhatsApp +62 812 3456 {n:04d}",
    "高薪招聘客服，柬埔寨西港，月薪8000元，包吃包住，无需经验。联系微信 xg{n}",
    "ជ្រើសរើសបុគ្គលិកផ្នែកទីផ្សារអនឡាញ ប្រាក់ខែ ១០០០ ដុល្លារ ទំនាក់ទំនង Telegram @kh{n}",
    "Warehouse assistant wanted in Singapore, forklift licence, SGD 2,400 a month. Apply at jobs{n}@example.org",
]


class CpuStats:
    """Scrapy extension (loaded by dotted path in both crawls): CPU seconds of the crawl process between
    spider open and close, all threads (the reactor, Kafka's I/O thread, file writes)."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.started = 0.0
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CpuStats:
        return cls(crawler)

    @staticmethod
    def _cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def opened(self) -> None:
        self.started = self._cpu()

    def closed(self) -> None:
        self.crawler.stats.set_value("bench/cpu_seconds", round(self._cpu() - self.started, 3))


NAV = "<nav class='menu'>" + "".join(
    f"<a href='/category/{n}'>Category {n} · หมวด {n} · Danh mục {n}</a>" for n in range(60)) + "</nav>" + (
    "<aside class='ads'>" + "".join(f"<div class='ad'><img src='/ads/{n}.png' alt=''><p>Sponsored {n}</p></div>"
                                     for n in range(20)) + "</aside>")
"""Menus and ads around each job, so a detail page weighs ~10 kB like a real one."""


# --- the sites ------------------------------------------------------------------------------------

def make_board(root: Path, lists: int, per_list: int) -> int:
    """A job board: ``lists`` list pages of ``per_list`` detail pages each; the number of pages."""
    (root / "jobs").mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    for page in range(1, lists + 1):
        ids = range((page - 1) * per_list + 1, page * per_list + 1)
        cards = "\n".join(f'<li><a class="job-link" href="/jobs/{n}.html">Job {n}</a></li>' for n in ids)
        more = f'<a class="next" href="/jobs/list-{page + 1}.html">Next</a>' if page < lists else ""
        (root / "jobs" / f"list-{page}.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Jobs {page}</title></head><body>'
            f'<ul class="jobs">{cards}</ul><nav>{more}</nav></body></html>', encoding="utf-8")
        for n in ids:
            text = TEXTS[n % len(TEXTS)].format(n=n)
            body = "".join(f"<p>{text}</p>" for _ in range(4))
            (root / "jobs" / f"{n}.html").write_text(
                f'<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"><title>Job {n}</title>'
                f'<link rel="stylesheet" href="/s.css"></head><body><header><a href="/">Board</a></header>'
                f"{NAV}"
                f'<article><h1 class="job-title">Job {n}: {text[:40]}</h1><div class="meta">'
                f'<a class="employer" href="/e/{n}">Employer {n % 97}</a>'
                f'<time datetime="2025-05-{1 + n % 28:02d}T09:00:00+07:00">{n}</time></div>'
                f'<div class="job-body">{body}</div></article><footer>{"<span>footer</span>" * 40}</footer>'
                f"</body></html>", encoding="utf-8")
    return lists * (per_list + 1)


def make_rendered(root: Path, pages: int) -> None:
    """``render/index.html`` linking to ``pages`` pages whose job card only exists after their script runs."""
    folder = root / "render"
    folder.mkdir(parents=True)
    links = "\n".join(f'<li><a class="job-link" href="/render/{n}.html">Job {n}</a></li>' for n in range(pages))
    (folder / "index.html").write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                                       f'<ul>{links}</ul></body></html>', encoding="utf-8")
    for n in range(pages):
        data = json.dumps({"title": f"Rendered job {n}", "text": TEXTS[n % len(TEXTS)].format(n=n)},
                          ensure_ascii=False)
        (folder / f"{n}.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Job {n}</title></head><body><main id="app">'
            f"</main><script>var d={data};document.getElementById('app').innerHTML="
            f"'<article><h1 class=\"job-title\">'+d.title+'</h1><div class=\"job-body\"><p>'+d.text+'</p></div>"
            f"</article>';</script></body></html>", encoding="utf-8")


# --- the crawls -----------------------------------------------------------------------------------

def memory_of_tree(pid: int) -> tuple[int, int]:
    """(RSS, PSS) bytes of a process and all its descendants, from /proc: RSS counts the pages Chromium's
    processes share once per process, PSS splits them between the sharers."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    rss, pss, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def run_tipwatch(settings: Settings, source: SourceConfig, work: Path,
                 tag: str) -> tuple[CrawlResult, tuple[int, int]]:
    """A full tipwatch crawl in a child process; (result, peak (RSS, PSS) of the process tree)."""
    (work / f"{tag}-settings.json").write_text(settings.model_dump_json())
    (work / f"{tag}-sources.json").write_text(SourcesFile(sources=[source]).model_dump_json())
    command = [sys.executable, "-m", "crawlers.runner", "--settings-json", str(work / f"{tag}-settings.json"),
               "--sources", str(work / f"{tag}-sources.json"), "--result", str(work / f"{tag}-result.json"),
               *(arg for key, value in SAME.items() for arg in ("--set", f"{key}={json.dumps(value)}")), source.id]
    with (work / f"{tag}.log").open("wb") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=ENV)
        peak = (0, 0)
        while child.poll() is None:
            rss, pss = memory_of_tree(child.pid)
            peak = (max(peak[0], rss), max(peak[1], pss))
            time.sleep(0.2)
    if child.returncode not in (0, 1):
        raise RuntimeError(f"the crawl failed: see {work / f'{tag}.log'}")
    return CrawlResult.from_json_dict(json.loads((work / f"{tag}-result.json").read_text())), peak


def run_bare(source: SourceConfig, work: Path, tag: str) -> dict[str, Any]:
    """The bare spider in a child process; its stats."""
    (work / f"{tag}-source.json").write_text(source.model_dump_json())
    with (work / f"{tag}.log").open("wb") as log:
        subprocess.run([sys.executable, __file__, "--bare-child", str(work / f"{tag}-source.json"),
                        str(work / f"{tag}-stats.json")], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=ENV,
                       check=True)
    return json.loads((work / f"{tag}-stats.json").read_text())


def bare_child(source_file: Path, stats_file: Path) -> None:
    """Runs in the child: a plain Scrapy spider with the same parser, yielding the parser's posts as items."""
    from scrapy import Request, Spider
    from scrapy.crawler import AsyncCrawlerProcess

    from crawlers.parsers import PARSERS
    from crawlers.records import page_of

    source = SourceConfig.model_validate_json(source_file.read_text())

    class BareSpider(Spider):
        name = "bare"

        async def start(self):  # type: ignore[override]
            yield Request(str(source.url))

        def parse(self, response):  # type: ignore[override]
            self.crawler.stats.inc_value("parse/pages")
            result = PARSERS["html"](page_of(response, "html"), source)
            for post in result.posts:
                yield asdict(post)
            for url in (*result.follow, *((result.next_page,) if result.next_page else ())):
                yield Request(url)

    process = AsyncCrawlerProcess({**SAME, "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = {key: value for key, value in crawler.stats.get_stats().items() if isinstance(value, int | float | str)}
    stats_file.write_text(json.dumps(stats))


# --- main -----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=100)
    parser.add_argument("--per-list", type=int, default=20)
    parser.add_argument("--rendered", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="crawls of each kind (alternating); the median counts")
    parser.add_argument("--bare-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_child:
        bare_child(*args.bare_child)
        return

    base = load_settings(ROOT / "config" / "settings.yaml", environ={})
    with tempfile.TemporaryDirectory(prefix="tipwatch-bench-") as folder:
        work = Path(folder)
        total_pages = make_board(work / "site", args.lists, args.per_list)
        make_rendered(work / "site", args.rendered)
        tag = uuid.uuid4().hex[:8]
        settings = base.model_copy(update={
            "kafka": base.kafka.model_copy(update={"topic_prefix": f"benchcrawl{tag}."}),
            "paths": base.paths.model_copy(update={"evidence_dir": work / "evidence", "spool_dir": work / "spool"})})
        create_topics(settings, ("posts.raw", "deadletter"))
        try:
            figures = measure(settings, work, total_pages, args)
        finally:
            drop_topics(settings)
    print(json.dumps(figures, ensure_ascii=False))


def drop_topics(settings: Settings) -> None:
    """Remove the bench's own topics (they carry a unique prefix)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    from tipwatch.stream.connection import kafka_options

    admin = KafkaAdminClient(**kafka_options(settings, "bench-cleanup"))
    try:
        admin.delete_topics([name for name in admin.list_topics() if name.startswith(settings.kafka.topic_prefix)])
    except KafkaError as exc:
        print(f"bench topics with prefix {settings.kafka.topic_prefix} were left behind: {exc}", file=sys.stderr)
    finally:
        admin.close()


def measure(settings: Settings, work: Path, total_pages: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run the crawls against the local site; the figures."""
    limits = {"max_pages": 100_000, "max_items": 100_000}
    rates: dict[str, list[float]] = {"tipwatch": [], "bare": [], "tipwatch_cpu": [], "bare_cpu": []}
    items: set[tuple[str, int, int | None]] = set()
    with MockServer(root=work / "site") as server:
        board = SourceConfig.model_validate({"id": "bench-board", "kind": "html", "html": RULES, "limits": limits,
                                             "url": server.url("/jobs/list-1.html")})
        rendered = SourceConfig.model_validate({
            "id": "bench-rendered", "kind": "html", "render": True, "limits": limits,
            "url": server.url("/render/index.html"),
            "html": {"detail_links": "a.job-link", "title": "h1.job-title", "text": ".job-body"}})
        for round_ in range(args.rounds):
            result, _ = run_tipwatch(settings, board, work, f"tipwatch-{round_}")
            stats = result.stats["bench-board"]
            rates["tipwatch"].append(result.pages / stats["elapsed_time_seconds"])
            rates["tipwatch_cpu"].append(result.pages / stats["bench/cpu_seconds"])
            items.add(("tipwatch", result.items, result.kafka.get("delivered", 0)))
            bare = run_bare(board, work, f"bare-{round_}")
            rates["bare"].append(bare["parse/pages"] / bare["elapsed_time_seconds"])
            rates["bare_cpu"].append(bare["parse/pages"] / bare["bench/cpu_seconds"])
            items.add(("bare", bare.get("item_scraped_count", 0), None))
        rendered_result, peak = run_tipwatch(settings, rendered, work, "rendered")
    rendered_stats = rendered_result.stats["bench-rendered"]
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "bench": "crawl",
        "site_pages": total_pages,
        "tipwatch_pages_per_s": round(median["tipwatch"], 1),
        "bare_scrapy_pages_per_s": round(median["bare"], 1),
        "ratio": round(median["tipwatch"] / median["bare"], 3),
        "goal_ratio": 0.8,
        "tipwatch_pages_per_cpu_s": round(median["tipwatch_cpu"], 1),
        "bare_scrapy_pages_per_cpu_s": round(median["bare_cpu"], 1),
        "cpu_ratio": round(median["tipwatch_cpu"] / median["bare_cpu"], 3),
        "rounds": args.rounds,
        "items": sorted(items, key=str),
        "rendered_pages": rendered_result.pages,
        "rendered_items": rendered_result.items,
        "rendered_pages_per_s": round(rendered_result.pages / rendered_stats["elapsed_time_seconds"], 2),
        "rendered_peak_rss_mb": round(peak[0] / 2**20),
        "rendered_peak_pss_mb": round(peak[1] / 2**20),
        "rendered_screenshots": rendered_stats.get("evidence/screenshots", 0),
    }

if __name__ == "__main__":
    main()
