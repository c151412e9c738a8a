"""``tipwatch identifiers --recompute --every S``: the periodic recompute ``tipwatch run`` supervises."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from elasticsearch import Elasticsearch

from tests.indexer.fixtures import index_records
from tests.indexer.test_identifiers import network
from tipwatch.config import Settings


def test_recompute_every_keeps_the_copy_fresh_and_stops_on_sigterm(es: Elasticsearch,
                                                                   stack_settings: Settings) -> None:
    index_records(es, stack_settings, network()[:2])
    env = {**os.environ, "TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": stack_settings.elasticsearch.index_prefix,
           "TIPWATCH_ELASTICSEARCH__HOSTS": ",".join(stack_settings.elasticsearch.hosts)}
    child = subprocess.Popen([sys.executable, "-m", "tipwatch.cli", "identifiers", "--recompute", "--every", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(4)
        index_records(es, stack_settings, network()[2:])  # a post with a new identifier arrives meanwhile
        time.sleep(4)
    finally:
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=30)
    counts = [int(n) for n in re.findall(r"(\d+) identifiers recomputed", output)]
    assert child.returncode == 0, output
    assert len(counts) >= 3 and counts[0] < counts[-1], f"recomputed {counts} identifiers per round"
    es.indices.refresh(index=stack_settings.index("identifiers"))
    assert es.count(index=stack_settings.index("identifiers"))["count"] == counts[-1]


def test_a_failed_round_is_logged_and_retried(es: Elasticsearch, stack_settings: Settings) -> None:
    es.indices.delete(index="no-such-prefix-identifiers-*", allow_no_indices=True, expand_wildcards="all")
    env = {**os.environ, "TIPWATCH_ELASTICSEARCH__INDEX_PREFIX": "no-such-prefix-",
           "TIPWATCH_ELASTICSEARCH__HOSTS": ",".join(stack_settings.elasticsearch.hosts)}
    child = subprocess.Popen([sys.executable, "-m", "tipwatch.cli", "identifiers", "--recompute", "--every", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(4)
    finally:
        child.send_signal(signal.SIGTERM)
        output, _ = child.communicate(timeout=30)
    assert child.returncode == 0, output
    assert output.count("identifier recompute failed") >= 2, output
    left = es.indices.get(index="no-such-prefix-identifiers-*", allow_no_indices=True, expand_wildcards="all")
    assert not left, f"failed rounds left their new indices behind: {sorted(left)}"
