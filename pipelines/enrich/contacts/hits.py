"""The internal result of every extractor, before offsets are mapped to the original text."""

from __future__ import annotations

from typing import NamedTuple


class Hit(NamedTuple):
    """A contact found in a view: ``start``/``end`` are offsets into that view's base text."""

    kind: str
    value: str
    start: int
    end: int
