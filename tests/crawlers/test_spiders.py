"""Spiders against the local site: every kind navigates, pages, respects limits and robots.txt, and each
record carries the evidence of its page (re-read from the WARC files with warcio)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.crawlers.helpers import crawl, local_settings, sha256_file, warc_payload, warc_records, warc_text
from tests.crawlers.mockserver import BLUESKY_PASSWORD, BLUESKY_TOKEN, SITE, MockServer
from tipwatch.config import SourceConfig


def test_job_board_list_pagination_details_and_media(site: MockServer, sources: dict[str, SourceConfig],
                                                     tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    crawled = crawl(settings, [sources["asiajobs"]], tmp_path)

    result = crawled.result
    assert result.status == "finished"
    assert result.pages == 11  # 3 list pages + 8 detail pages
    assert result.items == 8
    assert result.errors == {"robots_forbidden": 1}
    by_url = crawled.by_url()
    assert set(by_url) == {site.url(f"/jobs/{n}.html") for n in range(1001, 1009)}
    thai = by_url[site.url("/jobs/1001.html")]
    assert thai.title == "รับสมัครพนักงานแอดมินออนไลน์ สีหนุวิลล์"
    assert "Telegram @goldenstar_hr" in thai.text
    assert thai.author is not None and thai.author.name == "บริษัท โกลเด้น สตาร์ เอ็นเตอร์เทนเมนต์"
    assert thai.published_at is not None and thai.published_at.isoformat() == "2025-05-02T02:15:00+00:00"
    assert thai.source.country == "TH" and thai.crawl.spider == "html" and thai.crawl.job_id == result.job_id
    assert [(m.url, m.sha256) for m in thai.media] == [
        (site.url("/img/job-1001.png"), sha256_file(SITE / "img/job-1001.png"))]
    assert "ត្រូវការបុគ្គលិក" in by_url[site.url("/jobs/1002.html")].text
    assert "မဲဆောက်မြို့" in by_url[site.url("/jobs/1003.html")].text
    assert "柬埔寨西哈努克港" in by_url[site.url("/jobs/1006.html")].text
    assert "/private/hidden-job.html" not in site.paths()  # robots.txt obeyed


def test_every_record_points_at_its_bytes_in_the_warc(sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    crawled = crawl(settings, [sources["asiajobs"], sources["tg-tuyendung"]], tmp_path)

    assert len(crawled.records) == 18
    for record in crawled.records:
        evidence = record.evidence
        assert evidence.warc_file and evidence.warc_record_id and evidence.http_status == 200
        assert evidence.warc_file.startswith(f"{crawled.result.job_id}/")
        kind, payload = warc_payload(settings.paths.evidence_dir, evidence.warc_file, evidence.warc_record_id)
        assert kind == "response"
        assert hashlib.sha256(payload).hexdigest() == evidence.sha256
        assert record.fetched_at is not None


def test_robots_override_with_a_reason_fetches_disallowed_pages(site: MockServer, sources: dict[str, SourceConfig],
                                                                tmp_path: Path) -> None:
    source = SourceConfig.model_validate({**sources["asiajobs"].model_dump(),
                                          "robots": {"obey": False, "reason": "court order 12/2025"}})
    crawled = crawl(local_settings(tmp_path), [source], tmp_path)

    assert "/private/hidden-job.html" in site.paths()
    assert "robots_forbidden" not in crawled.result.errors
    assert len(crawled.records) == 9
    assert "source asiajobs ignores robots.txt: court order 12/2025" in crawled.log
    warcs = list((tmp_path / "evidence").rglob("*.warc.gz"))
    assert warcs and "robots: ignored: court order 12/2025" in warc_text(warcs[0])


def test_telegram_pages_back_with_before(site: MockServer, sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    crawled = crawl(local_settings(tmp_path), [sources["tg-tuyendung"]], tmp_path)

    ids = sorted(int(record.url.rsplit("/", 1)[1]) for record in crawled.records)
    assert ids == list(range(96, 106))
    assert "/s/tuyendung_cam?before=101" in site.paths() and "/s/tuyendung_cam?before=96" in site.paths()
    photo = next(record for record in crawled.records if record.url.endswith("/105"))
    assert photo.media[0].sha256 == sha256_file(SITE / "img/tg-105.png")  # fetch_media: true
    assert crawled.result.errors == {}


def test_mastodon_tag_timeline_and_account_lookup_page_with_max_id(site: MockServer,
                                                                   sources: dict[str, SourceConfig],
                                                                   tmp_path: Path) -> None:
    crawled = crawl(local_settings(tmp_path), [sources["masto-kerja"]], tmp_path)

    paths = site.paths()
    assert "/api/v1/accounts/lookup?acct=recruiter" in paths
    assert any("/api/v1/timelines/tag/lowongankerja?limit=40&max_id=" in path for path in paths)
    assert any("/api/v1/accounts/109000000000000001/statuses?limit=40&max_id=" in path for path in paths)
    ids = {record.id for record in crawled.records}
    platform_urls = {record.url for record in crawled.records}
    assert platform_urls == {f"https://mastodon.test/@recruiter/1130000000000001{n:02d}" for n in (2, 4, 5, 7)} | {
        "https://social.example/@binhjobs/113000000000000106"}
    assert len(ids) == 5  # the same status from the tag and the account timeline has one id


def test_bluesky_search_and_author_feed_page_with_cursor(site: MockServer, sources: dict[str, SourceConfig],
                                                         tmp_path: Path) -> None:
    crawled = crawl(local_settings(tmp_path), [sources["bsky-vieclam"], sources["bsky-author"]], tmp_path)

    paths = site.paths()
    assert any("searchPosts" in path and "cursor=2" in path for path in paths)
    assert any("getAuthorFeed" in path and "cursor=2" in path for path in paths)
    search = [r for r in crawled.records if r.source.id == "bsky-vieclam"]
    author = [r for r in crawled.records if r.source.id == "bsky-author"]
    assert len(search) == 4 and len(author) == 3
    first = next(r for r in search if r.url.endswith("3lbx2aaaa1"))
    assert first.links == ["https://jobs.example/cam"]
    assert first.author is not None and first.author.handle == "vieclam.bsky.social"


def test_bluesky_credentials_from_the_environment_never_reach_the_warc(site: MockServer,
                                                                      sources: dict[str, SourceConfig],
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPWATCH_BLUESKY_IDENTIFIER", "tester.bsky.social")
    monkeypatch.setenv("TIPWATCH_BLUESKY_APP_PASSWORD", BLUESKY_PASSWORD)
    settings = local_settings(tmp_path)
    crawled = crawl(settings, [sources["bsky-vieclam"]], tmp_path)

    assert len(crawled.records) == 4
    searches = [seen for seen in site.requests if "searchPosts" in seen.path]
    assert searches and all(seen.headers["authorization"] == f"Bearer {BLUESKY_TOKEN}" for seen in searches)
    warcs = list(settings.paths.evidence_dir.rglob("*.warc.gz"))
    archived = "".join(warc_text(path) for path in warcs)
    assert "searchPosts" in archived
    assert BLUESKY_PASSWORD not in archived and BLUESKY_TOKEN not in archived
    targets = [target for path in warcs for _kind, target, _headers in warc_records(path)]
    assert not [target for target in targets if "createSession" in target]  # the login is never archived


def test_feeds_of_three_formats(sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    chosen = [sources["vieclam-rss"], sources["khjobs-atom"], sources["zhaopin-json"]]
    crawled = crawl(local_settings(tmp_path), chosen, tmp_path)

    per_source = {source.id: [r for r in crawled.records if r.source.id == source.id] for source in chosen}
    assert {key: len(value) for key, value in per_source.items()} == {
        "vieclam-rss": 3, "khjobs-atom": 2, "zhaopin-json": 2}
    assert any("Bavet, Campuchia" in r.text for r in per_source["vieclam-rss"])
    assert any("ជ្រើសរើសអ្នកបើកបរ" in r.text for r in per_source["khjobs-atom"])
    assert any("微信 kf_8888" in r.text for r in per_source["zhaopin-json"])
    assert crawled.result.pages == 3 and crawled.result.status == "finished"


def test_limits_max_pages_and_since(site: MockServer, sources: dict[str, SourceConfig], tmp_path: Path) -> None:
    telegram = SourceConfig.model_validate({**sources["tg-tuyendung"].model_dump(),
                                            "limits": {"since": "2025-05-04T00:00:00Z"}, "fetch_media": False})
    crawled = crawl(local_settings(tmp_path), [telegram, sources["asiajobs"]], tmp_path, max_pages=2)

    jobs = [r for r in crawled.records if r.source.id == "asiajobs"]
    assert len(jobs) == 1  # the list page and one detail page
    assert crawled.result.stats["asiajobs"]["limits/max_pages_reached"] == 2
    messages = sorted(int(r.url.rsplit("/", 1)[1]) for r in crawled.records if r.source.id == "tg-tuyendung")
    assert messages == [99, 100, 101, 102, 103, 104, 105]  # 96-98 are older than since
    assert crawled.result.stats["tg-tuyendung"]["limits/since_skipped"] == 3
    assert "/s/tuyendung_cam?before=96" not in site.paths()  # max_pages 2
