"""Alert rules: one YAML file per rule in ``config/rules/``, validated by a schema (the ``Rule``
model) and by the ``required_options`` of its type; every problem names file, line and key.

    name: sihanoukville-high-risk          # default: the file name without .yaml
    type: any                              # any, frequency, spike, flatline, new_term, cardinality
    query: 'Sihanoukville OR "Preah Sihanouk"'
    filters: {risk: high}
    realert: 1h                            # throttle per query_key
    notify: [{env: TIPWATCH_NOTIFY_TEAM}]  # Apprise URL(s) from the environment, never in the file

``check_rules(directory)`` is the hook ``tipwatch check`` calls.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from indexer.alerts.fields import FieldInfo, fields_from_template
from indexer.alerts.query import Filters, RuleQuery, compile_query, parse_query
from indexer.alerts.types import RULE_TYPES, RuleType
from tipwatch.config import ConfigError, LoadedYaml, Problem, load_yaml, validate
from tipwatch.config.sources import interval_seconds

RULE_SUFFIXES = (".yaml", ".yml")
GENERAL_OPTIONS = frozenset({
    "name", "type", "description", "owner", "severity", "enabled", "query", "filters", "realert",
    "aggregate", "notify",
})
"""Options every rule type accepts; the rest are declared per type (required/optional)."""


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return timedelta(seconds=interval_seconds(value))
    if isinstance(value, timedelta):
        return value
    raise ValueError("expected a duration such as 30s, 15m, 6h, 1d or 1w")


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class NotifyTarget(BaseModel):
    """Where notifications go: an alerter and the environment variable that holds its URL(s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$")
    """Environment variable holding one or more Apprise URLs (``mailto://…``, ``slack://…``, ``json://…``)."""
    alerter: str = "apprise"
    """``apprise`` (default) or ``log`` (writes the notification to the worker log)."""

    @property
    def label(self) -> str:
        """``alerter:ENV`` as stored in the alert's ``targets`` and ``delivered_to``."""
        return f"{self.alerter}:{self.env or '-'}"


class Rule(BaseModel):
    """One alert rule. Type-specific options are None unless the type uses them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    """Unique rule name (part of every alert id: renaming a rule starts its alerts afresh)."""
    type: str
    description: str | None = None
    owner: str | None = None
    """Who looks after the rule (a team or person), shown in notifications."""
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    enabled: bool = True
    query: RuleQuery | None = None
    """Set from the file's ``query`` (a query string or DSL) after parsing; None matches every post."""
    filters: Filters = Field(default_factory=Filters)
    query_key: str | None = None
    """Field whose value groups matches and throttling (``contacts.key``, ``source.id``)."""
    key_include: str | None = None
    """Regular expression (Lucene syntax) key values must match, e.g. ``telegram:.*``."""
    timeframe: Duration | None = None
    run_every: Duration | None = None
    """How often a windowed rule runs (default 1m); windows end on multiples of it."""
    timestamp_field: str = "first_seen"
    num_events: int | None = Field(default=None, ge=1)
    threshold: int | None = Field(default=None, ge=1)
    spike_height: float | None = Field(default=None, gt=0)
    spike_type: Literal["up", "down", "both"] | None = None
    threshold_ref: int | None = Field(default=None, ge=0)
    threshold_cur: int | None = Field(default=None, ge=0)
    cardinality_field: str | None = None
    min_cardinality: int | None = Field(default=None, ge=1)
    history: Duration | None = None
    lookback: Duration | None = None
    max_keys: int = Field(default=1000, ge=1, le=10000)
    realert: Duration | None = None
    """After an alert for a key, further matches for that key within ``realert`` are kept as suppressed."""
    aggregate: Duration | None = None
    """Collect alerts over this window and notify once with a digest."""
    notify: list[NotifyTarget] = Field(default_factory=list)

    @field_validator("key_include")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @property
    def rule_type(self) -> RuleType:
        """The type object from the registry."""
        return RULE_TYPES[self.type]

    @property
    def per_post(self) -> bool:
        """True for rules evaluated on each batch of posts; False for scheduled windowed rules."""
        return self.rule_type.per_post

    @property
    def effective_realert(self) -> timedelta | None:
        """``realert`` if set (``0s`` turns throttling off), else the type's default."""
        value = self.realert if "realert" in self.model_fields_set else self.rule_type.default_realert(self)
        return value if value else None

    @property
    def interval(self) -> timedelta:
        """``run_every`` or one minute."""
        return self.run_every or timedelta(minutes=1)


def _type_problems(rule: Rule, loaded: LoadedYaml, fields: FieldInfo) -> list[Problem]:
    rule_type = RULE_TYPES.get(rule.type)
    if rule_type is None:
        known = ", ".join(sorted(RULE_TYPES))
        close = difflib.get_close_matches(rule.type, RULE_TYPES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return [loaded.problem(("type",), f"unknown rule type {rule.type!r} ({hint}known: {known})")]
    problems = []
    allowed = GENERAL_OPTIONS | rule_type.required_options | rule_type.optional_options
    for option in sorted(set(rule.model_fields_set) - allowed):
        options = ", ".join(sorted(rule_type.required_options | rule_type.optional_options)) or "none"
        problems.append(loaded.problem((option,), f"not an option of rule type {rule.type!r} "
                                                  f"(its options: {options})"))
    for option in sorted(rule_type.required_options):
        if getattr(rule, option) is None:
            problems.append(loaded.problem(("type",), f"rule type {rule.type!r} needs {option!r}"))
    if not problems:
        problems.extend(loaded.problem(path, message) for path, message in rule_type.check(rule, fields))
    for index, target in enumerate(rule.notify):
        if target.alerter == "apprise" and not target.env:
            problems.append(loaded.problem(("notify", index), "an apprise target needs 'env': the name of "
                                                              "the environment variable holding the URL"))
    return problems


def load_rule(path: Path, fields: FieldInfo | None = None) -> Rule:
    """Load and validate one rule file; ConfigError lists every problem with file, line and key."""
    from indexer.alerts.alerters import ALERTERS

    fields = fields if fields is not None else fields_from_template()
    loaded = load_yaml(path)
    if not isinstance(loaded.data, dict):
        raise ConfigError([loaded.problem((), "a rule file is a mapping of options")])
    data = {"name": path.stem, **{key: value for key, value in loaded.data.items() if key != "query"}}
    problems: list[Problem] = []
    query, found = parse_query(loaded.data.get("query"), fields)
    problems.extend(loaded.problem(key_path, message) for key_path, message in found)
    rule: Rule | None = None
    try:
        rule = validate(Rule, LoadedYaml(path=path, data=data, lines=loaded.lines))
    except ConfigError as exc:
        problems.extend(exc.problems)
    if rule is not None:
        rule = rule.model_copy(update={"query": query})
        problems.extend(_type_problems(rule, loaded, fields))
        for index, target in enumerate(rule.notify):
            if target.alerter not in ALERTERS:
                problems.append(loaded.problem(("notify", index, "alerter"), f"unknown alerter {target.alerter!r} "
                                                                             f"(known: {', '.join(ALERTERS)})"))
    if problems:
        raise ConfigError(sorted(problems, key=lambda problem: problem.line))
    assert rule is not None
    return rule


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a folder, sorted."""
    return sorted(path for path in directory.iterdir() if path.suffix in RULE_SUFFIXES and path.is_file())


def _load_all(directory: Path, fields: FieldInfo) -> tuple[list[tuple[Path, Rule]], list[Problem]]:
    loaded_rules: list[tuple[Path, Rule]] = []
    problems: list[Problem] = []
    names: dict[str, Path] = {}
    for path in rule_files(directory):
        try:
            rule = load_rule(path, fields)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if rule.name in names:
            line = load_yaml(path).line_of(("name",))
            problems.append(Problem(path, line, "name", f"rule name {rule.name!r} is also used by "
                                                        f"{names[rule.name].name}"))
            continue
        names[rule.name] = path
        loaded_rules.append((path, rule))
    return loaded_rules, problems


def server_problems(path: Path, rule: Rule, client: Elasticsearch, index: str,
                    fields: FieldInfo) -> list[Problem]:
    """Ask Elasticsearch to validate the rule's compiled query (``indices.validate_query``)."""
    try:
        response = client.indices.validate_query(index=index, query=compile_query(rule.query, rule.filters, fields),
                                                 explain=True)
    except (ApiError, TransportError) as exc:
        return [Problem(path, 1, "query", f"Elasticsearch could not validate the query: {exc}")]
    if response.get("valid", False):
        return []
    errors = [item.get("error", "") for item in response.get("explanations", []) if not item.get("valid", True)]
    line = load_yaml(path).line_of(("query",))
    return [Problem(path, line, "query", f"rejected by Elasticsearch: {(errors or ['invalid query'])[0][:500]}")]


def check_rules(directory: Path, client: Elasticsearch | None = None, index: str | None = None,
                fields: FieldInfo | None = None) -> list[Problem]:
    """Every problem in a rules folder (the ``tipwatch check`` hook); with ``client`` and ``index``
    each query is also validated by the server."""
    fields = fields if fields is not None else fields_from_template()
    loaded_rules, problems = _load_all(directory, fields)
    if client is not None and index is not None:
        for path, rule in loaded_rules:
            problems.extend(server_problems(path, rule, client, index, fields))
    return problems


def load_rules(directory: Path, fields: FieldInfo | None = None, *, only: Sequence[str] = ()) -> list[Rule]:
    """The enabled rules of a folder (or the named ones); ConfigError if any file is invalid."""
    fields = fields if fields is not None else fields_from_template()
    loaded_rules, problems = _load_all(directory, fields)
    if problems:
        raise ConfigError(problems)
    rules = [rule for _, rule in loaded_rules]
    if only:
        missing = sorted(set(only) - {rule.name for rule in rules})
        if missing:
            raise ConfigError([Problem(directory, 1, "name", f"no rule named {name!r}") for name in missing])
        return [rule for rule in rules if rule.name in only]
    return [rule for rule in rules if rule.enabled]
