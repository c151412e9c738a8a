"""Relocated Elasticsearch homes: where they go, and which ones a later installation removes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tipwatch.stack import relocated


def _home(root: Path, name: str, owner: str | None = None, pid: int | None = None) -> Path:
    folder = root / name
    (folder / relocated.HOME_NAME / "data").mkdir(parents=True)
    (folder / relocated.HOME_NAME / "data" / "segment").write_text("x")
    if owner is not None:
        (folder / relocated.OWNER_FILE).write_text(owner + "\n")
    if pid is not None:
        (folder / relocated.HOME_NAME / relocated.PID_FILE).write_text(f"{pid}\n")
    return folder


def test_only_homes_of_deleted_projects_with_no_running_server_are_removed(tmp_path: Path) -> None:
    root, projects = tmp_path / "root", tmp_path / "projects"
    kept_project = projects / "kept"
    (kept_project / ".tipwatch").mkdir(parents=True)
    gone = str(projects / "deleted" / ".tipwatch" / "elasticsearch")
    _home(root, "live-project", owner=str(kept_project / ".tipwatch" / "elasticsearch"))
    _home(root, "deleted-project", owner=gone)
    _home(root, "state-folder-reset", owner=str(kept_project / "gone-state" / "elasticsearch"))
    _home(root, "no-owner-recorded")
    _home(root, "still-running", owner=gone, pid=os.getpid())
    _home(root, "relative-owner", owner="deleted/.tipwatch/elasticsearch")

    assert relocated.stale_homes(root) == [root / "deleted-project"]
    assert relocated.prune(root) == [root / "deleted-project"]
    assert sorted(path.name for path in root.iterdir()) == [
        "live-project", "no-owner-recorded", "relative-owner", "state-folder-reset", "still-running"]
    assert relocated.prune(root) == []


def test_a_dead_server_pid_does_not_keep_a_home(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _home(root, "stopped", owner=str(tmp_path / "deleted" / ".tipwatch" / "elasticsearch"), pid=2 ** 22 + 1)
    assert relocated.prune(root) == [root / "stopped"]
    assert not (root / "stopped").exists()


def test_no_root_folder_means_nothing_to_prune(tmp_path: Path) -> None:
    assert relocated.prune(tmp_path / "absent") == []


def test_record_owner_only_for_a_relocated_home(tmp_path: Path) -> None:
    root, wanted = tmp_path / "root", tmp_path / "project" / ".tipwatch" / "elasticsearch"
    relocated.record_owner(wanted, wanted, root)
    assert not root.exists() and not wanted.parent.exists()
    home = root / "abc" / relocated.HOME_NAME
    relocated.record_owner(home, wanted, root)
    assert (root / "abc" / relocated.OWNER_FILE).read_text() == f"{wanted}\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="homes are relocated only for root")
def test_home_moves_out_of_a_folder_other_users_cannot_enter(tmp_path: Path) -> None:
    private, open_ = tmp_path / "private", tmp_path / "open"
    private.mkdir(mode=0o700)
    open_.mkdir()
    os.chmod(open_, 0o755)
    os.chmod(tmp_path, 0o755)
    root = tmp_path / "root"
    wanted = private / "project" / ".tipwatch" / "elasticsearch"
    home = relocated.home_for(wanted, root)
    assert home.parent.parent == root and home.name == relocated.HOME_NAME
    assert relocated.home_for(wanted, root) == home, "the same project gets the same home"
    if all(parent.stat().st_mode & 0o001 for parent in tmp_path.parents):
        assert relocated.home_for(open_ / "elasticsearch", root) == open_ / "elasticsearch"
