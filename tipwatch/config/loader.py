"""Loading config files into typed models, with errors that name file, line and key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tipwatch.config.errors import ConfigError, Problem
from tipwatch.config.secrets import SECRET_ENV, looks_secret
from tipwatch.config.settings import Settings
from tipwatch.config.sources import SourcesFile
from tipwatch.config.yamlfile import KeyPath, LoadedYaml, load_yaml

_M = TypeVar("_M", bound=BaseModel)
ENV_PREFIX = "TIPWATCH_"
DEFAULT_CONFIG_DIR = Path("config")


def config_dir() -> Path:
    """The config folder: ``TIPWATCH_CONFIG_DIR`` or ``./config``."""
    return Path(os.environ.get("TIPWATCH_CONFIG_DIR", DEFAULT_CONFIG_DIR))


def _secret_problems(loaded: LoadedYaml, value: Any, path: KeyPath = ()) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if looks_secret(key) and child not in (None, ""):
                env = SECRET_ENV.get(".".join(map(str, (*path, key))), "an environment variable")
                problems.append(loaded.problem((*path, key), f"secrets are not allowed in files; set {env}"))
            problems.extend(_secret_problems(loaded, child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            problems.extend(_secret_problems(loaded, child, (*path, index)))
    return problems


def validate(model: type[_M], loaded: LoadedYaml) -> _M:
    """Validate parsed YAML against a model; every error becomes a Problem with its line."""
    problems = _secret_problems(loaded, loaded.data)
    if problems:
        raise ConfigError(problems)
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            loc: KeyPath = tuple(part for part in err["loc"] if not (isinstance(part, str) and "[" in part))
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            found.append(loaded.problem(loc, message))
        raise ConfigError(found) from exc


def _env_overrides(environ: Mapping[str, str]) -> list[tuple[list[str], str, str]]:
    """``TIPWATCH_KAFKA__BOOTSTRAP_SERVERS=a,b`` -> (["kafka", "bootstrap_servers"], "a,b", name)."""
    found = []
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        parts = [part.lower() for part in name[len(ENV_PREFIX):].split("__")]
        found.append((parts, value, name))
    return sorted(found)


def _apply_override(data: dict[str, Any], parts: list[str], value: str, model: type[BaseModel]) -> None:
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"{'.'.join(parts)} is not a section")
    field_model: Any = model
    for part in parts[:-1]:
        field = field_model.model_fields.get(part)
        field_model = field.annotation if field else None
    field = field_model.model_fields.get(parts[-1]) if field_model is not None else None
    is_list = field is not None and "list" in str(field.annotation)
    node[parts[-1]] = [item.strip() for item in value.split(",") if item.strip()] if is_list else yaml.safe_load(value)


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``settings.yaml`` (missing file: defaults) and apply ``TIPWATCH_…`` overrides."""
    path = path or config_dir() / "settings.yaml"
    environ = os.environ if environ is None else environ
    loaded = load_yaml(path) if path.exists() else LoadedYaml(path=path, data={})
    if not isinstance(loaded.data, dict):
        raise ConfigError([loaded.problem((), "expected a mapping of sections")])
    for parts, value, name in _env_overrides(environ):
        try:
            _apply_override(loaded.data, parts, value, Settings)
        except (ValueError, yaml.YAMLError) as exc:
            raise ConfigError([Problem(Path(f"${name}"), 1, ".".join(parts), str(exc))]) from exc
        loaded.lines.setdefault(tuple(parts), 1)
    return validate(Settings, loaded)


def load_sources(path: Path | None = None) -> SourcesFile:
    """Read and validate ``sources.yaml``."""
    path = path or config_dir() / "sources.yaml"
    return validate(SourcesFile, load_yaml(path))
