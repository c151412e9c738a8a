"""Alerters, looked up by name (a rule's ``notify[].alerter``). One file per alerter.

    apprise   every Apprise URL (email, Slack, Teams, Telegram, Matrix, Discord, JSON webhook…)
    log       the worker's log
"""

from __future__ import annotations

from collections.abc import Mapping

from indexer.alerts.alerters.base import Alerter, Notification, Outcome

ALERTERS: tuple[str, ...] = ("apprise", "log")
"""Alerter names a rule may use."""


def build_alerters(environ: Mapping[str, str] | None = None) -> dict[str, Alerter]:
    """The alerters by name; Apprise reads its URLs from ``environ`` (default: the process environment)."""
    from indexer.alerts.alerters.apprise import AppriseAlerter
    from indexer.alerts.alerters.log import LogAlerter

    return {"apprise": AppriseAlerter(environ), "log": LogAlerter()}


__all__ = ["ALERTERS", "Alerter", "Notification", "Outcome", "build_alerters"]
