"""Kafka adapter: producer, consumer loop (commit after the sink flushed), dead letters.

Public API::

    Producer            non-blocking sends with delivery callbacks, flush, close
    ConsumerLoop, Sink  poll -> sink.process(batch) -> dead-letter -> flush -> commit
    DeadLetter          the dead-letter writer (stage, reason, original topic/partition/offset)
    Message, Rejected   client-independent message types
    Retryable, DeliveryFailed
    RecordTooLarge      a record over kafka.max_message_bytes (fit() shortens text fields instead)
"""

from tipwatch.stream.consumer import ConsumerLoop, LoopStats, Sink, stop_on_signals
from tipwatch.stream.deadletter import DeadLetter
from tipwatch.stream.errors import DeliveryFailed, Retryable
from tipwatch.stream.message import Message, Rejected
from tipwatch.stream.producer import Producer
from tipwatch.stream.sizing import RecordTooLarge, fit, record_limit

__all__ = [
    "ConsumerLoop",
    "DeadLetter",
    "DeliveryFailed",
    "LoopStats",
    "Message",
    "Producer",
    "RecordTooLarge",
    "Rejected",
    "Retryable",
    "Sink",
    "fit",
    "record_limit",
    "stop_on_signals",
]
