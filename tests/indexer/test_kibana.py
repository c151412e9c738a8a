"""Kibana saved objects: import format, fields against the installed mappings, the import request."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from elasticsearch import Elasticsearch

from indexer.kibana_export import KIBANA_DIR, export_text, load_objects, referenced_fields, render
from tests.conftest import base_settings, unique_settings
from tipwatch.cli import main
from tipwatch.config import Settings

TYPES = {"index-pattern", "search", "visualization", "dashboard"}


@pytest.fixture
def settings() -> Settings:
    """Repository settings with an index prefix of their own (no server needed)."""
    return unique_settings(base_settings())


def test_files_are_kibana_import_ndjson() -> None:
    files = sorted(KIBANA_DIR.glob("*.ndjson"))
    assert files
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            assert obj["type"] in TYPES and obj["id"] and obj["attributes"]["title"]
            assert obj["coreMigrationVersion"] and obj["typeMigrationVersion"]
            for reference in obj["references"]:
                assert set(reference) == {"name", "type", "id"}
            meta = obj["attributes"].get("kibanaSavedObjectMeta")
            if meta:
                source = json.loads(meta["searchSourceJSON"])
                if obj["type"] in ("search", "visualization"):
                    assert source["indexRefName"] in {r["name"] for r in obj["references"]}
                    assert source["query"]["language"] == "kuery"
            if obj["type"] == "visualization":
                assert json.loads(obj["attributes"]["visState"])["aggs"]
            if obj["type"] == "dashboard":
                panels = json.loads(obj["attributes"]["panelsJSON"])
                assert {p["panelRefName"] for p in panels} == {r["name"] for r in obj["references"]}
    objects = load_objects()
    known = {(obj["type"], obj["id"]) for obj in objects}
    for obj in objects:
        for reference in obj["references"]:
            assert (reference["type"], reference["id"]) in known, reference
    titles = {obj["attributes"]["title"] for obj in objects}
    assert {"tipwatch-posts", "tipwatch-alerts", "tipwatch-crawls", "tipwatch-identifiers"} <= titles
    assert {"High-risk adverts, last 7 days", "Posts sharing a contact", "New sources this week",
            "tipwatch overview"} <= titles


def _field_paths(properties: dict[str, Any], prefix: str = "") -> set[str]:
    paths = set()
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        paths.add(path)
        paths.update(f"{path}.{sub}" for sub in spec.get("fields", {}))
        paths.update(_field_paths(spec.get("properties", {}), f"{path}."))
    return paths


def test_every_field_named_exists_in_the_installed_mapping(es: Elasticsearch, stack_settings: Settings) -> None:
    prefix = stack_settings.elasticsearch.index_prefix
    fields = referenced_fields(render(load_objects(), prefix))
    assert set(fields) == {f"{prefix}{name}" for name in ("posts", "alerts", "crawls", "identifiers")}
    for alias, names in fields.items():
        mapping = next(iter(es.indices.get_mapping(index=alias).values()))["mappings"]
        missing = names - _field_paths(mapping["properties"])
        assert not missing, f"{alias}: {sorted(missing)}"
    assert {"first_seen", "risk.level", "contact_keys", "language.code", "indicators.id"} <= fields[f"{prefix}posts"]


def test_export_rewrites_the_prefix(settings: Settings) -> None:
    prefix = settings.elasticsearch.index_prefix
    objects = [json.loads(line) for line in export_text(settings).splitlines()]
    assert all(obj["id"].startswith(prefix) for obj in objects)
    views = {obj["attributes"]["title"] for obj in objects if obj["type"] == "index-pattern"}
    assert views == {f"{prefix}{name}" for name in ("posts", "alerts", "crawls", "identifiers")}
    assert all(ref["id"].startswith(prefix) for obj in objects for ref in obj["references"])
    assert load_objects()[0]["id"].startswith("tipwatch-"), "the shipped objects are not modified"


class Receiver(BaseHTTPRequestHandler):
    """Records each request; answers like Kibana's import API (or with an error)."""

    requests: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[dict[str, Any]] = {}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        payload = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("KibanaReceiver", (Receiver,), {"requests": [], "answer": {"success": True, "successCount": 13}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_import_sends_a_well_formed_multipart_request(receiver: tuple[str, type[Receiver]], settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url, handler = receiver
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", settings.elasticsearch.index_prefix)
    monkeypatch.setenv("TIPWATCH_KIBANA_API_KEY", "key-id:key-secret")
    assert main(["kibana", "import", "--url", url, "--space", "analysts"]) == 0
    assert "imported 13 saved objects" in capsys.readouterr().out
    (request,) = handler.requests
    assert request["path"] == "/s/analysts/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["kbn-xsrf"] == "tipwatch"
    assert headers["authorization"] == "ApiKey " + base64.b64encode(b"key-id:key-secret").decode()
    message = BytesParser(policy=policy.default).parsebytes(
        f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + request["body"])
    assert message.get_content_type() == "multipart/form-data"
    (part,) = list(message.iter_parts())
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "tipwatch.ndjson"
    sent = part.get_payload(decode=True).decode("utf-8")
    assert sent == export_text(load_settings_for(settings))
    assert all(json.loads(line)["id"] for line in sent.splitlines())


def load_settings_for(settings: Settings) -> Settings:
    """What the CLI loaded: the repository settings with the test's index prefix."""
    from tipwatch.config import load_settings

    return load_settings(environ={"TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": settings.elasticsearch.index_prefix})


def test_import_failure_is_one_line(receiver: tuple[str, type[Receiver]], monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url, handler = receiver
    handler.answer = {"success": False, "successCount": 12, "errors": [
        {"type": "visualization", "id": "tipwatch-vis-crawl-health", "error": {"type": "unsupported_type"}}]}
    monkeypatch.delenv("TIPWATCH_KIBANA_API_KEY", raising=False)
    assert main(["kibana", "import", "--url", url]) == 1
    err = capsys.readouterr().err
    assert "rejected 1: visualization/tipwatch-vis-crawl-health: unsupported_type" in err
    assert main(["kibana", "import", "--url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach Kibana" in capsys.readouterr().err
