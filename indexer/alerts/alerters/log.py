"""The log alerter: writes the notification to the worker's log (for trials and for audit)."""

from __future__ import annotations

import logging
from typing import ClassVar

from indexer.alerts.alerters.base import Notification, Outcome
from indexer.alerts.rules import NotifyTarget

log = logging.getLogger("tipwatch.alerts.notifications")


class LogAlerter:
    """Logs the title and body at INFO; always succeeds."""

    name: ClassVar[str] = "log"

    def send(self, target: NotifyTarget, notification: Notification) -> Outcome:
        """Write the notification to the log."""
        log.info("%s\n%s", notification.title, notification.body)
        return Outcome(target.label, True)
