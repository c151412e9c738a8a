"""Rule files: the schema, required options per type, errors with file, line and key (no server)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from indexer.alerts.fields import fields_from_template
from indexer.alerts.rules import check_rules, load_rule, load_rules
from tests.indexer.alerts.conftest import write_rule
from tipwatch.cli import main
from tipwatch.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def _problems(directory: Path) -> list[str]:
    return [f"{p.file.name}:{p.line}: {p.key}: {p.message}" for p in check_rules(directory)]


def test_shipped_example_rules_are_valid() -> None:
    rules = {rule.name: rule for rule in load_rules(ROOT / "config" / "rules")}
    assert {"sihanoukville-high-risk", "shared-telegram-handle", "source-gone-quiet", "phone-watchlist"} <= set(rules)
    assert rules["phone-watchlist"].filters.contacts == [
        "phone:+85512345678", "phone:+66812345678", "phone:+959123456789"]
    assert rules["shared-telegram-handle"].effective_realert == timedelta(days=1)
    assert rules["sihanoukville-high-risk"].effective_realert is None
    assert not rules["source-gone-quiet"].per_post and rules["sihanoukville-high-risk"].per_post


def test_unknown_type_names_file_line_and_key(tmp_path: Path) -> None:
    write_rule(tmp_path, "typo", "description: typo\n\ntype: frequncy\nquery: casino\n")
    assert _problems(tmp_path) == [
        "typo.yaml:3: type: unknown rule type 'frequncy' (did you mean 'frequency'? known: any, cardinality, "
        "flatline, frequency, new_term, spike)"]


def test_bad_query_string_is_rejected_with_its_line(tmp_path: Path) -> None:
    write_rule(tmp_path, "bad", "type: any\nfilters: {risk: high}\nquery: 'Sihanoukville AND (casino OR'\n")
    assert _problems(tmp_path) == ["bad.yaml:3: query: 1 unclosed '('",
                                   "bad.yaml:3: query: OR at the end has nothing on its right"]


@pytest.mark.parametrize(("query", "message"), [
    ('"unterminated', "unterminated quote starting at column 1"),
    ("AND casino", "AND at column 1 has nothing on its left"),
    ("casino)", "unmatched ')' at column 7"),
    ("price:[100 200]", "range '[100 200]' needs 'TO' (e.g. [1 TO 5])"),
    ("titel:casino", "unknown field 'titel' in the posts mapping"),
    ("contacts.value:x", "field 'contacts.value' is inside nested 'contacts'"),
    ("title: OR x", "field 'title' at column 1 has no value"),
])
def test_query_string_problems(tmp_path: Path, query: str, message: str) -> None:
    write_rule(tmp_path, "q", f"type: any\nquery: '{query}'\n")
    problems = _problems(tmp_path)
    assert any(message in problem for problem in problems), problems
    assert all(problem.startswith("q.yaml:2: query: ") for problem in problems)


def test_bad_dsl_points_at_the_nested_key(tmp_path: Path) -> None:
    write_rule(tmp_path, "dsl", """type: any
query:
  bool:
    must:
      - match: {text_tokens: កាស៊ីណូ}
      - mach: {text: casino}
    filter:
      - term: {contacts.kind: telegram}
      - script: {script: "1 == 1"}
""")
    assert _problems(tmp_path) == [
        "dsl.yaml:6: query.bool.must.1.mach: unknown query type 'mach'",
        "dsl.yaml:8: query.bool.filter.0.term.contacts.kind: field 'contacts.kind' is inside nested 'contacts': "
        "wrap the clause in {nested: {path: contacts, query: …}} or use filters",
        "dsl.yaml:9: query.bool.filter.1.script: scripts are not available on every cluster (DESIGN.md: core "
        "features only)",
    ]


def test_valid_dsl_with_nested_and_segmented_fields(tmp_path: Path) -> None:
    loaded = load_rule(write_rule(tmp_path, "ok", """type: any
query:
  bool:
    should:
      - match_phrase: {text_tokens: ក្រុង ព្រះសីហនុ}
      - nested: {path: contacts, query: {term: {contacts.kind: telegram}}}
"""), fields_from_template())
    assert loaded.query is not None and loaded.query.kind == "dsl"
    assert loaded.query.to_es()["bool"]["should"][1]["nested"]["path"] == "contacts"


def test_required_and_foreign_options_per_type(tmp_path: Path) -> None:
    write_rule(tmp_path, "freq", "type: frequency\nquery_key: contact_keys\nnum_events: 3\n")
    write_rule(tmp_path, "anyx", "type: any\nquery: casino\ntimeframe: 1h\nnum_events: 2\n")
    write_rule(tmp_path, "card", "type: cardinality\nquery_key: text\ncardinality_field: source.id\n"
                                 "min_cardinality: 3\ntimeframe: 1d\n")
    assert _problems(tmp_path) == [
        "anyx.yaml:3: timeframe: not an option of rule type 'any' (its options: query_key)",
        "anyx.yaml:4: num_events: not an option of rule type 'any' (its options: query_key)",
        "card.yaml:2: query_key: field 'text' cannot be aggregated (use a keyword field, e.g. contacts.key or "
        "source.id)",
        "freq.yaml:1: type: rule type 'frequency' needs 'timeframe'",
    ]


def test_schema_errors_secrets_and_urls_in_files(tmp_path: Path) -> None:
    write_rule(tmp_path, "bad", """type: any
severity: urgent
realert: soon
filters:
  contacts: ["phone:012 345 678"]
notify:
  - env: team_url
  - url: "json://127.0.0.1:9/hook"
api_key: abc
""")
    assert _problems(tmp_path) == ["bad.yaml:9: api_key: secrets are not allowed in files; set an environment variable"]
    (tmp_path / "bad.yaml").write_text((tmp_path / "bad.yaml").read_text().replace("api_key: abc\n", ""))
    assert _problems(tmp_path) == [
        "bad.yaml:2: severity: Input should be 'low', 'medium', 'high' or 'critical'",
        "bad.yaml:3: realert: 'soon' is not an interval like 30m, 6h, 1d",
        "bad.yaml:5: filters.contacts: phone '012345678' is not E.164 (write it as +<country code><number>)",
        "bad.yaml:7: notify.0.env: String should match pattern '^[A-Z][A-Z0-9_]*$'",
        "bad.yaml:8: notify.1.url: unknown key",
    ]


def test_rule_names_are_unique(tmp_path: Path) -> None:
    write_rule(tmp_path, "a", "name: watch\ntype: any\n")
    write_rule(tmp_path, "b", "type: any\nname: watch\n")
    assert _problems(tmp_path) == ["b.yaml:2: name: rule name 'watch' is also used by a.yaml"]
    with pytest.raises(ConfigError):
        load_rules(tmp_path)


def test_tipwatch_check_reports_rule_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "settings.yaml").write_text("kafka: {partitions: 1}\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    write_rule(rules, "typo", "type: anything\n")
    write_rule(rules, "query", "type: any\nquery: {mach: {text: x}}\n")
    assert main(["check", "--config", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{rules / 'query.yaml'}:2: query.mach: unknown query type 'mach'" in out
    assert any(line.startswith(f"{rules / 'typo.yaml'}:1: type: unknown rule type 'anything'") for line in out)
