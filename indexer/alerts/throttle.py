"""``realert``: after an alert for a key, further matches for that key within ``realert`` are
suppressed (stored, never notified). Holds live in the alert-state index, so every worker and
every restart sees them; a dry run keeps them in memory.

A post with several key values (several contacts) alerts when at least one of its values is free,
and takes a hold on each free value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from indexer.alerts.alert import Alert
from indexer.alerts.store import Hold
from indexer.alerts.types import ALL_KEY
from tipwatch.contract.times import format_time, parse_time

RealertOf = Callable[[str], timedelta | None]
"""Rule name -> its effective realert (None: not throttled)."""


class HoldBook(Protocol):
    """Where holds are kept (``AlertStore`` or ``MemoryHolds``)."""

    def holds(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Hold]:
        """Current holds of (rule, key) pairs."""
        ...

    def put_holds(self, holds: Sequence[Hold]) -> list[Hold]:
        """Write holds conditionally; return those another writer took first."""
        ...


class MemoryHolds:
    """Holds in a dict (dry runs: nothing is written anywhere)."""

    def __init__(self) -> None:
        self._holds: dict[tuple[str, str], Hold] = {}

    def holds(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Hold]:
        """Current holds of the pairs."""
        return {pair: self._holds[pair] for pair in pairs if pair in self._holds}

    def put_holds(self, holds: Sequence[Hold]) -> list[Hold]:
        """Store the holds (never lost: one writer)."""
        for hold in holds:
            self._holds[(hold.rule, hold.key)] = hold
        return []


def _free(hold: Hold | None, alert_id: str, now: datetime) -> bool:
    return hold is None or hold.alert_id == alert_id or parse_time(hold.until) <= now


def _keys(alert: Alert) -> tuple[str, ...]:
    return alert.keys or (ALL_KEY,)


def _suppress(alert: Alert, holder: Hold, now: datetime) -> Alert:
    return alert.changed(status="suppressed", reason=f"realert: {', '.join(_keys(alert))} already alerted by "
                                                     f"{holder.alert_id} until {holder.until}",
                         updated_at=format_time(now))


class Throttle:
    """Marks alerts whose keys are all held by other alerts as suppressed; takes holds for the rest."""

    def __init__(self, book: HoldBook, realert_of: RealertOf) -> None:
        self.book = book
        self.realert_of = realert_of

    def apply(self, alerts: Sequence[Alert], now: datetime) -> list[Alert]:
        """The alerts in order, each pending or suppressed; holds written before returning."""
        pairs = [(a.rule_name, key) for a in alerts if self.realert_of(a.rule_name) for key in _keys(a)]
        current = self.book.holds(pairs)
        taken: dict[tuple[str, str], Hold] = {}
        taken_by: dict[str, list[tuple[str, str]]] = {}
        result: list[Alert] = []
        for alert in alerts:
            realert = self.realert_of(alert.rule_name)
            if not realert:
                result.append(alert)
                continue
            rule = alert.rule_name
            free = [key for key in _keys(alert) if _free(current.get((rule, key)), alert.id, now)]
            if not free:
                result.append(_suppress(alert, current[(rule, _keys(alert)[0])], now))
                continue
            for key in free:
                old = current.get((rule, key))
                hold = Hold(rule, key, alert.id, format_time(now + realert),
                            old.seq_no if old else None, old.primary_term if old else None)
                current[(rule, key)] = hold
                taken[(rule, key)] = hold
                taken_by.setdefault(alert.id, []).append((rule, key))
            result.append(alert)
        lost = self.book.put_holds(list(taken.values()))
        if not lost:
            return result
        return self._resolve_lost(result, taken_by, {(h.rule, h.key) for h in lost}, now)

    def _resolve_lost(self, alerts: list[Alert], taken_by: dict[str, list[tuple[str, str]]],
                      lost: set[tuple[str, str]], now: datetime) -> list[Alert]:
        """Another worker took some keys first: alerts left with no key of their own are suppressed."""
        winners = self.book.holds(lost)
        resolved = []
        for alert in alerts:
            mine = taken_by.get(alert.id, [])
            if mine and all(pair in lost for pair in mine) and alert.status != "suppressed":
                holder = winners.get(mine[0])
                if holder is not None and holder.alert_id != alert.id:
                    resolved.append(_suppress(alert, holder, now))
                    continue
            resolved.append(alert)
        return resolved
