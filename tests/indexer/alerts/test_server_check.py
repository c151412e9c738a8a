"""Rules the local parser accepts but Elasticsearch rejects: caught by ``validate_query`` before the
worker starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from indexer.alerts.fields import fields_from_index
from indexer.alerts.rules import check_rules
from tests.indexer.alerts.conftest import write_rule
from tests.indexer.alerts.test_dryrun import _run
from tipwatch.config import Settings
from tipwatch.errors import UserError


def test_validate_query_on_the_server(tmp_path: Path, es: Elasticsearch, alert_settings: Settings) -> None:
    write_rule(tmp_path, "dates", "type: any\nquery: 'first_seen:[yesterday TO now]'\n")
    write_rule(tmp_path, "fine", "type: any\nquery: 'first_seen:[now-1d TO now] AND casino'\n")
    alias = alert_settings.index("posts")
    assert check_rules(tmp_path) == [], "the offline check cannot know date formats"
    problems = check_rules(tmp_path, es, alias, fields_from_index(es, alias))
    assert [(p.file.name, p.line, p.key) for p in problems] == [("dates.yaml", 2, "query")]
    assert problems[0].message.startswith("rejected by Elasticsearch: ")
    assert "yesterday" in problems[0].message


def test_the_worker_refuses_to_start_with_invalid_rules(tmp_path: Path, alert_settings: Settings,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPWATCH_ELASTICSEARCH__INDEX_PREFIX", alert_settings.elasticsearch.index_prefix)
    monkeypatch.setenv("TIPWATCH_KAFKA__TOPIC_PREFIX", alert_settings.kafka.topic_prefix)
    write_rule(tmp_path, "dates", "type: any\nquery: 'first_seen:[yesterday TO now]'\n")
    with pytest.raises(UserError, match=r"dates\.yaml:2: query: rejected by Elasticsearch"):
        _run("--rules", str(tmp_path), "--max-messages", "1")
