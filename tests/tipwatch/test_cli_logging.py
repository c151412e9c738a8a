"""The console script's logging: kafka-python's step-timing warnings are dropped unless ``--verbose``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tipwatch import cli

SLOW_STEP = ("Task <kafka.net.selector.Task object at 0x7efce1fef5d0> ran for 0.176s (>0.100s threshold). It is "
             "blocking the event loop -- likely a tight sync loop inside a coroutine. Other pollers will time out.")
"""What kafka-python 3 logs (already formatted) when a step of its network thread took > 0.1 s of wall time."""


@pytest.fixture
def selector_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("kafka.net.selector")
    filters, level = list(logger.filters), logger.level
    yield logger
    logger.filters[:] = filters
    logger.setLevel(level)


def _emitted(logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    logger.warning(SLOW_STEP)
    logger.warning("Node %s connection failed -- refreshing metadata", 1)
    return [record.getMessage() for record in caplog.records if record.name == logger.name]


def test_slow_step_warnings_are_dropped_and_others_kept(selector_logger: logging.Logger,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert cli.main([]) == 2  # no command: prints the help, after configuring the logging
    assert _emitted(selector_logger, caplog) == ["Node 1 connection failed -- refreshing metadata"]


def test_verbose_keeps_them(selector_logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert cli.main(["--verbose"]) == 2
    assert _emitted(selector_logger, caplog) == [SLOW_STEP, "Node 1 connection failed -- refreshing metadata"]
