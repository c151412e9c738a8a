"""Elasticsearch homes relocated under ``ROOT_HOME``, and the removal of those whose project is gone.

As root, when the project folder is not enterable by other users (a clone in a private ``mktemp -d``
folder), Elasticsearch's home cannot live in the project: the service user could not reach it. It
goes to ``ROOT_HOME/<hash of the wanted path>/elasticsearch`` instead, about 280 MB with the
unpacked distribution. Each such folder records the path it stands in for (``OWNER_FILE``); once
that path's project folder is deleted, nothing would ever use the home again, so the next
installation removes it (``prune``). A folder without the record (made before it existed) or
with its server still running is left alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from tipwatch.stack import process

log = logging.getLogger(__name__)

ROOT_HOME = Path("/var/lib/tipwatch-stack")
"""Where Elasticsearch lives when the project folder is not readable by the service user."""
OWNER_FILE = "owner"
"""In ``ROOT_HOME/<hash>``: the path the home stands in for (``<state folder>/elasticsearch``)."""
HOME_NAME = "elasticsearch"
PID_FILE = "launcher.pid"


def home_for(wanted: Path, root: Path = ROOT_HOME) -> Path:
    """``wanted``, unless running as root in a folder other users cannot enter: then a folder under ``root``."""
    if os.geteuid() != 0:
        return wanted
    for parent in reversed(wanted.parents):
        if parent.exists() and not (parent.stat().st_mode & 0o001):
            return root / hashlib.sha256(str(wanted).encode()).hexdigest()[:12] / HOME_NAME
    return wanted


def is_relocated(home: Path, root: Path = ROOT_HOME) -> bool:
    """True for a home under ``root`` (``home_for`` moved it out of the project)."""
    return home.parent.parent == root


def record_owner(home: Path, wanted: Path, root: Path = ROOT_HOME) -> None:
    """Note in a relocated home's folder which path it stands in for (nothing for a home in the project)."""
    if not is_relocated(home, root):
        return
    home.parent.mkdir(parents=True, exist_ok=True)
    (home.parent / OWNER_FILE).write_text(f"{wanted}\n")


def _project_gone(wanted: Path) -> bool:
    """True when the project folder holding the state folder (``<project>/.tipwatch/elasticsearch``)
    no longer exists."""
    return not wanted.parent.parent.exists()


def stale_homes(root: Path = ROOT_HOME) -> list[Path]:
    """The folders under ``root`` whose recorded project folder is gone and whose server is not running."""
    if not root.is_dir():
        return []
    stale = []
    for folder in sorted(root.iterdir()):
        try:
            wanted = Path((folder / OWNER_FILE).read_text().strip())
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not wanted.is_absolute() or not _project_gone(wanted):
            continue
        if process.read_pid(folder / HOME_NAME / PID_FILE) is not None:
            continue
        stale.append(folder)
    return stale


def prune(root: Path = ROOT_HOME) -> list[Path]:
    """Remove the stale homes under ``root`` (see ``stale_homes``); the folders removed. A folder that
    cannot be removed is named in a warning and left for the next installation."""
    removed = []
    for folder in stale_homes(root):
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("could not remove the stale Elasticsearch home %s: %s", folder, exc)
            continue
        removed.append(folder)
    if removed:
        log.info("removed %d Elasticsearch home(s) under %s whose project folder is gone: %s",
                 len(removed), root, ", ".join(folder.name for folder in removed))
    return removed
