"""kafka-python client options from settings (bootstrap servers, TLS, SASL with the secret from env)."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from tipwatch.config.secrets import secret
from tipwatch.config.settings import Settings
from tipwatch.errors import BrokerUnavailable


def kafka_options(settings: Settings, role: str) -> dict[str, Any]:
    """Common options for producers, consumers and admin clients; ``role`` goes into the client id."""
    kafka = settings.kafka
    options: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap_servers,
        "client_id": f"{kafka.client_id}-{role}",
        "security_protocol": kafka.security_protocol,
        "request_timeout_ms": 30000,
        "bootstrap_timeout_ms": int(kafka.connect_timeout_s * 1000),
        "retry_backoff_ms": 200,
        "reconnect_backoff_ms": 200,
        "reconnect_backoff_max_ms": int(kafka.retry_backoff_max_s * 1000),
    }
    if kafka.ssl_cafile:
        options["ssl_cafile"] = str(kafka.ssl_cafile)
    if kafka.sasl_mechanism:
        options["sasl_mechanism"] = kafka.sasl_mechanism
        options["sasl_plain_username"] = kafka.sasl_username
        options["sasl_plain_password"] = secret("kafka.sasl_password")
    return options


def unreachable(settings: Settings, exc: Exception) -> BrokerUnavailable:
    """The one sentence every component says when Kafka cannot be reached."""
    servers = ", ".join(settings.kafka.bootstrap_servers)
    return BrokerUnavailable(
        f"cannot reach Kafka at {servers} ({type(exc).__name__}); start it with 'tipwatch stack up' "
        f"or fix kafka.bootstrap_servers in config/settings.yaml"
    )


def admin_client(settings: Settings, role: str) -> KafkaAdminClient:
    """A connected admin client, or BrokerUnavailable in one sentence."""
    try:
        return KafkaAdminClient(**kafka_options(settings, role))
    except KafkaError as exc:
        raise unreachable(settings, exc) from exc
