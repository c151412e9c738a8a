"""docs/sources.md documents every option of sources.yaml, and the example file is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from tipwatch.config import load_sources
from tipwatch.config.sources import HtmlRules, Limits, PageAction, Robots, Schedule, SourceConfig

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "sources.md"


@pytest.mark.parametrize(("prefix", "model"), [("", SourceConfig), ("html.", HtmlRules), ("limits.", Limits),
                                               ("robots.", Robots)], ids=["source", "html", "limits", "robots"])
def test_every_option_has_a_row(prefix: str, model: type[BaseModel]) -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = [name for name in model.model_fields
               if f"| `{prefix}{name}` |" not in doc and f"| `{prefix}{name}." not in doc]
    assert missing == []


@pytest.mark.parametrize("model", [Schedule, PageAction], ids=["schedule", "page_actions"])
def test_every_nested_option_is_shown(model: type[BaseModel]) -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert [name for name in model.model_fields if f"{name}:" not in doc] == []


def test_the_example_has_one_valid_source_of_each_kind() -> None:
    sources = load_sources(ROOT / "config" / "sources.example.yaml").sources
    assert {source.kind for source in sources} == {"html", "feed", "telegram", "mastodon", "bluesky"}
