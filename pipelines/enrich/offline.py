"""Offline enrichment: raw JSONL in, enriched JSONL out, no Kafka (``tipwatch enrich --input``).

Each non-blank input line is one raw ``tipwatch.post/1`` record. A valid line yields one enriched
line; a line that is not JSON, breaks the contract or cannot be enriched writes
``line N: <reason>`` to the errors stream and the run goes on. Errors are data: they are
counted in ``OfflineStats``, never raised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from pipelines.enrich.enricher import EnrichmentError
from tipwatch.contract import ContractError, EnrichedPost, RawPost, parse_raw


class SupportsEnrich(Protocol):
    """Anything with ``enrich(raw) -> EnrichedPost`` (the Enricher, or a fake in tests)."""

    def enrich(self, raw: RawPost) -> EnrichedPost:
        """Enrich one raw record."""
        ...


@dataclass
class OfflineStats:
    """Counts of one offline run."""

    lines: int = 0
    """Lines read, blank ones included."""
    blank: int = 0
    enriched: int = 0
    invalid: int = 0
    """Not UTF-8, not JSON, or not a valid raw record."""
    failed: int = 0
    """Valid records an enrichment stage could not process."""
    levels: Counter[str] = field(default_factory=Counter)
    """Enriched records per risk level."""

    @property
    def errors(self) -> int:
        """Lines reported on the errors stream."""
        return self.invalid + self.failed

    def summary(self) -> str:
        """One line for the end of a run."""
        levels = ", ".join(f"{level} {self.levels[level]}" for level in ("high", "medium", "low"))
        return (f"{self.lines} lines: {self.enriched} enriched ({levels}), {self.invalid} invalid, "
                f"{self.failed} failed, {self.blank} blank")


def _check_utf8(line: str) -> None:
    """Lines read with errors='surrogateescape' keep undecodable bytes as lone surrogates."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ContractError([("<line>", f"not UTF-8 at character {exc.start + 1}")]) from exc


def enrich_jsonl(input: TextIO, output: TextIO, errors: TextIO, enricher: SupportsEnrich) -> OfflineStats:
    """Enrich every line of ``input`` into ``output``; bad lines go to ``errors`` as ``line N: reason``."""
    stats = OfflineStats()
    for number, line in enumerate(input, start=1):
        stats.lines += 1
        if not line.strip():
            stats.blank += 1
            continue
        try:
            _check_utf8(line)
            raw = parse_raw(line)
        except ContractError as exc:
            stats.invalid += 1
            errors.write(f"line {number}: {exc.reason}\n")
            continue
        try:
            enriched = enricher.enrich(raw)
        except EnrichmentError as exc:
            stats.failed += 1
            errors.write(f"line {number}: enrichment failed in {exc.stage}: {exc.reason}\n")
            continue
        output.write(enriched.model_dump_json(by_alias=True))
        output.write("\n")
        stats.enriched += 1
        stats.levels[enriched.risk.level] += 1
    output.flush()
    errors.flush()
    return stats
