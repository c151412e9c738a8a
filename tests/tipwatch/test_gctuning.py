"""The stream workers' garbage-collector settings are applied while a loop runs, and restored."""

from __future__ import annotations

import gc

from tipwatch.gctuning import YOUNG_THRESHOLD, fewer_collections


def test_fewer_collections_raises_the_young_threshold_and_restores_it() -> None:
    gc.unfreeze()  # start from nothing frozen, whatever ran before in this process
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
        assert gc.get_freeze_count() > frozen, "objects alive at start are kept out of collections"
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen == 0


def test_thresholds_are_restored_when_the_loop_raises() -> None:
    before = gc.get_threshold()
    try:
        with fewer_collections(young=1234):
            assert gc.get_threshold()[0] == 1234
            raise RuntimeError("the loop failed")
    except RuntimeError as exc:
        assert str(exc) == "the loop failed"
    assert gc.get_threshold() == before


def test_objects_the_caller_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
