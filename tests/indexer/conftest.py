"""Fixtures of the indexer tests: a client on the local stack with the templates installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.setup import install_templates


@pytest.fixture
def es(stack_settings: Settings) -> Iterator[Elasticsearch]:
    """A client for the local Elasticsearch, with every index template and alias installed."""
    client = make_client(stack_settings)
    install_templates(client, stack_settings)
    yield client
    client.close()
