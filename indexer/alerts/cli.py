"""``tipwatch alerts`` (the alert worker) and ``tipwatch alerts test RULE`` (a dry run).

``register(subparsers)`` is called by ``indexer/cli.py``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from elastic_transport import TransportError
from elasticsearch import NotFoundError

from indexer.alerts.fields import FieldInfo
from indexer.alerts.options import AlertSettings, alert_options
from indexer.alerts.rules import Rule, check_rules, load_rule, load_rules
from tipwatch.config import ConfigError, config_dir, load_settings
from tipwatch.config.settings import Settings
from tipwatch.errors import SearchUnavailable, UserError
from tipwatch.es import make_client

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``alerts`` and ``alerts test``."""
    alerts = subparsers.add_parser(
        "alerts", help="alert worker: per-post and windowed rules, notifications (alerts test: dry run)")
    alerts.add_argument("--rules", type=Path, help="rules folder (default: <config dir>/rules)")
    alerts.add_argument("--kibana-url", help="Kibana base URL for links (or alerts.kibana_url in settings.yaml)")
    alerts.add_argument("--max-messages", type=int, help="stop after this many posts")
    alerts.add_argument("--idle-timeout", type=float, help="stop after this many seconds without posts")
    alerts.set_defaults(func=run_worker)
    actions = alerts.add_subparsers(dest="alerts_action", metavar="ACTION")
    test = actions.add_parser("test", help="dry-run one rule: print what would fire; sends and records nothing")
    test.add_argument("rule", help="a rule file, or the name of a rule in the rules folder")
    source = test.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", metavar="FILE", help="enriched JSONL ('-': stdin), run in a temporary index")
    source.add_argument("--since", metavar="AGE", help="run over the posts index, e.g. 24h or 7d")
    test.add_argument("--rules", type=Path, help="rules folder for a rule given by name")
    test.add_argument("--kibana-url", help="Kibana base URL for links")
    test.add_argument("--json", action="store_true", help="one alert document per line")
    test.add_argument("--render", action="store_true", help="also print each notification as it would be sent")
    test.set_defaults(func=run_test)


def _options(settings: Settings, args: argparse.Namespace) -> AlertSettings:
    return alert_options(settings, rules_dir=args.rules, kibana_url=args.kibana_url)


def _rules_dir(options: AlertSettings) -> Path:
    return options.rules_dir or config_dir() / "rules"


def _config_error(exc: ConfigError) -> UserError:
    return UserError("invalid alert rules:\n" + "\n".join(str(problem) for problem in exc.problems))


def _unreachable(settings: Settings, exc: TransportError) -> SearchUnavailable:
    return SearchUnavailable(f"cannot reach Elasticsearch at {', '.join(settings.elasticsearch.hosts)} "
                             f"({type(exc).__name__}); start it with 'tipwatch stack up'")


def _not_set_up(settings: Settings) -> UserError:
    return UserError(f"index {settings.index('posts')} does not exist: run 'tipwatch setup'")


def run_worker(args: argparse.Namespace) -> int:
    """Validate the rules against the live mapping and server, then run until stopped."""
    from indexer.alerts.fields import fields_from_index
    from indexer.alerts.worker import AlertWorker

    settings = load_settings()
    options = _options(settings, args)
    directory = _rules_dir(options)
    client = make_client(settings)
    try:
        fields = fields_from_index(client, settings.index("posts"))
        problems = check_rules(directory, client, settings.index("posts"), fields)
        if problems:
            raise UserError("invalid alert rules:\n" + "\n".join(str(problem) for problem in problems))
        rules = load_rules(directory, fields)
        for variable in sorted({t.env for r in rules for t in r.notify if t.env and not os.environ.get(t.env)}):
            log.warning("%s is not set: notifications to it will fail (and be retried)", variable)
        worker = AlertWorker(settings, rules, options, client=client)
        try:
            stats = worker.run(max_messages=args.max_messages, idle_timeout_s=args.idle_timeout,
                               handle_signals=True)
        finally:
            worker.close()
    except NotFoundError as exc:
        raise _not_set_up(settings) from exc
    except TransportError as exc:
        raise _unreachable(settings, exc) from exc
    except ConfigError as exc:
        raise _config_error(exc) from exc
    finally:
        client.close()
    print(f"alerts: {stats.messages} posts in {stats.batches} batches, {worker.sink.alerts_created} alerts "
          f"created, {stats.rejected} dead-lettered, {stats.retries} retries", file=sys.stderr)
    return 0


def _resolve_rule(spec: str, options: AlertSettings, fields: FieldInfo) -> Rule:
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise UserError(f"no rule file {spec}")
        return load_rule(path, fields)
    return load_rules(_rules_dir(options), fields, only=[spec])[0]


def run_test(args: argparse.Namespace) -> int:
    """Dry-run one rule and print what would fire."""
    from indexer.alerts.dryrun import as_json, describe, load_lines, parse_since, run_on_index, run_on_records
    from indexer.alerts.fields import fields_from_index, fields_from_template
    from indexer.alerts.render import Renderer

    settings = load_settings()
    options = _options(settings, args)
    client = make_client(settings)
    try:
        if args.input:
            rule = _resolve_rule(args.rule, options, fields_from_template())
            result = run_on_records(client, settings, rule, load_lines(args.input), options)
        else:
            since = parse_since(args.since)
            rule = _resolve_rule(args.rule, options, fields_from_index(client, settings.index("posts")))
            result = run_on_index(client, settings, rule, since, options)
    except NotFoundError as exc:
        raise _not_set_up(settings) from exc
    except TransportError as exc:
        raise _unreachable(settings, exc) from exc
    except ConfigError as exc:
        raise _config_error(exc) from exc
    finally:
        client.close()
    for note in result.skipped_lines:
        print(f"skipped {note}", file=sys.stderr)
    renderer = Renderer(options.template_dir)
    for alert in result.alerts:
        print(as_json(alert) if args.json else describe(alert))
        if args.render and alert.status != "suppressed":
            notification = renderer.render([alert])
            print(f"--- {notification.title}\n{notification.body}---")
    suppressed = len(result.alerts) - len(result.notified)
    windows = f", {result.windows} windows" if result.windows else ""
    print(f"{rule.name}: {len(result.notified)} alert(s) would be notified, {suppressed} suppressed by realert "
          f"({result.posts} posts{windows}); nothing was sent", file=sys.stderr)
    return 0
