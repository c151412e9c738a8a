"""Failed requests get one short reason each (the ``error/<reason>`` stats)."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.failures import failure_reason


@pytest.mark.parametrize(("exc", "reason"), [
    (HttpError(Response("http://x.test/", status=404, request=Request("http://x.test/")), "Ignoring"), "http_404"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots_forbidden"),
    (IgnoreRequest("no evidence written for http://x.test/"), "evidence_unwritable"),
    (IgnoreRequest("something else"), "ignored"),
    (DownloadCancelledError("Expected to receive 52428800 bytes which is larger than download max size"), "maxsize"),
    (DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
    (CannotResolveHostError("no such host"), "dns"),
    (DownloadConnectionRefusedError("refused"), "connection"),
    (KeyError("x"), "KeyError"),
])
def test_reasons(exc: Exception, reason: str) -> None:
    assert failure_reason(Failure(exc)) == reason
    assert failure_reason(exc) == reason
