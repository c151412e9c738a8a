"""``tipwatch setup``: create topics, install index templates, load (validate) alert rules."""

from __future__ import annotations

import argparse

from elastic_transport import ConnectionError as TransportConnectionError

from tipwatch.config import ConfigError, config_dir, load_settings
from tipwatch.errors import SearchUnavailable, UserError
from tipwatch.es import make_client
from tipwatch.setup import create_topics, install_templates


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``setup`` command."""
    parser = subparsers.add_parser("setup", help="create topics, install index templates, load alert rules")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create what is missing; safe to run again."""
    settings = load_settings()
    for topic, created in create_topics(settings).items():
        print(f"topic {topic}: {'created' if created else 'exists'}")
    client = make_client(settings)
    try:
        for alias, index in install_templates(client, settings).items():
            print(f"index template {alias}: installed (write index {index})")
    except TransportConnectionError as exc:
        raise SearchUnavailable(
            f"cannot reach Elasticsearch at {', '.join(settings.elasticsearch.hosts)}; start it with "
            f"'tipwatch stack up' or fix elasticsearch.hosts"
        ) from exc
    finally:
        client.close()
    problems = rule_problems()
    if problems:
        raise UserError("alert rules are invalid:\n" + "\n".join(str(p) for p in problems))
    return 0


def rule_problems() -> list:
    """Problems in config/rules (empty when the alerts package or folder is absent)."""
    try:
        from indexer.alerts.rules import check_rules
    except ModuleNotFoundError:
        return []
    rules = config_dir() / "rules"
    if not rules.is_dir():
        return []
    try:
        return list(check_rules(rules))
    except ConfigError as exc:
        return list(exc.problems)
