"""``tipwatch check``: validate every config file; each error is ``file:line: key: message``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from tipwatch.config import ConfigError, Problem, load_settings, load_sources

Checker = Callable[[Path], list[Problem]]


def _settings(directory: Path) -> list[Problem]:
    load_settings(directory / "settings.yaml")
    return []


def _sources(directory: Path) -> list[Problem]:
    path = directory / "sources.yaml"
    if path.exists():
        load_sources(path)
    return []


def _optional(module: str, function: str, folder: str) -> Checker:
    """A checker from a package that may not be installed yet, run on ``directory/folder``."""

    def check(directory: Path) -> list[Problem]:
        target = directory / folder
        if not target.exists():
            return []
        try:
            checker = getattr(importlib.import_module(module), function)
        except ModuleNotFoundError:
            return []
        result = checker(target)
        return list(result) if isinstance(result, list) else []

    return check


CHECKERS: dict[str, Checker] = {
    "settings.yaml": _settings,
    "sources.yaml": _sources,
    "indicators/": _optional("pipelines.enrich.indicators", "load_lexicon", "indicators"),
    "rules/": _optional("indexer.alerts.rules", "check_rules", "rules"),
}
"""Every config file kind and its checker, in the order they are reported."""


def check_all(directory: Path) -> list[Problem]:
    """Run every checker; all problems, none raised."""
    problems: list[Problem] = []
    for checker in CHECKERS.values():
        try:
            problems.extend(checker(directory))
        except ConfigError as exc:
            problems.extend(exc.problems)
    return problems


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` command."""
    parser = subparsers.add_parser("check", help="validate every config file")
    parser.add_argument("--config", type=Path, default=None, help="config folder (default: ./config)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print every problem; exit 1 if there is one."""
    from tipwatch.config import config_dir

    directory = args.config or config_dir()
    problems = check_all(directory)
    for problem in problems:
        print(problem, file=sys.stdout)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"{directory}: all config files are valid")
    return 0
