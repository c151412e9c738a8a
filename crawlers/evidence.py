"""Evidence of a crawl job: WARC files, screenshots and a manifest, with no Scrapy in sight.

Layout under ``paths.evidence_dir``::

    <job_id>/<source>-00000.warc.gz      request + response records of every exchange (rotated by size)
    <job_id>/screenshots/<sha256>.png    full-page screenshots of rendered pages
    <job_id>/manifest.json               every file of the job with its sha256 and size (``crawlers.manifest``)

A plain HTTP exchange becomes a ``response`` record (status line, headers and the body exactly as
received, before any content decoding) and a ``request`` record. A rendered page becomes a ``request``
record, a ``resource`` record holding the rendered DOM, and a ``metadata`` record naming the HTTP
status and the screenshot. Digests are sha256; ``Authorization`` and ``Cookie`` values are redacted.
Paths in records (``warc_file``, ``screenshot.path``) are relative to ``paths.evidence_dir``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawlers.manifest import ManifestEntry, file_digest

log = logging.getLogger(__name__)

REDACTED = "[redacted by tipwatch]"
REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
"""Header values never archived: credentials and session cookies."""
_HOP_BY_HOP = frozenset({"transfer-encoding"})
"""Headers that describe bytes we no longer have (the body is stored de-chunked): renamed, not dropped."""


class EvidenceUnwritable(OSError):
    """The evidence folder cannot be created or written (permissions, full disk): the crawl must stop."""


@dataclass(frozen=True)
class Exchange:
    """One request and the response to it, as the crawler saw them."""

    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    """The body as received (still content-encoded) or, for rendered pages, the rendered DOM."""
    fetched_at: datetime
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    rendered: bool = False
    screenshot: bytes | None = None
    """PNG bytes of a full-page screenshot (rendered pages only)."""


@dataclass(frozen=True)
class ScreenshotRef:
    """Where a screenshot is kept, relative to the evidence folder, and its hash."""

    path: str
    sha256: str


@dataclass(frozen=True)
class EvidenceRef:
    """What a record says about its evidence (the ``evidence`` object of ``tipwatch.post/1``)."""

    sha256: str
    warc_file: str
    warc_record_id: str
    http_status: int
    rendered: bool
    fetched_at: datetime
    screenshot: ScreenshotRef | None = None

    def as_record(self) -> dict[str, Any]:
        """The contract's ``evidence`` object."""
        return {
            "sha256": self.sha256,
            "warc_file": self.warc_file,
            "warc_record_id": self.warc_record_id,
            "http_status": self.http_status,
            "rendered": self.rendered,
            "screenshot": asdict(self.screenshot) if self.screenshot else None,
        }


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _warc_digest(*parts: bytes) -> str:
    """A WARC digest header value: ``sha256:`` and the hex digest (RFC 3548 base 16; warcio checks it)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return "sha256:" + digest.hexdigest()


def _archived_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    archived = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in REDACTED_HEADERS:
            archived.append((name, REDACTED))
        elif lowered in _HOP_BY_HOP:
            archived.append((f"X-Tipwatch-Original-{name}", value))
        else:
            archived.append((name, value))
    return archived


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target, parts.netloc


class _GzipMembers:
    """A file-like that writes each WARC record as its own gzip member (ended by ``flush``)."""

    def __init__(self, raw: BinaryIO, level: int) -> None:
        self.raw = raw
        self.level = level
        self._zip: Any = None

    def write(self, data: bytes) -> int:
        if self._zip is None:
            self._zip = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        self.raw.write(self._zip.compress(data))
        return len(data)

    def flush(self) -> None:
        if self._zip is not None:
            self.raw.write(self._zip.flush())
            self._zip = None
        self.raw.flush()


@dataclass
class _OpenFile:
    path: Path
    raw: BinaryIO
    writer: WARCWriter
    warcinfo_id: str
    records: int = 0


@dataclass
class _Written:
    """Files this store wrote (for the manifest)."""

    warcs: dict[Path, int] = field(default_factory=dict)
    screenshots: set[Path] = field(default_factory=set)


class EvidenceStore:
    """WARC files (rotated by size) and screenshots of one source within one crawl job."""

    def __init__(self, root: Path, job_id: str, name: str, *, max_file_bytes: int = 256 * 1024 * 1024,
                 gzip_level: int = 6, info: Mapping[str, str] | None = None) -> None:
        self.root = Path(root)
        self.job_id = job_id
        self.name = name
        self.max_file_bytes = max_file_bytes
        self.gzip_level = gzip_level
        self.info = dict(info or {})
        self._file: _OpenFile | None = None
        self._written = _Written()
        self._broken: EvidenceUnwritable | None = None

    @property
    def job_dir(self) -> Path:
        """``<evidence_dir>/<job_id>``."""
        return self.root / self.job_id

    def open(self) -> None:
        """Create the job folder and prove it is writable; EvidenceUnwritable otherwise."""
        probe = self.job_dir / f".probe-{os.getpid()}-{self.name}"
        try:
            (self.job_dir / "screenshots").mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"tipwatch")
            probe.unlink()
        except OSError as exc:
            raise EvidenceUnwritable(
                f"evidence folder {self.job_dir} is not writable ({exc.strerror or exc}); "
                f"fix paths.evidence_dir in config/settings.yaml or free the disk"
            ) from exc

    def write(self, exchange: Exchange) -> EvidenceRef:
        """Archive one exchange; the returned reference goes into every record made from it."""
        if self._broken is not None:
            raise self._broken
        try:
            return self._write(exchange)
        except OSError as exc:
            self._broken = EvidenceUnwritable(
                f"cannot write evidence in {self.job_dir} ({exc.strerror or exc}); "
                f"the crawl stops: free disk space or fix paths.evidence_dir"
            )
            raise self._broken from exc

    def _write(self, exchange: Exchange) -> EvidenceRef:
        current = self._file or self._open_next()
        screenshot = self._save_screenshot(exchange.screenshot) if exchange.screenshot else None
        body_sha256 = sha256_hex(exchange.body)
        if exchange.rendered:
            record_id = self._write_rendered(current, exchange, body_sha256, screenshot)
        else:
            record_id = self._write_response(current, exchange, body_sha256)
        self._written.warcs[current.path] = current.records
        ref = EvidenceRef(
            sha256=body_sha256,
            warc_file=str(current.path.relative_to(self.root)),
            warc_record_id=record_id,
            http_status=exchange.status,
            rendered=exchange.rendered,
            fetched_at=exchange.fetched_at,
            screenshot=screenshot,
        )
        if current.raw.tell() >= self.max_file_bytes:
            self._close_current()
        return ref

    def _open_next(self) -> _OpenFile:
        sequence = len(self._written.warcs)
        while True:
            path = self.job_dir / f"{self.name}-{sequence:05d}.warc.gz"
            try:
                raw = path.open("xb")
                break
            except FileExistsError:
                sequence += 1
        writer = WARCWriter(_GzipMembers(raw, self.gzip_level), gzip=False, warc_version="1.1")
        info = {"software": "tipwatch (warcio)", "format": "WARC File Format 1.1", "job-id": self.job_id,
                "source": self.name, **self.info}
        warcinfo = writer.create_warcinfo_record(path.name, info)
        writer.write_record(warcinfo)
        self._file = _OpenFile(path, raw, writer, warcinfo.rec_headers.get_header("WARC-Record-ID"), records=1)
        self._written.warcs[path] = 1
        return self._file

    @staticmethod
    def _warc_headers(current: _OpenFile, exchange: Exchange, payload_digest: str,
                      block_digest: str) -> dict[str, str]:
        naive_utc = exchange.fetched_at.astimezone(UTC).replace(tzinfo=None)
        headers = {
            "WARC-Date": datetime_to_iso_date(naive_utc, use_micros=True),
            "WARC-Warcinfo-ID": current.warcinfo_id,
            "WARC-Payload-Digest": payload_digest,
            "WARC-Block-Digest": block_digest,
        }
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        return headers

    def _request_record(self, current: _OpenFile, exchange: Exchange) -> Any:
        target, host = _request_target(exchange.url)
        headers = _archived_headers(exchange.request_headers)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", host))
        http = StatusAndHeaders(f"{exchange.method} {target} {exchange.protocol}", headers, is_http_request=True)
        http.compute_headers_buffer()
        warc_headers = self._warc_headers(current, exchange, _warc_digest(exchange.request_body),
                                          _warc_digest(http.headers_buff, exchange.request_body))
        return current.writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body), length=len(exchange.request_body),
            http_headers=http, warc_headers_dict=warc_headers)

    def _write_response(self, current: _OpenFile, exchange: Exchange, body_sha256: str) -> str:
        status_line = f"{exchange.status} {_reason(exchange.status)}".strip()
        http = StatusAndHeaders(status_line, _archived_headers(exchange.response_headers), protocol=exchange.protocol)
        http.compute_headers_buffer()
        response = current.writer.create_warc_record(
            exchange.url, "response", payload=BytesIO(exchange.body), length=len(exchange.body), http_headers=http,
            warc_headers_dict=self._warc_headers(current, exchange, f"sha256:{body_sha256}",
                                                 _warc_digest(http.headers_buff, exchange.body)))
        current.writer.write_request_response_pair(self._request_record(current, exchange), response)
        current.records += 2
        return response.rec_headers.get_header("WARC-Record-ID")

    def _write_rendered(self, current: _OpenFile, exchange: Exchange, body_sha256: str,
                        screenshot: ScreenshotRef | None) -> str:
        content_type = next((value for name, value in exchange.response_headers if name.lower() == "content-type"),
                            "text/html; charset=utf-8")
        resource = current.writer.create_warc_record(
            exchange.url, "resource", payload=BytesIO(exchange.body), length=len(exchange.body),
            warc_content_type=content_type,
            warc_headers_dict=self._warc_headers(current, exchange, f"sha256:{body_sha256}", f"sha256:{body_sha256}"))
        resource_id = resource.rec_headers.get_header("WARC-Record-ID")
        current.writer.write_request_response_pair(self._request_record(current, exchange), resource)
        page_headers = _archived_headers(exchange.response_headers)
        fields = [("rendered-by", "chromium (scrapy-playwright)"), ("http-status", str(exchange.status)),
                  *(("http-header", f"{name}: {value}") for name, value in page_headers)]
        if screenshot is not None:
            fields += [("screenshot", screenshot.path), ("screenshot-sha256", screenshot.sha256)]
        body = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")
        metadata = current.writer.create_warc_record(
            exchange.url, "metadata", payload=BytesIO(body), length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Concurrent-To": resource_id, "WARC-Warcinfo-ID": current.warcinfo_id})
        current.writer.write_record(metadata)
        current.records += 3
        return resource_id

    def _save_screenshot(self, png: bytes) -> ScreenshotRef:
        digest = sha256_hex(png)
        path = self.job_dir / "screenshots" / f"{digest}.png"
        try:
            with path.open("xb") as handle:
                handle.write(png)
        except FileExistsError:
            pass  # the same pixels were saved already: the file is named by its hash
        self._written.screenshots.add(path)
        return ScreenshotRef(path=str(path.relative_to(self.root)), sha256=digest)

    def _close_current(self) -> None:
        current, self._file = self._file, None
        if current is None:
            return
        try:
            current.raw.flush()
            os.fsync(current.raw.fileno())
        finally:
            current.raw.close()

    def close(self) -> list[ManifestEntry]:
        """Close the open WARC file and describe every file written (hashes read back from disk)."""
        try:
            self._close_current()
        except OSError as exc:
            log.error("closing the WARC file failed (%s); the manifest lists it as it is on disk", exc)
        entries = []
        for path, records in sorted(self._written.warcs.items()):
            entries.append(self._entry(path, "warc", records))
        for path in sorted(self._written.screenshots):
            entries.append(self._entry(path, "screenshot", 0))
        return [entry for entry in entries if entry is not None]

    def _entry(self, path: Path, kind: str, records: int) -> ManifestEntry | None:
        try:
            digest, size = file_digest(path)
        except OSError as exc:
            log.error("evidence file %s cannot be read back for the manifest: %s", path, exc)
            return None
        return ManifestEntry(path=str(path.relative_to(self.job_dir)), sha256=digest, size=size, kind=kind,
                             source=self.name, records=records)
