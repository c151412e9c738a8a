"""Alerting: rules over the posts index, notifications through Apprise, at-least-once delivery.

Alert rules are queries over ``tipwatch-posts``, so this package lives beside the indexer and uses
the indexer's client settings and mappings (``indexer/templates/``); see docs/alerts.md.

Public API::

    Rule, load_rule, load_rules, check_rules   rule files (config/rules/*.yaml) and ``tipwatch check``
    RULE_TYPES                                  rule type name -> type (any, frequency, spike, …)
    AlertSettings                               worker settings (settings.yaml 'alerts')
    AlertWorker                                 ``tipwatch alerts``: per-post sink + scheduler
    cli.register                                adds ``alerts`` and ``alerts test`` to the CLI

Modules, one component each: ``rules`` (model + loader), ``query``/``querystring`` (query DSL or
query string + filters, checked by parsing), ``types/`` (one file per rule type), ``perpost``
(batch evaluation), ``windowed`` (scheduled windows + state), ``alert`` (documents), ``store``
(Elasticsearch), ``throttle`` (realert), ``dispatch`` (create -> publish -> notify -> record),
``notify``/``render``/``alerters/`` (Jinja2 + Apprise), ``sink``/``worker`` (the process),
``dryrun`` (``alerts test``).
"""

from indexer.alerts.options import AlertSettings
from indexer.alerts.rules import Rule, check_rules, load_rule, load_rules
from indexer.alerts.types import RULE_TYPES

__all__ = ["RULE_TYPES", "AlertSettings", "AlertWorker", "Rule", "check_rules", "load_rule", "load_rules"]


def __getattr__(name: str) -> object:
    """``AlertWorker`` is imported lazily (it pulls in Kafka and Apprise)."""
    if name == "AlertWorker":
        from indexer.alerts.worker import AlertWorker

        return AlertWorker
    raise AttributeError(name)
