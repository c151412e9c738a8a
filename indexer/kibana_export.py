"""Kibana saved objects (``indexer/kibana/*.ndjson``): export with the index prefix, import over HTTP.

The shipped files use the default prefix ``tipwatch-`` in object ids and data-view titles;
``render`` rewrites both for the configured ``elasticsearch.index_prefix`` so several deployments
can share one Kibana. ``import_objects`` posts the NDJSON to Kibana's saved-objects import API
(``POST /api/saved_objects/_import``, multipart ``file`` field, ``kbn-xsrf`` header) with an API key or
user/password from the environment. ``referenced_fields`` lists every index field the objects
name, so a test can check them against the installed mappings.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import ssl
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tipwatch.config.secrets import secret
from tipwatch.config.settings import Settings
from tipwatch.errors import UserError

KIBANA_DIR = Path(__file__).resolve().parent / "kibana"
DEFAULT_PREFIX = "tipwatch-"
KIBANA_API_KEY_ENV = "TIPWATCH_KIBANA_API_KEY"
KIBANA_PASSWORD_ENV = "TIPWATCH_KIBANA_PASSWORD"
_KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)")


def load_objects(directory: Path = KIBANA_DIR) -> list[dict[str, Any]]:
    """Every saved object of the shipped files, in file order (data views first)."""
    objects = []
    for path in sorted(directory.glob("*.ndjson")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return objects


def _prefixed(value: str, prefix: str) -> str:
    return prefix + value[len(DEFAULT_PREFIX):] if value.startswith(DEFAULT_PREFIX) else value


def render(objects: Iterable[Mapping[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Copies of the objects with ids, references and data-view titles under ``prefix``."""
    rendered = []
    for obj in objects:
        copied = copy.deepcopy(dict(obj))
        copied["id"] = _prefixed(copied["id"], prefix)
        for reference in copied.get("references", []):
            reference["id"] = _prefixed(reference["id"], prefix)
        if copied["type"] == "index-pattern":
            copied["attributes"]["title"] = _prefixed(copied["attributes"]["title"], prefix)
        rendered.append(copied)
    return rendered


def to_ndjson(objects: Iterable[Mapping[str, Any]]) -> str:
    """Kibana's import format: one object per line."""
    return "".join(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n" for obj in objects)


def export_text(settings: Settings, directory: Path = KIBANA_DIR) -> str:
    """The NDJSON for this deployment's prefix."""
    return to_ndjson(render(load_objects(directory), settings.elasticsearch.index_prefix))


def _search_source(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("attributes", {}).get("kibanaSavedObjectMeta", {})
    return json.loads(meta.get("searchSourceJSON") or "{}")


def referenced_fields(objects: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Data-view title -> the index fields the objects name (time fields, columns, sorts, KQL, aggs)."""
    objects = list(objects)
    titles = {obj["id"]: obj["attributes"]["title"] for obj in objects if obj["type"] == "index-pattern"}
    found: dict[str, set[str]] = {title: set() for title in titles.values()}
    for obj in objects:
        attributes = obj.get("attributes", {})
        if obj["type"] == "index-pattern":
            if attributes.get("timeFieldName"):
                found[attributes["title"]].add(attributes["timeFieldName"])
            continue
        views = [ref["id"] for ref in obj.get("references", []) if ref["type"] == "index-pattern"]
        if not views:
            continue
        names: set[str] = set(attributes.get("columns", []))
        names.update(field for field, _order in attributes.get("sort", []))
        query = _search_source(obj).get("query", {}).get("query", "")
        names.update(_KQL_FIELD.findall(str(query)))
        if "visState" in attributes:
            for agg in json.loads(attributes["visState"]).get("aggs", []):
                if agg.get("params", {}).get("field"):
                    names.add(agg["params"]["field"])
        for view in views:
            found.setdefault(titles.get(view, view), set()).update(names)
    return found


@dataclass(frozen=True)
class ImportResult:
    """Kibana's answer to an import."""

    success: bool
    success_count: int
    errors: list[dict[str, Any]]


def _auth_header(settings: Settings) -> str | None:
    api_key = os.environ.get(KIBANA_API_KEY_ENV) or secret("elasticsearch.api_key")
    if api_key:
        encoded = base64.b64encode(api_key.encode()).decode() if ":" in api_key else api_key
        return f"ApiKey {encoded}"
    password = os.environ.get(KIBANA_PASSWORD_ENV) or secret("elasticsearch.password")
    if settings.elasticsearch.username and password:
        pair = f"{settings.elasticsearch.username}:{password}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"
    return None


def multipart_body(ndjson: str, filename: str = "tipwatch.ndjson") -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one ``file`` part; (body, content type)."""
    boundary = f"tipwatch-{uuid.uuid4().hex}"
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/ndjson\r\n\r\n"
    ).encode() + ndjson.encode("utf-8") + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def import_objects(url: str, ndjson: str, settings: Settings, *, space: str | None = None, overwrite: bool = True,
                   ca_certs: Path | None = None, timeout_s: float = 60.0) -> ImportResult:
    """POST the NDJSON to Kibana's saved-objects import API; UserError with Kibana's reason on failure."""
    base = url.rstrip("/")
    path = f"/s/{space}/api/saved_objects/_import" if space else "/api/saved_objects/_import"
    body, content_type = multipart_body(ndjson)
    request = urllib.request.Request(
        f"{base}{path}?overwrite={'true' if overwrite else 'false'}", data=body, method="POST",
        headers={"kbn-xsrf": "tipwatch", "Content-Type": content_type, "Accept": "application/json"},
    )
    auth = _auth_header(settings)
    if auth:
        request.add_header("Authorization", auth)
    cafile = ca_certs or settings.elasticsearch.ca_certs
    context = ssl.create_default_context(cafile=str(cafile)) if cafile and base.startswith("https") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout_s, context=context) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise UserError(f"Kibana refused the import ({exc.code} {exc.reason}): {' '.join(detail.split())}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise UserError(f"cannot reach Kibana at {base}: {getattr(exc, 'reason', exc)}") from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"Kibana answered something that is not JSON ({exc.msg})") from exc
    result = ImportResult(success=bool(answer.get("success")), success_count=int(answer.get("successCount", 0)),
                          errors=list(answer.get("errors", [])))
    if not result.success:
        problems = "; ".join(f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type', e.get('error'))}"
                             for e in result.errors[:5])
        raise UserError(f"Kibana imported {result.success_count} objects but rejected {len(result.errors)}: {problems}")
    return result
