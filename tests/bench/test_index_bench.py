"""``bench/index.py`` runs end to end on the shared stack and prints the figures it promises (small
sizes: the figures themselves are not judged here, only that the benchmark measures what it says)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tipwatch.stack import LocalStack


def _bench(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "index.py"), *args], capture_output=True, text=True,
                          timeout=600, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])


def test_index_bench_prints_one_json_line_with_both_rates(local_stack: LocalStack) -> None:
    figures = _bench("--posts", "300", "--rounds", "2", "--search-runs", "0")
    assert figures["indexed"] == 300 and figures["posts"] == 300
    assert figures["batches"] >= 1 and figures["commits"] == figures["batches"]
    assert float(figures["indexer_docs_per_s"]) > 0 and float(figures["bulk_docs_per_s"]) > 0
    assert len(figures["ratios"]) == 2 and figures["ratio"] in figures["ratios"] and figures["ratio"] > 0
    assert figures["search_runs"] == 0 and "search_p50_ms" not in figures
    work = figures["server_work"]
    assert work["indexer"]["indexed"] == work["bulk"]["indexed"] == 300, "each side indexed every post once"
    assert work["indexer"]["searches"] >= 1 and work["bulk"]["searches"] == 0, "only the indexer searches candidates"
    assert work["indexer"]["gets"] == 300 and work["bulk"]["gets"] == 0, "one realtime get per post (stored posts)"
    assert work["bulk"]["refreshes"] >= 1 and work["bulk"]["segments"] >= 1


def test_index_bench_search_latency(local_stack: LocalStack) -> None:
    figures = _bench("--posts", "200", "--rounds", "1", "--search-runs", "2")
    assert figures["search_runs"] == 2 * 10, "two timed runs of each of the ten analyst queries"
    assert 0 < float(figures["search_p50_ms"]) <= float(figures["search_p95_ms"])
    assert len(figures["search_p50_ms_by_query"]) == 10


def _affinities(pid: int) -> dict[int, set[int]]:
    return {int(task.name): os.sched_getaffinity(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


def test_index_bench_with_elasticsearch_on_a_core_of_its_own(local_stack: LocalStack) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from cores import listening_pid  # bench/ holds scripts, not a package
    finally:
        sys.path.remove(str(ROOT / "bench"))
    es = listening_pid(local_stack.settings.stack.elasticsearch_port)
    assert es is not None, "the local Elasticsearch listens on the stack's port"
    before = _affinities(es)
    cpus = sorted(os.sched_getaffinity(0))
    figures = _bench("--posts", "200", "--rounds", "1", "--search-runs", "0", "--es-cores", "1")
    assert figures["indexed"] == 200 and figures["es_cores"] == 1
    assert figures["cpus"]["elasticsearch"] == cpus[:1] and figures["cpus"]["benchmark"] == cpus[1:]
    pinned = figures["cpus"]["threads_pinned"]
    assert pinned["elasticsearch"] >= 10 and pinned["benchmark"] >= 1, pinned
    after = _affinities(es)
    # every thread, also those Elasticsearch started during the run (they inherited the pinned CPU)
    assert after == {tid: before.get(tid, before[es]) for tid in after}


def test_index_bench_refuses_a_split_without_a_core_for_each_side(local_stack: LocalStack) -> None:
    cores = len(os.sched_getaffinity(0))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "index.py"), "--posts", "10", "--es-cores", str(cores)],
                          capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"bench/index.py: --es-cores {cores}: this process may use {cores} CPUs; "
                                   f"Elasticsearch and the benchmark need at least one each")
