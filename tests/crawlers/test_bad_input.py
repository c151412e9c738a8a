"""Bad input never stops a crawl: each case is counted (and logged) and the other pages are still read.

The mirror's list page links to: malformed HTML, invalid UTF-8, a Thai page in TIS-620 declared as
UTF-8, a 50 MB body (with and without Content-Length), two redirect loops, a page whose layout
changed, a page that answers 503 twice and one that answers 429 once, and a good page.
"""

from __future__ import annotations

from pathlib import Path

from tests.crawlers.helpers import crawl, local_settings, warc_records
from tests.crawlers.mockserver import MockServer
from tipwatch.config import SourceConfig


def test_bad_pages_are_counted_and_the_crawl_goes_on(site: MockServer, sources: dict[str, SourceConfig],
                                                     tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    crawled = crawl(settings, [sources["mirror-bad"]], tmp_path)
    result, stats = crawled.result, crawled.result.stats["mirror-bad"]

    assert result.status == "finished"
    assert result.errors == {"maxsize": 2, "redirect_loop": 2, "parse/empty": 1}
    by_name = {record.url.rsplit("/", 1)[1]: record for record in crawled.records}
    assert set(by_name) == {"malformed.html", "invalid-utf8.html", "thai-tis620.html", "flaky.html",
                            "rate-limited.html", "good.html"}

    # a Thai page in TIS-620 declared as UTF-8 is read as Thai
    assert by_name["thai-tis620.html"].title == "รับสมัครพนักงานแอดมินออนไลน์ สีหนุวิลล์"
    assert "เงินเดือน 35,000 บาท" in by_name["thai-tis620.html"].text
    # invalid UTF-8 bytes cost only the broken characters
    assert "เงินเดือน 15,000 บาท" in by_name["invalid-utf8.html"].text
    # malformed HTML is still parsed
    assert by_name["malformed.html"].title == "Nhân viên phục vụ nhà hàng Siem Reap"
    assert "Lương 400 USD" in by_name["malformed.html"].text

    # 429/503 recover after retries that waited (Retry-After honoured) and slowed the domain
    assert stats["retry/reason_count/503 Service Unavailable"] == 2
    assert stats["retry/reason_count/429 Unknown Status"] == 1
    assert stats["backoff/waits"] == 3
    assert stats["backoff/seconds"] >= 1.0
    assert stats["backoff/slowed_domain"] >= 1
    assert site.paths().count("/bad/flaky.html") == 3

    # every answer is evidence, the failed ones too
    warcs = list(settings.paths.evidence_dir.rglob("*.warc.gz"))
    flaky = [headers for path in warcs for kind, target, headers in warc_records(path)
             if kind == "response" and target.endswith("/bad/flaky.html")]
    assert len(flaky) == 3

    assert "parse/empty " + site.url("/bad/changed-layout.html") in crawled.log
    assert "selectors matched nothing: title (h1.job-title)" in crawled.log
    assert "Expected to receive 52428800 bytes which is larger than download max size" in crawled.log
    assert "error/redirect_loop" in crawled.log


def test_a_timeout_is_retried(site: MockServer, tmp_path: Path) -> None:
    source = SourceConfig.model_validate({
        "id": "slow-mirror", "kind": "html", "url": site.url("/bad/slow-index.html"),
        "html": {"detail_links": "a.job-link", "title": "h1.job-title", "text": ".job-body"}})
    crawled = crawl(local_settings(tmp_path), [source], tmp_path, DOWNLOAD_TIMEOUT=1)

    assert [record.title for record in crawled.records] == ["Driver – Kota Kinabalu (after a timeout)"]
    stats = crawled.result.stats["slow-mirror"]
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 1
    assert crawled.result.errors == {}
