"""A JavaScript-only listing: the plain HTTP path sees no jobs, Chromium (scrapy-playwright) sees all six
after clicking "show more"; every rendered page leaves its DOM in the WARC and a screenshot on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.crawlers.helpers import crawl, local_settings, sha256_file, warc_payload, warc_records
from tests.crawlers.mockserver import MockServer
from tipwatch.config import SourceConfig

pytestmark = pytest.mark.browser


def test_only_the_browser_reads_a_javascript_listing(site: MockServer, sources: dict[str, SourceConfig],
                                                     tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    crawled = crawl(settings, [sources["js-listing"], sources["js-listing-http"]], tmp_path)

    plain = [r for r in crawled.records if r.source.id == "js-listing-http"]
    rendered = [r for r in crawled.records if r.source.id == "js-listing"]
    assert plain == []
    assert crawled.result.stats["js-listing-http"]["parse/empty"] == 1
    assert sorted(r.title or "" for r in rendered) == sorted([
        "မြန်မာ-ထိုင်း နယ်စပ် စက်ရုံအလုပ်", "Online casino customer service – Laos",
        "พนักงานต้อนรับ โรงแรม เวียงจันทน์", "Data entry clerk – Myawaddy", "Tuyển nhân viên kinh doanh tại Lào",
        "Marketing staff – Sihanoukville"])  # three at first, three more behind "show more"
    assert "/js/jobs.json" in site.paths()  # fetched by the page's script

    evidence = rendered[0].evidence
    assert evidence.rendered is True and evidence.http_status == 200
    assert all(r.evidence == evidence for r in rendered)  # one page, one piece of evidence
    kind, dom = warc_payload(settings.paths.evidence_dir, evidence.warc_file or "", evidence.warc_record_id or "")
    assert kind == "resource"
    assert hashlib.sha256(dom).hexdigest() == evidence.sha256
    assert "Marketing staff – Sihanoukville" in dom.decode("utf-8")
    screenshot = evidence.screenshot
    assert screenshot is not None
    png = settings.paths.evidence_dir / screenshot.path
    assert png.read_bytes().startswith(b"\x89PNG") and sha256_file(png) == screenshot.sha256

    records = warc_records(settings.paths.evidence_dir / (evidence.warc_file or ""))
    metadata = [headers for kind, _target, headers in records if kind == "metadata"]
    assert metadata and metadata[0]["WARC-Concurrent-To"] == evidence.warc_record_id
    stats = crawled.result.stats["js-listing"]
    assert stats["evidence/screenshots"] == 1
    assert stats["playwright/page_count/max_concurrent"] <= 4
