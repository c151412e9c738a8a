"""Rendering alerts into notifications with the Jinja2 templates of ``indexer/alerts/templates/``
(``alert.md.j2`` for one alert, ``digest.md.j2`` for an aggregate window, ``title.txt.j2``).
A folder given as ``template_dir`` overrides the built-in templates file by file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from indexer.alerts.alert import Alert
from indexer.alerts.alerters.base import Notification

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DIGEST_MAX_ITEMS = 20


class Renderer:
    """Turns one alert, or the alerts of one digest, into a title and a Markdown body."""

    def __init__(self, template_dir: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(template_dir))] if template_dir else []
        self.env = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(str(TEMPLATE_DIR))]),
            undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
        )

    def render(self, alerts: Sequence[Alert]) -> Notification:
        """The notification for ``alerts`` (several alerts make a digest)."""
        if not alerts:
            raise ValueError("nothing to render")
        docs = [alert.as_message() for alert in alerts]
        title = " ".join(self.env.get_template("title.txt.j2").render(alerts=docs).split())
        if len(docs) == 1:
            body = self.env.get_template("alert.md.j2").render(alert=docs[0])
        else:
            digest = docs[0].get("digest") or {"start": docs[0]["created_at"], "end": docs[-1]["created_at"]}
            body = self.env.get_template("digest.md.j2").render(alerts=docs, digest=digest,
                                                                max_items=DIGEST_MAX_ITEMS)
        return Notification(title=title, body=_tidy(body))


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by optional template parts."""
    lines: list[str] = []
    for line in text.strip().splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"
