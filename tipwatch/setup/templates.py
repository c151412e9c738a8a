"""Installing the versioned index templates of ``indexer/templates/*.json`` and their aliases.

Each file is a composable index template body with two tipwatch keys beside it:
``"name"`` (the index name without prefix, e.g. ``posts``) and ``"version"``. The template
matches ``<prefix><name>-v*``; the first index ``<prefix><name>-v<version>`` is created with
the alias ``<prefix><name>`` as its write index, so a template change can roll to a new index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_errors

from tipwatch.config.settings import Settings

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "indexer" / "templates"


def load_templates(directory: Path = TEMPLATE_DIR) -> list[dict[str, Any]]:
    """Every template file, parsed, sorted by name."""
    templates = []
    for path in sorted(directory.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for key in ("name", "version", "template"):
            if key not in body:
                raise ValueError(f"{path}: missing key {key!r}")
        body["_file"] = str(path)
        templates.append(body)
    return templates


def install_templates(client: Elasticsearch, settings: Settings,
                      directory: Path = TEMPLATE_DIR) -> dict[str, str]:
    """Put each template and create its first index + alias when missing; alias -> index."""
    result: dict[str, str] = {}
    for template in load_templates(directory):
        alias = settings.index(template["name"])
        index = f"{alias}-v{template['version']}"
        client.indices.put_index_template(
            name=alias, index_patterns=[f"{alias}-v*"], template=template["template"],
            priority=int(template.get("priority", 100)), version=int(template["version"]),
            meta={"tipwatch": True, "file": Path(template["_file"]).name},
        )
        if not client.indices.exists_alias(name=alias):
            try:
                client.indices.create(index=index, aliases={alias: {"is_write_index": True}})
            except es_errors.BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
        result[alias] = index
    return result
