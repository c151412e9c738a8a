"""Typed, validated configuration: ``settings.yaml``, ``sources.yaml`` and the checks of ``tipwatch check``."""

from tipwatch.config.errors import ConfigError, Problem
from tipwatch.config.loader import config_dir, load_settings, load_sources, validate
from tipwatch.config.secrets import secret
from tipwatch.config.settings import TOPICS, Settings
from tipwatch.config.sources import SourceConfig, SourcesFile
from tipwatch.config.yamlfile import LoadedYaml, load_yaml

__all__ = [
    "TOPICS",
    "ConfigError",
    "LoadedYaml",
    "Problem",
    "Settings",
    "SourceConfig",
    "SourcesFile",
    "config_dir",
    "load_settings",
    "load_sources",
    "load_yaml",
    "secret",
    "validate",
]
