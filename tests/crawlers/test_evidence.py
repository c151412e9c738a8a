"""EvidenceStore and the manifest, without Scrapy: WARC records warcio re-reads with verified sha256
digests, rotation by size, redaction, rendered pages, and failures that must stop a crawl."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from crawlers.evidence import REDACTED, EvidenceStore, EvidenceUnwritable, Exchange
from crawlers.manifest import MANIFEST_SCHEMA, write_manifest
from tests.crawlers.helpers import warc_payload, warc_records, warc_text
from tipwatch.contract import parse_time

WHEN = parse_time("2025-05-10T08:00:00.123456Z")
THAI = "รับสมัครพนักงาน เงินเดือนดี".encode()


def exchange(url: str = "http://jobs.example/ad/1?ref=list", body: bytes = THAI, **changes: object) -> Exchange:
    values: dict = {
        "url": url, "method": "GET", "request_body": b"", "status": 200, "body": body, "fetched_at": WHEN,
        "request_headers": (("User-Agent", "tipwatch/test"), ("Cookie", "session=secret-cookie"),
                            ("Authorization", "Bearer secret-token")),
        "response_headers": (("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked"),
                             ("Set-Cookie", "sid=secret-set-cookie")),
        "ip_address": "203.0.113.9",
    }
    values.update(changes)
    return Exchange(**values)


def test_an_exchange_becomes_a_response_and_a_request_record(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, "job-1", "jobs-th", info={"operator": "test"})
    store.open()
    ref = store.write(exchange())
    store.close()

    assert ref.warc_file == "job-1/jobs-th-00000.warc.gz"
    assert ref.sha256 == hashlib.sha256(THAI).hexdigest() and ref.http_status == 200 and not ref.rendered
    assert ref.as_record() == {"sha256": ref.sha256, "warc_file": ref.warc_file, "warc_record_id": ref.warc_record_id,
                               "http_status": 200, "rendered": False, "screenshot": None}
    kind, payload = warc_payload(tmp_path, ref.warc_file, ref.warc_record_id)
    assert (kind, payload) == ("response", THAI)
    records = warc_records(tmp_path / ref.warc_file)
    assert [kind for kind, _target, _headers in records] == ["warcinfo", "response", "request"]
    _info, response, request = records
    assert response[2]["WARC-Date"] == "2025-05-10T08:00:00.123456Z"
    assert response[2]["WARC-IP-Address"] == "203.0.113.9"
    assert response[2]["WARC-Payload-Digest"].startswith("sha256:")
    assert request[2]["WARC-Concurrent-To"] == ref.warc_record_id
    text = warc_text(tmp_path / ref.warc_file)
    assert "GET /ad/1?ref=list HTTP/1.1\r\nHost: jobs.example\r\n" in text
    assert "secret" not in text and text.count(REDACTED) == 3
    assert "X-Tipwatch-Original-Transfer-Encoding: chunked" in text
    assert "operator: test" in text and "job-id: job-1" in text


def test_files_rotate_by_size_and_the_manifest_lists_them(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, "job-2", "feed", max_file_bytes=1500)
    store.open()
    refs = [store.write(exchange(url=f"http://jobs.example/{n}", body=os.urandom(1200))) for n in range(4)]
    entries = store.close()
    manifest_path = write_manifest(store.job_dir, "job-2", entries)

    assert [ref.warc_file for ref in refs] == [f"job-2/feed-{n:05d}.warc.gz" for n in range(4)]
    manifest = json.loads(manifest_path.read_text())
    assert manifest["schema"] == MANIFEST_SCHEMA and manifest["job_id"] == "job-2"
    assert [entry["path"] for entry in manifest["files"]] == [f"feed-{n:05d}.warc.gz" for n in range(4)]
    for entry in manifest["files"]:
        data = (store.job_dir / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
        assert entry["records"] == 3 and entry["kind"] == "warc" and entry["source"] == "feed"


def test_a_second_source_of_the_job_is_merged_into_the_manifest(tmp_path: Path) -> None:
    first = EvidenceStore(tmp_path, "job-3", "a")
    second = EvidenceStore(tmp_path, "job-3", "b")
    for store in (first, second):
        store.open()
        store.write(exchange())
    write_manifest(first.job_dir, "job-3", first.close())
    path = write_manifest(second.job_dir, "job-3", second.close())

    assert [(e["path"], e["source"]) for e in json.loads(path.read_text())["files"]] == [
        ("a-00000.warc.gz", "a"), ("b-00000.warc.gz", "b")]


def test_a_rendered_page_keeps_its_dom_and_its_screenshot(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, "job-4", "js")
    store.open()
    png = b"\x89PNG\r\n\x1a\nfake"
    dom = "<html><body><div class='job-card'>ငွေ</div></body></html>".encode()
    ref = store.write(exchange(url="http://jobs.example/js", body=dom, rendered=True, screenshot=png))
    again = store.write(exchange(url="http://jobs.example/js", body=dom, rendered=True, screenshot=png))
    entries = store.close()

    assert ref.rendered and ref.sha256 == hashlib.sha256(dom).hexdigest()
    assert ref.screenshot is not None and ref.screenshot.sha256 == hashlib.sha256(png).hexdigest()
    assert ref.screenshot.path == f"job-4/screenshots/{ref.screenshot.sha256}.png"
    assert (tmp_path / ref.screenshot.path).read_bytes() == png
    assert again.screenshot == ref.screenshot  # the same pixels are kept once
    assert warc_payload(tmp_path, ref.warc_file, ref.warc_record_id) == ("resource", dom)
    kinds = [kind for kind, _target, _headers in warc_records(tmp_path / ref.warc_file)]
    assert kinds == ["warcinfo", "resource", "request", "metadata", "resource", "request", "metadata"]
    assert f"screenshot-sha256: {ref.screenshot.sha256}" in warc_text(tmp_path / ref.warc_file)
    assert sorted(entry.kind for entry in entries) == ["screenshot", "warc"]


def test_an_unwritable_folder_is_refused_at_open(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = EvidenceStore(blocker, "job-5", "x")

    with pytest.raises(EvidenceUnwritable, match=r"evidence folder .*/file/job-5 is not writable \(Not a directory\)"):
        store.open()


def test_a_full_disk_breaks_the_store_for_good(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, "job-6", "x")
    store.open()
    store.write(exchange())
    assert store._file is not None
    with open("/dev/full", "wb", buffering=0) as full:
        store._file.writer.out.raw = full  # the disk fills up under the open WARC file

        with pytest.raises(EvidenceUnwritable, match=r"cannot write evidence in .*job-6 \(No space left on device\)"):
            store.write(exchange())
        with pytest.raises(EvidenceUnwritable):
            store.write(exchange())
