"""Building the Elasticsearch client from settings (auth and TLS from settings + environment)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from tipwatch.config.secrets import secret
from tipwatch.config.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Elasticsearch(...)``: hosts, API key or basic auth, CA file."""
    es = settings.elasticsearch
    options: dict[str, Any] = {
        "hosts": es.hosts, "request_timeout": es.request_timeout_s,
        "retry_on_timeout": True, "max_retries": 2,
    }
    api_key = secret("elasticsearch.api_key")
    password = secret("elasticsearch.password")
    if api_key:
        options["api_key"] = api_key
    elif es.username and password:
        options["basic_auth"] = (es.username, password)
    if es.ca_certs:
        options["ca_certs"] = str(es.ca_certs)
    if not es.verify_certs:
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    return options


def make_client(settings: Settings, **overrides: Any) -> Elasticsearch:
    """An Elasticsearch client for the configured cluster."""
    return Elasticsearch(**{**client_options(settings), **overrides})
