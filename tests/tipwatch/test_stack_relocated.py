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
    (root / "stray-file").write_text("not a home")

    assert relocated.stale_homes(root) == [root / "deleted-project"]
    assert relocated.prune(root) == [root / "deleted-project"]
    assert sorted(path.name for path in root.iterdir()) == [
        "live-project", "no-owner-recorded", "relative-owner", "state-folder-reset", "still-running", "stray-file"]
    assert relocated.prune(root) == []


def test_a_dead_server_pid_does_not_keep_a_home(tmp_path: Path) -> None:
    root = tmp_path / "root"
    _home(root, "stopped", owner=str(tmp_path / "deleted" / ".tipwatch" / "elasticsearch"), pid=2 ** 22 + 1)
    assert relocated.prune(root) == [root / "stopped"]
    assert not (root / "stopped").exists()


def test_a_home_that_cannot_be_removed_is_named_and_kept_for_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    root, gone = tmp_path / "root", str(tmp_path / "deleted" / ".tipwatch" / "elasticsearch")
    _home(root, "busy", owner=gone)
    _home(root, "free", owner=gone)
    real_rmtree = relocated.shutil.rmtree

    def rmtree(path: Path) -> None:
        if Path(path).name == "busy":
            raise PermissionError(13, "Permission denied", str(path))
        real_rmtree(path)

    monkeypatch.setattr(relocated.shutil, "rmtree", rmtree)
    with caplog.at_level("WARNING", logger=relocated.__name__):
        assert relocated.prune(root) == [root / "free"]
    assert "could not remove the stale Elasticsearch home" in caplog.text and "busy" in caplog.text
    assert relocated.stale_homes(root) == [root / "busy"], "tried again by the next installation"


def test_no_root_folder_means_nothing_to_prune(tmp_path: Path) -> None:
    assert relocated.prune(tmp_path / "absent") == []


def test_record_owner_only_for_a_relocated_home(tmp_path: Path) -> None:
    root, wanted = tmp_path / "root", tmp_path / "project" / ".tipwatch" / "elasticsearch"
    relocated.record_owner(wanted, wanted, root)
    assert not root.exists() and not wanted.parent.exists()
    home = root / "abc" / relocated.HOME_NAME
    assert relocated.is_relocated(home, root) and not relocated.is_relocated(wanted, root)
    relocated.record_owner(home, wanted, root)
    assert (root / "abc" / relocated.OWNER_FILE).read_text() == f"{wanted}\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="homes are relocated only for root")
def test_home_moves_out_of_a_folder_other_users_cannot_enter(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    root = tmp_path / "root"
    wanted = private / "project" / ".tipwatch" / "elasticsearch"
    home = relocated.home_for(wanted, root)
    assert home.parent.parent == root and home.name == relocated.HOME_NAME
    assert relocated.home_for(wanted, root) == home, "the same project gets the same home"
    assert relocated.home_for(wanted.with_name("other"), root) != home, "another project, another home"
    open_ = Path("/tipwatch-absent-project/.tipwatch/elasticsearch")  # only "/" exists, enterable by all
    assert relocated.home_for(open_, root) == open_
