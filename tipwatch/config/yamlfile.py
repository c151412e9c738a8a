"""YAML loading that remembers the line of every key, so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tipwatch.config.errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    """A parsed YAML document plus the 1-based line of each key path."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: KeyPath) -> int:
        """The line of the longest known prefix of ``key_path`` (1 if nothing matches)."""
        for end in range(len(key_path), -1, -1):
            line = self.lines.get(tuple(key_path[:end]))
            if line is not None:
                return line
        return 1

    def problem(self, key_path: KeyPath, message: str) -> Problem:
        """A Problem located at ``key_path``."""
        key = ".".join(str(part) for part in key_path) or "<file>"
        return Problem(self.path, self.line_of(key_path), key, message)


def _construct(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], loaded: LoadedYaml) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError([Problem(loaded.path, key_node.start_mark.line + 1, "<key>", "keys must be scalars")])
            key = str(key_node.value)
            if key in result:
                raise ConfigError([Problem(loaded.path, key_node.start_mark.line + 1, ".".join(map(str, (*path, key))),
                                           "duplicate key")])
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, child, lines, loaded)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            items.append(_construct(item, child, lines, loaded))
        return items
    return yaml.SafeLoader("").construct_object(node, deep=True)


def load_yaml(path: Path) -> LoadedYaml:
    """Parse one YAML file; syntax errors become a ConfigError with the line."""
    loaded = LoadedYaml(path=path, data=None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([Problem(path, 1, "<file>", "file not found")]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path, 1, "<file>", f"not UTF-8 ({exc.reason} at byte {exc.start})")]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([Problem(path, line, "<syntax>", f"invalid YAML: {exc.problem or exc}")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(path, 1, "<syntax>", f"invalid YAML: {exc}")]) from exc
    if node is None:
        loaded.data = {}
        return loaded
    loaded.data = _construct(node, (), loaded.lines, loaded)
    return loaded
