"""Secrets come only from the environment; files that contain them are rejected."""

from __future__ import annotations

import os

SECRET_ENV = {
    "elasticsearch.password": "TIPWATCH_ES_PASSWORD",
    "elasticsearch.api_key": "TIPWATCH_ES_API_KEY",
    "kafka.sasl_password": "TIPWATCH_KAFKA_SASL_PASSWORD",
}
"""Secret setting -> the environment variable that holds it."""

SECRET_WORDS = ("password", "api_key", "apikey", "secret", "token")


def secret(name: str) -> str | None:
    """The value of a secret (``"elasticsearch.password"``…) from the environment, or None."""
    return os.environ.get(SECRET_ENV[name]) or None


def looks_secret(key: str) -> bool:
    """True for a key name that should never be written in a config file."""
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)
