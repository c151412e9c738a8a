"""Notifying: render alerts once, send to each remaining target through its alerter, collect outcomes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jinja2 import TemplateError

from indexer.alerts.alert import Alert
from indexer.alerts.alerters import Alerter, Outcome
from indexer.alerts.render import Renderer
from indexer.alerts.rules import NotifyTarget

log = logging.getLogger(__name__)


def parse_target(label: str) -> NotifyTarget:
    """``"apprise:TIPWATCH_NOTIFY_TEAM"`` -> NotifyTarget(alerter="apprise", env="TIPWATCH_NOTIFY_TEAM")."""
    alerter, _, env = label.partition(":")
    return NotifyTarget(alerter=alerter, env=None if env in ("", "-") else env)


@dataclass(frozen=True)
class Delivery:
    """The outcome of notifying one alert or digest: targets that succeeded and failure reasons."""

    delivered: tuple[str, ...]
    errors: tuple[str, ...]


class Notifier:
    """Sends rendered alerts through the alerters named by their targets."""

    def __init__(self, alerters: Mapping[str, Alerter], renderer: Renderer | None = None) -> None:
        self.alerters = dict(alerters)
        self.renderer = renderer or Renderer()

    def deliver(self, alerts: Sequence[Alert], targets: Sequence[str]) -> Delivery:
        """Notify ``targets`` (``alerter:ENV`` labels) about ``alerts`` (one alert or one digest)."""
        if not targets:
            return Delivery((), ())
        try:
            notification = self.renderer.render(alerts)
        except TemplateError as exc:
            log.error("alert %s: template error: %s", alerts[0].id, exc)
            return Delivery((), tuple(f"{label}: template error: {exc}" for label in targets))
        outcomes: list[Outcome] = []
        for label in targets:
            alerter = self.alerters.get(label.partition(":")[0])
            if alerter is None:
                outcomes.append(Outcome(label, False, f"no alerter for target {label}"))
                continue
            outcomes.append(alerter.send(parse_target(label), notification))
        delivered = tuple(o.target for o in outcomes if o.ok)
        errors = tuple(f"{o.target}: {o.reason}" for o in outcomes if not o.ok)
        if errors:
            log.warning("alert %s: %d of %d targets failed: %s", alerts[0].id, len(errors), len(outcomes),
                        "; ".join(errors)[:500])
        return Delivery(delivered, errors)
