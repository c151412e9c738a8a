"""Config loading: defaults, environment overrides, secrets, errors naming file, line and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tipwatch.check_cli import check_all
from tipwatch.config import ConfigError, load_settings, load_sources

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.yaml", environ={})
    assert settings.kafka.bootstrap_servers == ["127.0.0.1:9092"]
    assert settings.topic("posts.raw") == "tipwatch.posts.raw"
    assert settings.index("posts") == "tipwatch-posts"


def test_repository_settings_are_valid() -> None:
    settings = load_settings(ROOT / "config" / "settings.yaml", environ={})
    assert settings.stack.elasticsearch_version.startswith("9.")


def test_environment_overrides_nested_keys_and_lists(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "kafka:\n  partitions: 3\n")
    settings = load_settings(path, environ={
        "TIPWATCH_KAFKA__PARTITIONS": "6",
        "TIPWATCH_KAFKA__BOOTSTRAP_SERVERS": "k1:9092, k2:9092",
        "TIPWATCH_ELASTICSEARCH__VERIFY_CERTS": "false",
        "TIPWATCH_UNRELATED": "x",
    })
    assert settings.kafka.partitions == 6
    assert settings.kafka.bootstrap_servers == ["k1:9092", "k2:9092"]
    assert settings.elasticsearch.verify_certs is False


def test_alert_and_scheduling_sections_from_file_and_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "alerts:\n  max_attempts: 3\nscheduling:\n  lease_s: 30\n")
    environ = {"TIPWATCH_ALERTS__LEASE_S": "15", "TIPWATCH_SCHEDULING__LEASE_WAIT_S": "40"}
    settings = load_settings(path, environ=environ)
    assert (settings.alerts.lease_s, settings.alerts.max_attempts) == (15.0, 3)
    assert (settings.scheduling.lease_s, settings.scheduling.lease_wait_s) == (30.0, 40.0)
    bad = write(tmp_path, "bad.yaml", "alerts:\n  lease_s: -1\n  colour: red\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(bad, environ={})
    lines = sorted(str(p) for p in caught.value.problems)
    assert f"{bad}:3: alerts.colour: unknown key" in lines
    assert any(line.startswith(f"{bad}:2: alerts.lease_s:") for line in lines), lines


def test_alert_options_apply_command_line_flags_on_top(tmp_path: Path) -> None:
    from indexer.alerts.options import alert_options

    settings = load_settings(tmp_path / "none.yaml", environ={"TIPWATCH_ALERTS__KIBANA_URL": "https://k.example"})
    assert alert_options(settings, rules_dir=None, kibana_url=None).kibana_url == "https://k.example"
    flagged = alert_options(settings, rules_dir=tmp_path, kibana_url="https://other.example")
    assert (flagged.rules_dir, flagged.kibana_url) == (tmp_path, "https://other.example")


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "none.yaml", environ={"TIPWATCH_KAFKA__PARTITIONS": "many"})
    assert "kafka.partitions" in str(caught.value)


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "kafka:\n  partitions: 0\n  colour: red\nelasticsearch:\n  hosts: 5\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    lines = sorted(str(p) for p in caught.value.problems)
    assert f"{path}:2: kafka.partitions: Input should be greater than or equal to 1" in lines
    assert f"{path}:3: kafka.colour: unknown key" in lines
    assert any(line.startswith(f"{path}:5: elasticsearch.hosts:") for line in lines), lines


def test_secrets_in_files_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "elasticsearch:\n  username: elastic\n  password: hunter2\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == (
        f"{path}:3: elasticsearch.password: secrets are not allowed in files; set TIPWATCH_ES_PASSWORD")


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "kafka:\n  partitions: 3\n bad indent: [\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    problem = caught.value.problems[0]
    assert problem.key == "<syntax>" and problem.line == 3


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.yaml", "kafka:\n  partitions: 3\n  partitions: 4\n")
    with pytest.raises(ConfigError, match=r":3: kafka\.partitions: duplicate key"):
        load_settings(path, environ={})


SOURCES = """\
sources:
  - id: jobs-th
    kind: html
    url: https://jobs.example.org/
    country: TH
    schedule: {every: 6h, timezone: Asia/Bangkok}
    html: {detail_links: "a.job", text: "div.body"}
  - id: chan
    kind: telegram
    channel: somechannel
    schedule: {cron: "0 */2 * * *"}
    robots: {obey: false}
"""


def test_source_errors_point_at_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yaml", SOURCES)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    text = str(caught.value)
    assert f"{path}:12: sources.1.robots: robots.obey: false needs a written 'reason'" in text


def test_valid_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "sources.yaml", SOURCES.replace("{obey: false}", "{obey: false, reason: test}"))
    sources = load_sources(path)
    assert sources.get("jobs-th").schedule.timezone == "Asia/Bangkok"
    with pytest.raises(KeyError, match="known: jobs-th, chan"):
        sources.get("nope")


def test_check_cli_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, "settings.yaml", "kafka:\n  partitions: -1\n")
    write(tmp_path, "sources.yaml", "sources:\n  - id: x\n    kind: feed\n")
    problems = check_all(tmp_path)
    assert [p.line for p in problems] == [2, 2], problems
    result = subprocess.run([sys.executable, "-m", "tipwatch.cli", "check", "--config", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 1
    assert f"{tmp_path / 'settings.yaml'}:2: kafka.partitions:" in result.stdout
    assert f"{tmp_path / 'sources.yaml'}:2: sources.0: a feed source needs 'url'" in result.stdout


def test_check_cli_is_clean_on_the_repository_config() -> None:
    result = subprocess.run([sys.executable, "-m", "tipwatch.cli", "check"], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
