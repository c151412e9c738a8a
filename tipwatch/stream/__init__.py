"""Kafka adapter: producer, consumer loop (commit after the sink flushed), dead letters.

Public API::

    Producer            non-blocking sends with delivery callbacks, flush, close
    ConsumerLoop, Sink  poll -> sink.process(batch) -> dead-letter -> flush -> commit
    DeadLetter          the dead-letter writer (stage, reason, original topic/partition/offset)
    Message, Rejected   client-independent message types
    Retryable, DeliveryFailed
"""

from tipwatch.stream.consumer import ConsumerLoop, LoopStats, Sink, stop_on_signals
from tipwatch.stream.deadletter import DeadLetter
from tipwatch.stream.errors import DeliveryFailed, Retryable
from tipwatch.stream.message import Message, Rejected
from tipwatch.stream.producer import Producer

__all__ = [
    "ConsumerLoop",
    "DeadLetter",
    "DeliveryFailed",
    "LoopStats",
    "Message",
    "Producer",
    "Rejected",
    "Retryable",
    "Sink",
    "stop_on_signals",
]
