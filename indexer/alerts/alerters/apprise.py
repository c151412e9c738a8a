"""Apprise: one alerter for email, Slack, Teams, Telegram, Matrix, Discord, JSON webhooks… The URL
(with its credentials) is read from the environment variable the rule names, at send time."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import ClassVar

import apprise

from indexer.alerts.alerters.base import Notification, Outcome
from indexer.alerts.rules import NotifyTarget

log = logging.getLogger(__name__)

MAX_REASON = 500
_FORMATS = {"markdown": apprise.NotifyFormat.MARKDOWN, "text": apprise.NotifyFormat.TEXT,
            "html": apprise.NotifyFormat.HTML}


class AppriseAlerter:
    """Sends through every Apprise URL held by ``target.env`` (comma- or space-separated)."""

    name: ClassVar[str] = "apprise"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = environ if environ is not None else os.environ

    def send(self, target: NotifyTarget, notification: Notification) -> Outcome:
        """Notify; a missing variable, an invalid URL or a failed service is an Outcome, not an error."""
        urls = self.environ.get(target.env or "", "").strip()
        if not urls:
            return Outcome(target.label, False, f"environment variable {target.env} is not set")
        client = apprise.Apprise()
        if not client.add(urls):
            return Outcome(target.label, False, f"{target.env} does not hold a valid Apprise URL")
        with client.notify(body=notification.body, title=notification.title,
                           body_format=_FORMATS[notification.body_format]) as result:
            if result:
                return Outcome(target.label, True)
            messages = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
            reason = "; ".join(messages) or f"Apprise reported {result.status.name}"
        log.warning("notification to %s failed: %s", target.label, reason[:MAX_REASON])
        return Outcome(target.label, False, reason[:MAX_REASON])
