"""Why a request failed, as one short reason: the ``error/<reason>`` stats and the crawl summary use it.

    http_<status>      the server answered with an error status (after retries for 429/5xx)
    maxsize            the body was larger than DOWNLOAD_MAXSIZE (Scrapy cancels only for that)
    redirect_loop      more redirects than REDIRECT_MAX_TIMES
    robots_forbidden   robots.txt forbids the URL
    offsite            the URL is outside the source's allowed domains
    evidence_unwritable  the response arrived but could not be archived (the crawl is stopping)
    timeout, dns, connection, data_loss, render       transport failures (after retries)
    <ExceptionName>    anything else
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

_BY_TYPE: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((DownloadCancelledError, CancelledError), "maxsize"),
    ((DownloadTimeoutError, twisted_errors.TimeoutError, TimeoutError), "timeout"),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, DownloadFailedError, twisted_errors.ConnectError,
      twisted_errors.ConnectionLost, ConnectionError), "connection"),
    (ResponseDataLossError, "data_loss"),
    (PlaywrightError, "render"),
)
DOWNLOAD_ERRORS: tuple[type[BaseException], ...] = (
    IgnoreRequest, CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, ResponseDataLossError, UnsupportedURLSchemeError, NotSupported, CancelledError,
    twisted_errors.ConnectError, twisted_errors.ConnectionLost, twisted_errors.TimeoutError,
    twisted_errors.DNSLookupError, ConnectionError, TimeoutError,
)
"""What awaiting a download (``engine.download_async``) may raise for a request that failed."""

_IGNORED_BY_MESSAGE = (
    ("max redirections", "redirect_loop"),
    ("robots.txt", "robots_forbidden"),
    ("offsite", "offsite"),
    ("no evidence written", "evidence_unwritable"),
)


def failure_reason(failure: Failure | BaseException) -> str:
    """The short reason of a failed request (see the module docstring)."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        message = str(exc).lower()
        return next((reason for text, reason in _IGNORED_BY_MESSAGE if text in message), "ignored")
    for types, reason in _BY_TYPE:
        if isinstance(exc, types):
            return reason
    return type(exc).__name__
