"""The alerter contract: send one rendered notification to one target, report the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

if TYPE_CHECKING:
    from indexer.alerts.rules import NotifyTarget


@dataclass(frozen=True)
class Notification:
    """A rendered notification: title, body and the body's format."""

    title: str
    body: str
    body_format: Literal["markdown", "text", "html"] = "markdown"


@dataclass(frozen=True)
class Outcome:
    """The result of one send: ``ok``, or the reason it failed (never contains a secret)."""

    target: str
    ok: bool
    reason: str = ""


class Alerter(Protocol):
    """Sends notifications to one kind of channel."""

    name: ClassVar[str]

    def send(self, target: NotifyTarget, notification: Notification) -> Outcome:
        """Deliver (blocking, with the channel's own timeouts); never raises for a delivery failure."""
        ...
