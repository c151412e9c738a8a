"""From a Scrapy response to a parser's Page, and from a PostDraft to a record that satisfies the contract."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from crawlers.evidence import EvidenceRef, sha256_hex
from crawlers.parsers.base import PostDraft
from crawlers.records import build_record, evidence_of, fetched_at_of, page_of
from tipwatch.config import SourceConfig
from tipwatch.contract import parse_raw, parse_time, post_id

SOURCE = SourceConfig.model_validate({"id": "jobs-th", "kind": "html", "url": "https://jobs.example/",
                                      "country": "TH", "html": {"title": "h1"}})
WHEN = parse_time("2025-05-10T08:00:00Z")


def test_a_tis620_page_declared_as_utf8_is_decoded_as_thai() -> None:
    body = "<html><body><h1>รับสมัครพนักงาน</h1></body></html>".encode("cp874")
    response = HtmlResponse("https://jobs.example/1", body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                            request=Request("https://jobs.example/1"))

    page = page_of(response, "html")

    assert "รับสมัครพนักงาน" in page.text
    assert page.body == body and page.status == 200 and not page.rendered
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_json_apis_ignore_html_meta_declarations() -> None:
    body = '{"content": "<meta charset=\\"iso-8859-1\\"> ไทย"}'.encode()
    response = TextResponse("https://m.example/api", body=body, headers={"Content-Type": "application/json"})
    assert "ไทย" in page_of(response, "mastodon").text


def test_a_draft_becomes_a_valid_raw_record() -> None:
    draft = PostDraft(url="https://jobs.example/1?utm_source=x", text="รับสมัคร\nติดต่อ @hr", title="งาน",
                      published_at=parse_time("2025-05-01T03:00:00+07:00"), author_name="HR",
                      links=("https://t.me/hr",), media=("https://jobs.example/a.png",))
    evidence = {"sha256": "a" * 64, "warc_file": "job/jobs-th-00000.warc.gz", "warc_record_id": "<urn:uuid:1>",
                "http_status": 200, "rendered": False, "screenshot": None}

    record = build_record(draft, source=SOURCE, evidence=evidence, job_id="job", spider="html", fetched_at=WHEN)
    post = parse_raw(record)

    assert post.id == post_id("jobs-th", url="https://jobs.example/1")
    assert post.fetched_at == WHEN and post.published_at == parse_time("2025-04-30T20:00:00Z")
    assert post.author is not None and post.author.name == "HR" and post.author.handle is None
    assert [(m.url, m.sha256) for m in post.media] == [("https://jobs.example/a.png", None)]
    assert post.source.country == "TH" and post.crawl.job_id == "job"
    assert record["evidence"] is not evidence  # the caller's dict is not shared


def test_a_platform_id_wins_over_the_url() -> None:
    draft = PostDraft(url="https://t.me/chan/5", text="x", platform_id="chan/5")
    record = build_record(draft, source=SOURCE, evidence={"sha256": "b" * 64}, job_id="j", spider="telegram",
                          fetched_at=WHEN)
    assert record["id"] == post_id("jobs-th", platform_id="chan/5") and record["author"] is None


def test_evidence_comes_from_the_middleware_or_falls_back_to_a_hash() -> None:
    request = Request("https://jobs.example/1")
    bare = HtmlResponse("https://jobs.example/1", body=b"<p>x</p>", request=request)
    assert evidence_of(bare) == {"sha256": sha256_hex(b"<p>x</p>"), "http_status": 200, "rendered": False}
    assert fetched_at_of(bare, WHEN) == WHEN

    ref = EvidenceRef(sha256="c" * 64, warc_file="j/f.warc.gz", warc_record_id="<urn:uuid:2>", http_status=200,
                      rendered=False, fetched_at=parse_time("2025-05-10T09:00:00Z"))
    request.meta["evidence"] = ref
    archived = HtmlResponse("https://jobs.example/1", body=b"<p>x</p>", request=request)
    assert evidence_of(archived) == ref.as_record()
    assert fetched_at_of(archived, WHEN) == ref.fetched_at
