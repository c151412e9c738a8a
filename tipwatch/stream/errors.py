"""Stream errors.

    Retryable        a sink failed for a transient reason (server down, 429, timeout): the batch is
                     retried with backoff and nothing is committed meanwhile
    DeliveryFailed   records could not be delivered to Kafka after the producer's retries
"""

from __future__ import annotations


class Retryable(Exception):
    """A transient failure: retry the same batch later, commit nothing."""


class DeliveryFailed(Retryable):
    """The producer could not deliver some records; ``errors`` holds one message per failure."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} record(s) not delivered: {errors[0] if errors else ''}")
