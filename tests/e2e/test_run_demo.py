"""``tipwatch run --demo --once`` end to end on the real stack: every demo post crawled, enriched,
indexed once, alert rules evaluated and each alert notified once to the demo webhook receiver."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from elasticsearch import Elasticsearch

from tipwatch.config import Settings
from tipwatch.es import make_client

ROOT = Path(__file__).resolve().parents[2]


def test_run_demo_once(stack_settings: Settings, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TIPWATCH_KAFKA__TOPIC_PREFIX": stack_settings.kafka.topic_prefix,
        "TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": stack_settings.elasticsearch.index_prefix,
        "TIPWATCH_PATHS__STATE_DIR": str(tmp_path / "state"),
        "TIPWATCH_PATHS__EVIDENCE_DIR": str(tmp_path / "evidence"),
        "TIPWATCH_PATHS__SPOOL_DIR": str(tmp_path / "spool"),
    }
    result = subprocess.run([sys.executable, "-m", "tipwatch.cli", "run", "--demo", "--once", "--no-stack",
                             "--timeout", "900"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1200, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "every source crawled and the pipeline has drained" in output

    client: Elasticsearch = make_client(stack_settings)
    posts = stack_settings.index("posts")
    client.indices.refresh(index=posts)
    total = client.count(index=posts)["count"]
    distinct = client.search(index=posts, size=0, aggs={"ids": {"cardinality": {"field": "id"}}})
    assert total == 242 and distinct["aggregations"]["ids"]["value"] == 242, (
        f"242 demo posts expected once each; indexed {total}")
    languages = client.search(index=posts, size=0, aggs={"l": {"terms": {"field": "language.code", "size": 30}}})
    codes = {b["key"] for b in languages["aggregations"]["l"]["buckets"]}
    assert len(codes) >= 8, codes
    match = re.search(r"posts indexed\s+242 from 7 source", output)
    assert match, output[-3000:]

    alerts = stack_settings.index("alerts")
    client.indices.refresh(index=alerts)
    sent = client.count(index=alerts, query={"term": {"status": "sent"}})["count"]
    received = [json.loads(line) for line in (tmp_path / "state" / "demo" / "notifications.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert sent > 0, "the demo rules fired"
    assert len(received) == sent, f"{sent} alerts marked sent, {len(received)} notifications received"
    evidence = list((tmp_path / "evidence").rglob("*.warc.gz"))
    assert evidence, "WARC evidence written"
    recomputed = re.search(r"identifier network: (\d+) identifiers recomputed", output)
    assert recomputed, output[-3000:]
    identifiers = stack_settings.index("identifiers")
    client.indices.refresh(index=identifiers)
    assert client.count(index=identifiers)["count"] == int(recomputed.group(1)) > 25, "materialised for Kibana"
    client.close()
