"""The manifest of a crawl job: every evidence file with its sha256 and size, written when the job ends.

``<evidence_dir>/<job_id>/manifest.json``::

    {"schema": "tipwatch.evidence-manifest/1", "job_id": "...", "written_at": "...Z",
     "files": [{"path": "asiajobs-00000.warc.gz", "sha256": "...", "size": 123, "kind": "warc",
                "source": "asiajobs", "records": 31}, ...]}

Paths are relative to the job folder. Each source of the job merges its own files in when its crawl
ends, so the manifest written last lists the whole job.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tipwatch.contract import format_time, utc_now

MANIFEST_SCHEMA = "tipwatch.evidence-manifest/1"


@dataclass(frozen=True)
class ManifestEntry:
    """One evidence file: its path relative to the job folder, sha256, size in bytes and kind."""

    path: str
    sha256: str
    size: int
    kind: str
    source: str
    records: int = 0


_MANIFEST_LOCK = threading.Lock()
"""The sources of one job close in threads of one process: their manifest merges take turns."""


def file_digest(path: Path) -> tuple[str, int]:
    """(hex sha256, size in bytes) of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def write_manifest(job_dir: Path, job_id: str, entries: Sequence[ManifestEntry]) -> Path:
    """Merge ``entries`` into ``<job_dir>/manifest.json`` (other sources of the job keep theirs); atomic."""
    with _MANIFEST_LOCK:
        return _merge_manifest(job_dir, job_id, entries)


def _merge_manifest(job_dir: Path, job_id: str, entries: Sequence[ManifestEntry]) -> Path:
    path = job_dir / "manifest.json"
    files: dict[str, dict[str, Any]] = {}
    if path.exists():
        previous = json.loads(path.read_text(encoding="utf-8"))
        files = {item["path"]: item for item in previous.get("files", [])}
    for entry in entries:
        files[entry.path] = asdict(entry)
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "job_id": job_id,
        "written_at": format_time(utc_now()),
        "files": [files[name] for name in sorted(files)],
    }
    temporary = path.with_name(f".manifest-{os.getpid()}-{uuid.uuid4().hex[:8]}.json")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path
