"""Windowed rules on a schedule: each rule's windows end on multiples of its ``run_every`` (minus
``settle_s``); the end of the last evaluated window is kept in the alert-state index, so a
restarted worker resumes there (evaluating at most ``max_catchup_windows`` missed windows)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from elasticsearch import ApiError

from indexer.alerts.options import AlertSettings
from indexer.alerts.posts import PostsIndex
from indexer.alerts.rules import Rule
from indexer.alerts.store import TRANSIENT_STATUS, AlertStore
from indexer.alerts.types import Match
from tipwatch.contract.times import format_time, parse_time

log = logging.getLogger(__name__)


def aligned_end(now: datetime, interval: timedelta, settle: timedelta) -> datetime:
    """The latest multiple of ``interval`` (since the epoch) at or before ``now - settle``."""
    step = interval.total_seconds()
    moment = (now - settle).timestamp()
    return datetime.fromtimestamp((moment // step) * step, tz=now.tzinfo)


def window_ends(last: datetime | None, latest: datetime, interval: timedelta, limit: int) -> list[datetime]:
    """Window ends after ``last`` up to ``latest`` (only ``latest`` on a first run), at most ``limit``."""
    if last is None:
        return [latest]
    ends: list[datetime] = []
    end = last + interval
    while end <= latest:
        ends.append(end)
        end += interval
    return ends[-limit:]


class WindowRunner:
    """Evaluates due windows of the windowed rules and hands their matches to ``submit``."""

    def __init__(self, posts: PostsIndex, store: AlertStore, rules: Sequence[Rule], options: AlertSettings,
                 clock: Callable[[], datetime]) -> None:
        self.posts = posts
        self.store = store
        self.rules = [rule for rule in rules if not rule.per_post]
        self.options = options
        self.clock = clock
        self._last_end: dict[str, datetime] | None = None

    def last_ends(self) -> dict[str, datetime]:
        """Rule name -> end of its last evaluated window (read from the store once)."""
        if self._last_end is None:
            states = self.store.window_states(rule.name for rule in self.rules)
            self._last_end = {name: parse_time(state["last_end"]) for name, state in states.items()}
        return self._last_end

    def due(self, now: datetime) -> list[tuple[Rule, list[datetime]]]:
        """Each rule with the window ends it should evaluate now."""
        settle = timedelta(seconds=self.options.settle_s)
        found = []
        for rule in self.rules:
            latest = aligned_end(now, rule.interval, settle)
            last = self.last_ends().get(rule.name)
            ends = window_ends(last, latest, rule.interval, self.options.max_catchup_windows)
            if last is not None and ends and ends[0] > last + rule.interval:
                log.warning("rule %s: skipping windows between %s and %s (more than %d missed)", rule.name,
                            last, ends[0], self.options.max_catchup_windows)
            if ends:
                found.append((rule, ends))
        return found

    def run_due(self, submit: Callable[[list[Match]], object]) -> int:
        """Evaluate every due window, submit its matches, then record the window; matches found."""
        now = self.clock()
        total = 0
        for rule, ends in self.due(now):
            for end in ends:
                try:
                    evaluation = rule.rule_type.evaluate(self.posts, rule, end, self.options.sample_size)
                except ApiError as exc:
                    if exc.meta.status in TRANSIENT_STATUS:
                        raise
                    log.error("rule %s: window ending %s failed and is skipped: %s", rule.name, end, exc)
                    evaluation = None
                if evaluation is not None:
                    submit(evaluation.matches)
                    total += len(evaluation.matches)
                start = end - (rule.timeframe or rule.interval)
                previous = {"start": format_time(start), "end": format_time(end),
                            **(evaluation.summary if evaluation else {"error": True})}
                self.store.put_window_state(rule.name, end, now, previous)
                self.last_ends()[rule.name] = end
        return total
