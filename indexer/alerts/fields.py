"""What rules may query and aggregate: field types and nested paths of the posts mapping.

Alert rules are queries over the posts index, so they are checked against the same mapping the
indexer installs (``indexer/templates/posts.json``) or, in a running worker, the live index's mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from tipwatch.setup.templates import TEMPLATE_DIR, load_templates

AGGREGATABLE = frozenset({
    "keyword", "constant_keyword", "date", "date_nanos", "long", "integer", "short", "byte",
    "double", "float", "half_float", "scaled_float", "boolean", "ip",
})
"""Field types a terms or cardinality aggregation can run on."""


@dataclass(frozen=True)
class FieldInfo:
    """Field path -> type, and the nested object paths, of one index mapping."""

    types: Mapping[str, str] = field(default_factory=dict)
    nested: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        """False when no mapping was available (checks that need one are skipped)."""
        return bool(self.types)

    def has(self, name: str) -> bool:
        """True if ``name`` is a field or an object path of the mapping (or no mapping is known)."""
        if not self.known:
            return True
        return name in self.types or any(path.startswith(name + ".") for path in self.types)

    def nested_path(self, name: str) -> str | None:
        """The innermost nested path that contains ``name``, or None at the root."""
        found = [path for path in self.nested if name == path or name.startswith(path + ".")]
        return max(found, key=len) if found else None

    def aggregatable(self, name: str) -> bool:
        """True if a terms/cardinality aggregation can use the field (or no mapping is known)."""
        return not self.known or self.types.get(name) in AGGREGATABLE

    def wrap(self, name: str, query: dict[str, Any], context: str | None = None) -> dict[str, Any]:
        """``query`` on ``name`` wrapped in a ``nested`` query when the field is nested below ``context``."""
        path = self.nested_path(name)
        if path is None or path == context:
            return query
        return {"nested": {"path": path, "query": query}}


def _walk(properties: Mapping[str, Any], prefix: str, types: dict[str, str], nested: set[str]) -> None:
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        kind = spec.get("type", "object")
        if kind == "nested":
            nested.add(path)
        if "properties" in spec:
            types.setdefault(path, kind)
            _walk(spec["properties"], path + ".", types, nested)
        else:
            types[path] = kind
        for sub, sub_spec in spec.get("fields", {}).items():
            types[f"{path}.{sub}"] = sub_spec.get("type", "keyword")


def fields_from_mapping(mapping: Mapping[str, Any]) -> FieldInfo:
    """FieldInfo of a ``{"properties": …}`` mapping body."""
    types: dict[str, str] = {}
    nested: set[str] = set()
    _walk(mapping.get("properties", {}), "", types, nested)
    return FieldInfo(types=types, nested=frozenset(nested))


def posts_template(directory: Path = TEMPLATE_DIR) -> dict[str, Any] | None:
    """The ``template`` body of the indexer's posts template file, or None if it is not there yet."""
    if not directory.is_dir():
        return None
    for template in load_templates(directory):
        if template["name"] == "posts":
            return template["template"]
    return None


def fields_from_template(directory: Path = TEMPLATE_DIR) -> FieldInfo:
    """FieldInfo of the posts template file (empty FieldInfo if the file does not exist)."""
    template = posts_template(directory)
    return fields_from_mapping(template.get("mappings", {})) if template else FieldInfo()


def fields_from_index(client: Elasticsearch, alias: str) -> FieldInfo:
    """FieldInfo of the live posts index behind ``alias`` (its first concrete index)."""
    response = client.indices.get_mapping(index=alias)
    for body in response.body.values():
        return fields_from_mapping(body.get("mappings", {}))
    return FieldInfo()
