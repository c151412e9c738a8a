"""kafka-python client options from settings (bootstrap servers, TLS, SASL with the secret from env)."""

from __future__ import annotations

from typing import Any

from tipwatch.config.secrets import secret
from tipwatch.config.settings import Settings


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
