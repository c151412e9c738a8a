"""The commands: ``tipwatch crawl``, ``python -m crawlers.runner --json`` (the crawl worker's), and
``scrapy list`` / ``scrapy crawl`` through ``scrapy.cfg``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.crawlers.helpers import read_messages
from tipwatch.config import Settings, SourceConfig, SourcesFile
from tipwatch.setup import create_topics

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def environment(settings: Settings, config_dir: Path) -> dict[str, str]:
    return {**os.environ, "TIPWATCH_CONFIG_DIR": str(config_dir),
            "TIPWATCH_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
            "TIPWATCH_PATHS__EVIDENCE_DIR": str(settings.paths.evidence_dir),
            "TIPWATCH_PATHS__SPOOL_DIR": str(settings.paths.spool_dir)}


def config_dir(tmp_path: Path, sources: list[SourceConfig]) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.yaml").write_text((ROOT / "config" / "settings.yaml").read_text())
    (folder / "sources.yaml").write_text(SourcesFile(sources=sources).model_dump_json())
    return folder


def test_tipwatch_crawl_prints_the_stats(stack_settings: Settings, sources: dict[str, SourceConfig],
                                         tmp_path: Path) -> None:
    create_topics(stack_settings)
    folder = config_dir(tmp_path, [sources["vieclam-rss"], sources["asiajobs"]])
    done = subprocess.run([str(BIN / "tipwatch"), "crawl", "vieclam-rss", "asiajobs", "--max-pages", "2"],
                          capture_output=True, text=True, env=environment(stack_settings, folder), cwd=tmp_path,
                          timeout=300, check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("job ") and lines[0].endswith(": finished (vieclam-rss=finished, asiajobs=finished)")
    assert lines[1].startswith("pages 3  items 4  bytes ")  # 1 feed page; a list page and a detail page
    assert "delivered 4" in lines[2] and "spooled" not in lines[2]
    assert lines[3] == "errors none"
    assert lines[4].startswith(f"evidence manifest {stack_settings.paths.evidence_dir}/")
    assert len(read_messages(stack_settings, "posts.raw", 4)) == 4


def test_tipwatch_crawl_names_unknown_sources(tmp_path: Path, sources: dict[str, SourceConfig]) -> None:
    folder = config_dir(tmp_path, [sources["vieclam-rss"]])
    done = subprocess.run([str(BIN / "tipwatch"), "crawl", "nope"], capture_output=True, text=True,
                          env={**os.environ, "TIPWATCH_CONFIG_DIR": str(folder)}, timeout=60, check=False)

    assert done.returncode == 1
    assert done.stderr.strip() == "tipwatch crawl: no source 'nope' in sources.yaml (known: vieclam-rss)"


def test_the_runner_prints_one_json_line_for_the_crawl_worker(sources: dict[str, SourceConfig],
                                                              tmp_path: Path) -> None:
    settings = Settings()
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={
        "evidence_dir": tmp_path / "evidence", "spool_dir": tmp_path / "spool"})})
    folder = config_dir(tmp_path, [sources["zhaopin-json"]])
    command = [sys.executable, "-m", "crawlers.runner", "--sources", str(folder / "sources.yaml"), "--job-id",
               "job-42", "--json", "--set", "KAFKA_ENABLED=false", "--set", "AUTOTHROTTLE_ENABLED=false",
               "zhaopin-json"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment(settings, folder), cwd=ROOT,
                          timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["status"] == "finished" and summary["spider"] == "feed" and summary["job_id"] == "job-42"
    assert summary["stats"]["pages"] == 1 and summary["stats"]["items"] == 2
    assert summary["stats"]["manifest"] == str(tmp_path / "evidence" / "job-42" / "manifest.json")
    assert summary["source_stats"]["zhaopin-json"]["kafka/records"] == 2


def test_scrapy_list_and_crawl_work_through_scrapy_cfg(sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    listed = subprocess.run([str(BIN / "scrapy"), "list"], capture_output=True, text=True, cwd=ROOT, timeout=60,
                            check=True)
    assert listed.stdout.split() == ["bluesky", "feed", "html", "mastodon", "telegram"]

    settings = Settings()
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={
        "evidence_dir": tmp_path / "evidence", "spool_dir": tmp_path / "spool"})})
    folder = config_dir(tmp_path, [sources["khjobs-atom"]])
    items = tmp_path / "items.jsonl"
    done = subprocess.run([str(BIN / "scrapy"), "crawl", "feed", "-a", "source=khjobs-atom", "-s", "KAFKA_ENABLED=0",
                           "-s", "AUTOTHROTTLE_ENABLED=0", "-o", f"{items}:jsonlines"], capture_output=True,
                          text=True, env=environment(settings, folder), cwd=ROOT, timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in items.read_text().splitlines()]
    assert [record["source"]["id"] for record in records] == ["khjobs-atom", "khjobs-atom"]
    assert list((tmp_path / "evidence").glob("*/khjobs-atom-00000.warc.gz"))
