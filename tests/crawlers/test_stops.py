"""What stops a crawl, with one clear sentence: Kafka unreachable or without the topic at start, an
evidence folder that cannot be written, a disk that fills up mid-crawl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.result import CrawlResult
from tests.crawlers.conftest import FAST
from tests.crawlers.helpers import closed_port, crawl, local_settings
from tests.crawlers.mockserver import MockServer
from tipwatch.config import Settings, SourceConfig, SourcesFile
from tipwatch.errors import BrokerUnavailable

ROOT = Path(__file__).resolve().parents[2]


def unreachable(tmp_path: Path) -> tuple[Settings, int]:
    settings = local_settings(tmp_path)
    port = closed_port()
    kafka = settings.kafka.model_copy(update={"bootstrap_servers": [f"127.0.0.1:{port}"], "connect_timeout_s": 2.0})
    return settings.model_copy(update={"kafka": kafka}), port


def test_unreachable_kafka_stops_the_crawl_before_it_fetches_anything(site: MockServer,
                                                                      sources: dict[str, SourceConfig],
                                                                      tmp_path: Path) -> None:
    settings, port = unreachable(tmp_path)
    crawled = crawl(settings, [sources["asiajobs"]], tmp_path, kafka=True)

    assert crawled.result.status == "failed"
    assert crawled.result.finish_reasons == {"asiajobs": "kafka_unavailable"}
    sentence = crawled.result.failures["asiajobs"]
    assert sentence.startswith(f"cannot reach Kafka at 127.0.0.1:{port} (")
    assert "'tipwatch stack up'" in sentence
    assert [path for path in site.paths() if path != "/robots.txt"] == []
    with pytest.raises(BrokerUnavailable, match="cannot reach Kafka"):
        crawled.result.raise_for_failure()


def test_tipwatch_crawl_says_it_in_one_sentence(sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    settings, port = unreachable(tmp_path)
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(SourcesFile(sources=[sources["vieclam-rss"]]).model_dump_json(), encoding="utf-8")
    env = {"TIPWATCH_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{port}", "TIPWATCH_KAFKA__CONNECT_TIMEOUT_S": "2",
           "TIPWATCH_PATHS__EVIDENCE_DIR": str(settings.paths.evidence_dir),
           "TIPWATCH_PATHS__SPOOL_DIR": str(settings.paths.spool_dir), "TIPWATCH_CONFIG_DIR": str(ROOT / "config"),
           "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "tipwatch.cli", "crawl", "vieclam-rss", "--sources", str(sources_file)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(f"tipwatch crawl: cannot reach Kafka at 127.0.0.1:{port} (")
    assert "Traceback" not in done.stderr
    assert "failed vieclam-rss: cannot reach Kafka" in done.stdout


def test_a_missing_topic_stops_the_crawl(stack_settings: Settings, sources: dict[str, SourceConfig],
                                         tmp_path: Path) -> None:
    crawled = crawl(stack_settings, [sources["vieclam-rss"]], tmp_path, kafka=True)

    assert crawled.result.finish_reasons == {"vieclam-rss": "kafka_unavailable"}
    topic = stack_settings.topic("posts.raw")
    assert crawled.result.failures["vieclam-rss"].startswith(f"Kafka topic '{topic}' does not exist")
    assert "'tipwatch setup'" in crawled.result.failures["vieclam-rss"]


def test_an_unwritable_evidence_folder_stops_the_crawl(site: MockServer, sources: dict[str, SourceConfig],
                                                       tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence folder should be")
    settings = local_settings(tmp_path)
    settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={"evidence_dir": blocker})})
    crawled = crawl(settings, [sources["asiajobs"]], tmp_path)

    assert crawled.result.status == "failed"
    assert crawled.result.finish_reasons == {"asiajobs": "evidence_unwritable"}
    assert crawled.result.failures["asiajobs"].startswith(f"evidence folder {blocker}/")
    assert "is not writable (Not a directory)" in crawled.result.failures["asiajobs"]
    assert crawled.records == []
    assert [path for path in site.paths() if path != "/robots.txt"] == []


def test_a_full_disk_mid_crawl_stops_it_cleanly(site: MockServer, sources: dict[str, SourceConfig],
                                                tmp_path: Path) -> None:
    """Files may not grow past 6 kB in the crawl process (RLIMIT_FSIZE): the WARC file hits it after a few pages."""
    settings = local_settings(tmp_path)
    (tmp_path / "settings.json").write_text(settings.model_dump_json())
    (tmp_path / "sources.json").write_text(SourcesFile(sources=[sources["tg-tuyendung"], sources["asiajobs"]])
                                           .model_dump_json())
    limit = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
             "resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000)); "
             "from crawlers.runner import main; sys.exit(main(sys.argv[1:]))")
    overrides = [arg for key, value in {**FAST, "KAFKA_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}.items()
                 for arg in ("--set", f"{key}={json.dumps(value)}")]
    done = subprocess.run([sys.executable, "-c", limit, "--settings-json", str(tmp_path / "settings.json"),
                           "--sources", str(tmp_path / "sources.json"), "--json", *overrides, "tg-tuyendung",
                           "asiajobs"], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)

    assert done.returncode == 1, done.stderr[-2000:]
    result = CrawlResult.from_json_dict(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "evidence_unwritable" in result.finish_reasons.values()
    sentence = next(iter(result.failures.values()))
    assert sentence.startswith(f"cannot write evidence in {settings.paths.evidence_dir}/")
    assert "(File too large)" in sentence and "the crawl stops" in sentence
    assert done.stderr.strip().splitlines()[-1] == sentence
    assert result.items < 18  # it stopped early
