"""Saved-page cases (web-poet style): a saved page and its fetch metadata in, expected JSON out.

Layout of ``tests/crawlers/pages/<kind>/``:

- ``sources.yaml``: the sources the pages were fetched for (validated like ``config/sources.yaml``);
- ``<name>.<html|xml|json>``: the body exactly as served (bytes: some are deliberately mis-encoded);
- ``<name>.meta.json``: ``url``, ``status``, ``headers``, ``source`` (an id of ``sources.yaml``),
  optional ``rendered``;
- ``<name>.expected.json``: ``encoding`` (what ``decode_body`` chose) and the ``ParseResult`` as JSON.

Run ``TIPWATCH_UPDATE_PAGES=1 pytest tests/crawlers/parsers`` to rewrite the expected files from the
current parsers, then review the diff: that is how a new case gets its expected output.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from crawlers.encoding import decode_body
from crawlers.parsers import PARSERS, Page, ParseResult
from tipwatch.config import SourcesFile, load_sources
from tipwatch.contract.times import format_time

PAGES = Path(__file__).resolve().parents[1] / "pages"
_BODY_SUFFIXES = (".html", ".xml", ".json")


@dataclass(frozen=True)
class Case:
    """One saved page of one source kind."""

    kind: str
    name: str
    body: Path
    meta: Path
    expected: Path

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


def cases(kind: str) -> list[Case]:
    """Every case saved for ``kind``, sorted by name."""
    folder = PAGES / kind
    found = []
    for meta in sorted(folder.glob("*.meta.json")):
        name = meta.name.removesuffix(".meta.json")
        bodies = [folder / f"{name}{suffix}" for suffix in _BODY_SUFFIXES if (folder / f"{name}{suffix}").exists()]
        if len(bodies) != 1:
            raise FileNotFoundError(f"{meta}: expected exactly one body file {name}.(html|xml|json)")
        found.append(Case(kind, name, bodies[0], meta, folder / f"{name}.expected.json"))
    return found


@cache
def _sources(kind: str) -> SourcesFile:
    return load_sources(PAGES / kind / "sources.yaml")


def load(case: Case) -> tuple[Page, str]:
    """The ``Page`` a spider would build for the case, and the encoding the body was decoded with."""
    meta = json.loads(case.meta.read_text(encoding="utf-8"))
    body = case.body.read_bytes()
    headers = {str(key): str(value) for key, value in meta.get("headers", {}).items()}
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), None)
    text, encoding = decode_body(body, content_type)
    page = Page(url=meta["url"], status=meta.get("status", 200), headers=headers, body=body, text=text,
                rendered=meta.get("rendered", False))
    return page, encoding


def run(case: Case) -> dict[str, Any]:
    """The case's actual output as JSON-ready data (the same shape as ``<name>.expected.json``)."""
    meta = json.loads(case.meta.read_text(encoding="utf-8"))
    page, encoding = load(case)
    result = PARSERS[case.kind](page, _sources(case.kind).get(meta["source"]))
    return {"encoding": encoding, **result_json(result)}


def result_json(result: ParseResult) -> dict[str, Any]:
    """A ``ParseResult`` as JSON data: tuples as lists, datetimes as RFC 3339 UTC."""
    data = asdict(result)
    for post in data["posts"]:
        if post["published_at"] is not None:
            post["published_at"] = format_time(post["published_at"])
        post["links"], post["media"] = list(post["links"]), list(post["media"])
    data["posts"], data["follow"] = list(data["posts"]), list(data["follow"])
    return data


def expected(case: Case) -> dict[str, Any]:
    """The saved expected output."""
    return json.loads(case.expected.read_text(encoding="utf-8"))


def check(case: Case) -> None:
    """Assert the case's output equals its expected JSON (or rewrite it with TIPWATCH_UPDATE_PAGES=1)."""
    actual = run(case)
    if os.environ.get("TIPWATCH_UPDATE_PAGES") == "1":
        case.expected.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    assert case.expected.exists(), f"{case.expected} is missing: run with TIPWATCH_UPDATE_PAGES=1 and review it"
    assert actual == expected(case)
