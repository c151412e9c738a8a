"""The indexer against a secured Elasticsearch: TLS with our CA, basic auth and API keys.

Starts a second local Elasticsearch (security on, port 9250, its own state folder) for this module
and stops it afterwards.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from elastic_transport import TransportError
from elasticsearch import ApiError, AuthenticationException

from indexer.sink import IndexSink
from indexer.worker import check_ready
from tests.conftest import ROOT, base_settings
from tests.indexer.fixtures import enriched, wire
from tipwatch.config import Settings
from tipwatch.errors import SearchUnavailable, StackError, UserError
from tipwatch.es import make_client
from tipwatch.setup import install_templates
from tipwatch.stack import process
from tipwatch.stack.elasticsearch import ElasticsearchServer
from tipwatch.stream import Message

pytestmark = pytest.mark.slow
PORT = 9250


def _secured_settings(ca: Path | None = None) -> Settings:
    base = base_settings()
    return base.model_copy(update={
        "paths": base.paths.model_copy(update={"state_dir": ROOT / ".tipwatch" / "secure-test"}),
        "stack": base.stack.model_copy(update={"elasticsearch_port": PORT, "elasticsearch_security": True,
                                               "elasticsearch_heap_min": "256m", "elasticsearch_heap_max": "512m"}),
        "elasticsearch": base.elasticsearch.model_copy(update={
            "hosts": [f"https://127.0.0.1:{PORT}"], "username": "elastic", "ca_certs": ca,
            "index_prefix": f"sec{secrets.token_hex(4)}-"}),
    })


@pytest.fixture(scope="module")
def secured() -> Iterator[Settings]:
    """A secured node; settings pointing at it (password in TIPWATCH_ES_PASSWORD)."""
    if process.port_open(PORT) or process.port_open(PORT + 100):
        pytest.skip(f"port {PORT} or {PORT + 100} is taken")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TIPWATCH_ES_PASSWORD", secrets.token_urlsafe(16))
        env.delenv("TIPWATCH_ES_API_KEY", raising=False)
        server = ElasticsearchServer(_secured_settings())
        shutil.rmtree(server.data, ignore_errors=True)
        server.install()
        settings = _secured_settings(server.conf / "certs" / "ca.crt")
        server.start()
        try:
            client = make_client(settings, max_retries=0, request_timeout=5)
            deadline = time.monotonic() + settings.stack.start_timeout_s
            while True:
                try:
                    if client.cluster.health(wait_for_status="yellow", timeout="5s")["status"] != "red":
                        break
                except (TransportError, ApiError) as exc:
                    if time.monotonic() > deadline or server.pid() is None:
                        raise StackError(f"secured Elasticsearch not ready: {exc}; see {server.log}") from exc
                    time.sleep(1.0)
            client.close()
            yield settings
        finally:
            server.stop()
            shutil.rmtree(server.data, ignore_errors=True)


def _index_and_count(settings: Settings) -> int:
    client = make_client(settings)
    install_templates(client, settings)
    sink = IndexSink(client, settings)
    assert sink.process([Message("t", 0, i, wire(enriched(i))) for i in range(20)]) == []
    client.indices.refresh(index=settings.index("posts"))
    total = int(client.count(index=settings.index("posts"))["count"])
    client.indices.delete(index=f"{settings.elasticsearch.index_prefix}*")
    client.close()
    return total


def test_basic_auth_over_tls(secured: Settings) -> None:
    client = make_client(secured)
    with pytest.raises(UserError, match="does not exist; run 'tipwatch setup'"):
        check_ready(client, secured)
    client.close()
    assert _index_and_count(secured) == 20


def test_api_key_is_sent_and_an_unknown_one_refused(secured: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """This distribution cannot mint API keys (the .security index needs analysis-common), so the test
    checks the other half: the key from TIPWATCH_ES_API_KEY wins over the password and a refusal is one
    sentence."""
    unknown = base64.b64encode(b"tipwatch-test-id:not-a-real-api-key-secret").decode()
    monkeypatch.setenv("TIPWATCH_ES_API_KEY", unknown)
    client = make_client(secured, max_retries=0)
    with pytest.raises(SearchUnavailable, match="answered 401"):
        check_ready(client, secured)
    client.close()


def test_wrong_credentials_and_missing_ca_are_one_sentence(secured: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPWATCH_ES_PASSWORD", "not-the-password")
    client = make_client(secured, max_retries=0)
    with pytest.raises(SearchUnavailable, match="answered 401"):
        check_ready(client, secured)
    with pytest.raises(AuthenticationException):
        client.indices.exists_alias(name="x")
    with pytest.raises(SearchUnavailable, match="refused the credentials"):
        IndexSink(client, secured).process([Message("t", 0, 0, wire(enriched(1)))])
    client.close()
    no_ca = secured.model_copy(update={"elasticsearch": secured.elasticsearch.model_copy(update={"ca_certs": None})})
    client = make_client(no_ca, max_retries=0)
    with pytest.raises(SearchUnavailable, match="cannot reach Elasticsearch"):
        check_ready(client, no_ca)
    client.close()
